package loadtest

import (
	"net/http"
	"testing"
)

// FuzzErrorCode feeds hostile bodies to the error-body readers: they must never panic, and a
// code read must come from an error_code field.
func FuzzErrorCode(f *testing.F) {
	for _, seed := range []string{
		`{"error_code":"1010009","error_desc":"app throttle exceed."}`,
		`{"error_code":1010009}`, `{"error_code":null}`, `[]`, `"x"`, `{"error_code":{"a":1}}`, ``, `{`,
		`{"resultcode":"1010005","resultmsg":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, _ := ErrorCode(body)
		v := ThrottleViolation(Response{Status: 403, Header: http.Header{"Content-Type": {"application/json"}}, Body: body, Code: code})
		if code == CodeThrottled && v != "" && string(body) == `{"error_code":"1010009","error_desc":"app throttle exceed."}` {
			t.Errorf("the documented throttle body was judged malformed: %s", v)
		}
	})
}
