package refplatform

import "testing"

// TestCallbackStaysOnLoopback: a task given a callbackUrl off the machine makes the reference
// send nothing there (not even a name lookup), while loopback callbacks still go out.
func TestCallbackStaysOnLoopback(t *testing.T) {
	t.Parallel()
	c := newCallbackSender(func(bool) {}, false)
	defer c.close()
	tests := []struct {
		url    string
		reason string
		ok     bool
	}{
		{"http://127.0.0.1:9/cb", "an IPv4 loopback literal is allowed", true},
		{"http://[::1]:9/cb", "the IPv6 loopback is allowed", true},
		{"http://localhost:9/cb", "localhost is allowed (the dialled address is checked too)", true},
		{"https://na.example/callback", "a public name is refused without resolving it", false},
		{"http://10.1.2.3/cb", "a private address is refused", false},
		{"http://192.168.0.1/cb", "a private address is refused", false},
	}
	for _, tc := range tests {
		if err := c.allowed(tc.url); (err == nil) != tc.ok {
			t.Errorf("%s: %s: allowed = %v", tc.reason, tc.url, err)
		}
	}
	if err := newCallbackSender(func(bool) {}, true).allowed("https://na.example/callback"); err != nil {
		t.Errorf("WithCallbackAnyHost must allow any host: %v", err)
	}
}
