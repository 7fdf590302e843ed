package refplatform

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recordingTB records Errorf calls, to show the contract check can fail.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestConformingTransportCatches: the contract check the other tests rely on reports a
// platform that breaks the contract (here, error bodies of the wrong shape).
func TestConformingTransportCatches(t *testing.T) {
	t.Parallel()
	e := newRawEnv(t, WithFaults(FaultErrorBodyResultCode))
	rec := &recordingTB{TB: t}
	e.client = &http.Client{Transport: newConformingTransport(rec, http.DefaultTransport)}
	e.query("app-primary", "nosuch", "")
	if len(rec.errors) == 0 {
		t.Fatal("a resultcode error body passed the contract check")
	}
}

// TestControlAPI drives the control listener over HTTP.
func TestControlAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctl := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, e.srv.ControlURL()+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	if e.srv.ControlURL() == e.srv.URL() || e.srv.ControlURL() == "" {
		t.Fatal("control API must have its own listener")
	}
	if st, m := ctl("POST", "/control/advance", `{"seconds":90}`); st != 200 || m["now"] != "2024-03-01T12:01:30Z" {
		t.Fatalf("advance: %d %v", st, m)
	}
	if st, _ := ctl("POST", "/control/advance", `{"seconds":-1}`); st != 400 {
		t.Fatalf("negative advance answered %d", st)
	}
	if st, m := ctl("GET", "/control/now", ""); st != 200 || m["now"] != "2024-03-01T12:01:30Z" {
		t.Fatalf("now: %d %v", st, m)
	}
	if st, _ := ctl("POST", "/control/fault", `{"operation":"createBatchTask","count":2,"status":500,"code":"50252"}`); st != 200 {
		t.Fatalf("fault: %d", st)
	}
	if st, _ := ctl("POST", "/control/fault", `{"operation":"nope","count":1,"status":500,"code":"50252"}`); st != 400 {
		t.Fatalf("fault on unknown operation answered %d", st)
	}
	for range 2 {
		wantError(t, e.create("app-primary", taskBody("app-primary", "x", nil)), OpCreate, 500, CodeInternal)
	}
	e.mustCreate("app-primary", taskBody("app-primary", "x", nil))
	st, m := ctl("GET", "/control/counters", "")
	calls, _ := m["calls"].(map[string]any)
	if st != 200 || calls[OpCreate] != 3.0 || calls[OpLogin] != 1.0 || m["tasks"] != 1.0 || m["injectedFaults"] != 2.0 {
		t.Fatalf("counters: %d %v", st, m)
	}
	if st, _ := ctl("POST", "/control/reset", ""); st != 200 {
		t.Fatalf("reset: %d", st)
	}
	if c := e.srv.Counters(); c.Tasks != 0 || c.Calls[OpCreate] != 0 {
		t.Fatalf("after reset: %+v", c)
	}
	wantError(t, e.query("app-primary", "nosuch", ""), OpQuery, 403, CodeTokenInvalid) // tokens reset too
}
