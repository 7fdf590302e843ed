package openapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// FuzzValidateResponse feeds hostile response bodies and headers to the validator: whatever a
// target answers, validation reports violations and never panics.
func FuzzValidateResponse(f *testing.F) {
	for _, seed := range []string{
		`{"taskID":"x"}`, `{"taskId":"x"}`, `{"error_code":"105001","error_desc":"d"}`, `[]`, `null`,
		`{"param":{"type":"DeviceType"}}`, `{"param":{"type":7}}`, `{`, "", `{"progress":1e400}`,
		`{"taskDetails":[{"param":null}]}`,
	} {
		f.Add(200, "application/json", seed)
	}
	f.Add(418, "text/html", "<html>")
	v := newValidator(f)
	createBody := mustJSON(f, validCreate())
	reqs := []func() *http.Request{
		queryRequest,
		func() *http.Request {
			return authed(http.MethodPost, base+"/iocm/app/batchtask/v1.1.0/tasks", createBody)
		},
		func() *http.Request {
			return authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/taskDetails?taskId=t", nil)
		},
	}
	f.Fuzz(func(t *testing.T, status int, contentType, body string) {
		for _, mk := range reqs {
			h := http.Header{"Content-Type": {contentType}}
			vs := v.ValidateResponse(context.Background(), mk(), nil, status, h, []byte(body))
			for _, viol := range vs {
				if viol.Source != Source || viol.Message == "" {
					t.Fatalf("malformed violation %+v", viol)
				}
			}
		}
	})
}

// TestLoaderRejectsBrokenExample shows the examples are checked by kin-openapi's own
// document validation too, so a future edit cannot ship an example the spec rejects.
func TestLoaderRejectsBrokenExample(t *testing.T) {
	t.Parallel()
	broken := strings.Replace(string(Spec()), "progress: 1000\n", "progress: 2000\n", 1)
	if broken == string(Spec()) {
		t.Fatal("the query example no longer has progress: 1000; update this test")
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(broken))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err == nil {
		t.Error("a spec whose example has progress 2000 validated")
	}
}
