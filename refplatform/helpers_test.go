package refplatform

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// t0 is where every test's manual clock starts.
var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// env is a reference platform on loopback with a manual clock, and a client whose every
// response is checked against the OpenAPI contract (conformingTransport).
type env struct {
	t      testing.TB
	srv    *Server
	clock  *ManualClock
	client *http.Client
	tokens map[string]string
}

func newEnv(t testing.TB, opts ...Option) *env {
	t.Helper()
	clock := NewManualClock(t0)
	srv, err := New(append([]Option{WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := srv.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &env{t: t, srv: srv, clock: clock, tokens: map[string]string{},
		client: &http.Client{Transport: newConformingTransport(t, http.DefaultTransport)}}
}

// secrets of the default world's applications.
var secrets = map[string]string{
	"app-primary": "primary-secret", "app-secondary": "secondary-secret",
	"app-other": "other-secret", "app-norights": "norights-secret", "app-frozen": "frozen-secret",
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (e *env) do(method, path string, header http.Header, body string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL()+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatalf("request: %v", err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) login(app string) string {
	e.t.Helper()
	r := e.do(http.MethodPost, PathLogin, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		url.Values{"appId": {app}, "secret": {secrets[app]}}.Encode())
	if r.status != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", app, r.status, r.body)
	}
	tok := r.json(e.t)["accessToken"].(string)
	e.tokens[app] = tok
	return tok
}

// auth returns the headers of an authenticated call by app, logging in when needed.
func (e *env) auth(app string) http.Header {
	tok, ok := e.tokens[app]
	if !ok {
		tok = e.login(app)
	}
	return http.Header{"App_key": {app}, "Authorization": {"Bearer " + tok},
		"Content-Type": {"application/json"}}
}

func (e *env) create(caller string, body any) response {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatalf("marshal: %v", err)
	}
	return e.do(http.MethodPost, PathTasks, e.auth(caller), string(b))
}

// mustCreate creates a task and returns its id.
func (e *env) mustCreate(caller string, body any) string {
	e.t.Helper()
	r := e.create(caller, body)
	m := r.json(e.t)
	id, ok := m["taskID"].(string)
	if r.status != http.StatusOK || !ok {
		e.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return id
}

func (e *env) query(caller, id, rawQuery string) response {
	e.t.Helper()
	return e.do(http.MethodGet, PathTasks+"/"+id+"?"+rawQuery, e.auth(caller), "")
}

func (e *env) details(caller, rawQuery string) response {
	e.t.Helper()
	return e.do(http.MethodGet, PathDetails+"?"+rawQuery, e.auth(caller), "")
}

func (e *env) advance(d time.Duration) {
	e.t.Helper()
	if err := e.srv.Advance(d); err != nil {
		e.t.Fatal(err)
	}
}

// task is a create body for app on a group (GroupList), with a unique name.
func taskBody(app, name string, param map[string]any) map[string]any {
	if param == nil {
		param = map[string]any{"type": "DeviceList", "deviceList": []string{"dev-lone"}}
	}
	if _, ok := param["command"]; !ok {
		param["command"] = map[string]any{"serviceId": "Switch", "method": "ON", "paras": map[string]any{"level": 3}}
	}
	return map[string]any{"appId": app, "taskName": name, "taskType": "DeviceCmd", "timeout": 10, "param": param}
}

func group(name string) map[string]any {
	return map[string]any{"type": "GroupList", "groupList": []string{name}}
}

// wantError asserts an error answer: status, code, the doc's text and the JSON content type.
func wantError(t testing.TB, r response, op string, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d (body %s)", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != ContentType {
		t.Errorf("Content-Type %q, want %q", ct, ContentType)
	}
	var b ErrorBody
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if b.Code != code {
		t.Fatalf("error_code %q, want %q", b.Code, code)
	}
	if want := Description(op, code); b.Desc != want || want == "" {
		t.Errorf("error_desc %q, want %q", b.Desc, want)
	}
}

// newRawEnv is newEnv without the contract check: for faults that break the contract on
// purpose.
func newRawEnv(t testing.TB, opts ...Option) *env {
	e := newEnv(t, opts...)
	e.client = &http.Client{}
	return e
}
