package apiclient

import "testing"

func TestCreateTimeout(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]int{`{"timeout":10}`: 10, `{"timeout":2880}`: 2880, `{}`: 0, `{"timeout":"10"}`: 10,
		`{"timeout":1.5}`: 0, `{"timeout":-1}`: 0, `{"timeout":99999999}`: 0, `not json`: 0} {
		if got := CreateTimeout([]byte(body)); got != want {
			t.Errorf("CreateTimeout(%s) = %d, want %d", body, got, want)
		}
	}
}
