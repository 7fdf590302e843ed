package openapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestCreateFieldBounds(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	tests := []struct {
		name    string
		path    string
		value   any
		pointer string // "" means the request must conform
		reason  string
	}{
		{"taskName empty", "taskName", "", "/taskName", "taskName is String 1..256: 0 is min-1"},
		{"taskName 1", "taskName", "a", "", "min"},
		{"taskName 256", "taskName", strings.Repeat("a", 256), "", "max"},
		{"taskName 257", "taskName", strings.Repeat("a", 257), "/taskName", "max+1"},
		{"timeout 9", "timeout", 9, "/timeout", "timeout is 10..2880 minutes: min-1"},
		{"timeout 10", "timeout", 10, "", "min"},
		{"timeout 2880", "timeout", 2880, "", "max"},
		{"timeout 2881", "timeout", 2881, "/timeout", "max+1"},
		{"timeout not integer", "timeout", 10.5, "/timeout", "timeout is an Integer"},
		{"maxRetransmit -1", "param.maxRetransmit", -1, "/param/maxRetransmit", "maxRetransmit is 0..3: min-1"},
		{"maxRetransmit 0", "param.maxRetransmit", 0, "", "min"},
		{"maxRetransmit 3", "param.maxRetransmit", 3, "", "max"},
		{"maxRetransmit 4", "param.maxRetransmit", 4, "/param/maxRetransmit", "max+1"},
		{"serviceId empty", "param.command.serviceId", "", "/param/command/serviceId", "serviceId is String(1-64): min-1"},
		{"serviceId 1", "param.command.serviceId", "s", "", "min"},
		{"serviceId 64", "param.command.serviceId", strings.Repeat("s", 64), "", "max"},
		{"serviceId 65", "param.command.serviceId", strings.Repeat("s", 65), "/param/command/serviceId", "max+1"},
		{"method empty", "param.command.method", "", "/param/command/method", "method is String(1-128): min-1"},
		{"method 1", "param.command.method", "m", "", "min"},
		{"method 128", "param.command.method", strings.Repeat("m", 128), "", "max"},
		{"method 129", "param.command.method", strings.Repeat("m", 129), "/param/command/method", "max+1"},
		{"tagName empty", "tags", tag("", "v"), "/tags/0/tagName", "tagName is String(1-128): min-1"},
		{"tagName 1", "tags", tag("n", "v"), "", "min"},
		{"tagName 128", "tags", tag(strings.Repeat("n", 128), "v"), "", "max"},
		{"tagName 129", "tags", tag(strings.Repeat("n", 129), "v"), "/tags/0/tagName", "max+1"},
		{"tagValue empty", "tags", tag("n", ""), "/tags/0/tagValue", "tagValue is String(1-1024): min-1"},
		{"tagValue 1", "tags", tag("n", "v"), "", "min"},
		{"tagValue 1024", "tags", tag("n", strings.Repeat("v", 1024)), "", "max"},
		{"tagValue 1025", "tags", tag("n", strings.Repeat("v", 1025)), "/tags/0/tagValue", "max+1"},
		{"appId 64", "appId", strings.Repeat("a", 64), "", "appId is String(64): max"},
		{"appId 65", "appId", strings.Repeat("a", 65), "/appId", "max+1"},
		{"taskType other", "taskType", "DeviceUpgrade", "/taskType", "taskType is DeviceCmd only"},
		{"taskName missing", "taskName", nil, "/taskName", "taskName is mandatory"},
		{"command missing", "param.command", nil, "/param/command", "command is mandatory"},
		{"tags absent", "tags", nil, "", "tags are optional"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := validCreate()
			set(body, tc.path, tc.value)
			req, b := createRequest(t, body)
			vs := v.ValidateRequest(context.Background(), req, b)
			if tc.pointer == "" {
				if len(vs) != 0 {
					t.Fatalf("want no violation (%s), got %v", tc.reason, vs)
				}
				return
			}
			if !hasPointer(vs, tc.pointer) {
				t.Fatalf("want a violation at %s (%s), got %v", tc.pointer, tc.reason, vs)
			}
			for _, viol := range vs {
				if viol.Source != Source || viol.Operation != "createBatchTask" || viol.Message == "" {
					t.Errorf("violation lacks source, operation or message: %+v", viol)
				}
			}
		})
	}
}

func tag(name, value string) []any {
	return []any{map[string]any{"tagName": name, "tagValue": value}}
}

func TestParamConditionalFields(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cmd := map[string]any{"serviceId": "S", "method": "M"}
	tests := []struct {
		name    string
		param   map[string]any
		pointer string
		reason  string
	}{
		{"DeviceList ok", map[string]any{"type": "DeviceList", "deviceList": []any{"d"}, "command": cmd}, "", "deviceList given"},
		{"DeviceList without deviceList", map[string]any{"type": "DeviceList", "command": cmd}, "/param/deviceList", "M if type=DeviceList"},
		{"DeviceType ok", map[string]any{"type": "DeviceType", "deviceType": "T", "manufacturerId": "m", "model": "x", "command": cmd}, "", "all three given"},
		{"DeviceType without manufacturerId", map[string]any{"type": "DeviceType", "deviceType": "T", "model": "x", "command": cmd}, "/param/manufacturerId", "AMB.8: mandatory for DeviceType"},
		{"DeviceType without model", map[string]any{"type": "DeviceType", "deviceType": "T", "manufacturerId": "m", "command": cmd}, "/param/model", "AMB.8"},
		{"DeviceType without deviceType", map[string]any{"type": "DeviceType", "manufacturerId": "m", "model": "x", "command": cmd}, "/param/deviceType", "M if type=DeviceType"},
		{"DeviceArea ok", map[string]any{"type": "DeviceArea", "deviceLocation": "L", "command": cmd}, "", "location given"},
		{"DeviceArea without deviceLocation", map[string]any{"type": "DeviceArea", "command": cmd}, "/param/deviceLocation", "M if type=DeviceArea"},
		{"GroupList ok", map[string]any{"type": "GroupList", "groupList": []any{"g"}, "command": cmd}, "", "groupList given"},
		{"GroupList without groupList", map[string]any{"type": "GroupList", "command": cmd}, "/param/groupList", "M if type=GroupList"},
		{"GroupIdList without groupList", map[string]any{"type": "GroupIdList", "command": cmd}, "/param/groupList", "M if type=GroupIdList"},
		{"Broadcast ok", map[string]any{"type": "Broadcast", "command": cmd}, "", "Broadcast needs no target field"},
		{"manufacturerId optional elsewhere", map[string]any{"type": "Broadcast", "command": cmd, "manufacturerId": "m"}, "", "only DeviceType needs it"},
		{"unknown type", map[string]any{"type": "Everyone", "command": cmd}, "/param/type", "type is one of six"},
		{"type missing", map[string]any{"deviceList": []any{"d"}, "command": cmd}, "/param/type", "type is mandatory"},
		{"deviceList not a list", map[string]any{"type": "DeviceList", "deviceList": "d", "command": cmd}, "/param/deviceList", "List<String>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := validCreate()
			body["param"] = tc.param
			req, b := createRequest(t, body)
			vs := v.ValidateRequest(context.Background(), req, b)
			if tc.pointer == "" {
				if len(vs) != 0 {
					t.Fatalf("want no violation (%s), got %v", tc.reason, vs)
				}
				return
			}
			if !hasPointer(vs, tc.pointer) {
				t.Fatalf("want a violation at %s (%s), got %v", tc.pointer, tc.reason, vs)
			}
		})
	}
}

func TestDetailsQueryParameters(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	tests := []struct {
		name    string
		query   string
		pointer string
		reason  string
	}{
		{"minimal", "taskId=t", "", "only taskId is mandatory"},
		{"pageSize 0", "taskId=t&pageSize=0", "query/pageSize", "pageSize is 1..250: min-1"},
		{"pageSize 1", "taskId=t&pageSize=1", "", "min"},
		{"pageSize 250", "taskId=t&pageSize=250", "", "max"},
		{"pageSize 251", "taskId=t&pageSize=251", "query/pageSize", "max+1"},
		{"pageSize text", "taskId=t&pageSize=ten", "query/pageSize", "pageSize is an integer"},
		{"pageNo -1", "taskId=t&pageNo=-1", "query/pageNo", "pageNo >= 0"},
		{"pageNo 0", "taskId=t&pageNo=0", "", "min"},
		{"status ok", "taskId=t&status=WaitResult", "", "a subtask status"},
		{"status unknown", "taskId=t&status=Running", "query/status", "Running is a task status, not a subtask one"},
		{"taskId missing", "pageNo=0", "query/taskId", "taskId is mandatory"},
		{"appId 65", "taskId=t&appId=" + strings.Repeat("a", 65), "query/appId", "appId is String(64)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/taskDetails?"+tc.query, nil)
			vs := v.ValidateRequest(context.Background(), req, nil)
			if tc.pointer == "" {
				if len(vs) != 0 {
					t.Fatalf("want no violation (%s), got %v", tc.reason, vs)
				}
				return
			}
			if !hasPointer(vs, tc.pointer) {
				t.Fatalf("want a violation at %s (%s), got %v", tc.pointer, tc.reason, vs)
			}
		})
	}
}

func TestQuerySelect(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	ok := authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/tasks/t1?select=tags", nil)
	if vs := v.ValidateRequest(context.Background(), ok, nil); len(vs) != 0 {
		t.Errorf("select=tags is allowed, got %v", vs)
	}
	bad := authed(http.MethodGet, base+"/iocm/app/batchtask/v1.1.0/tasks/t1?select=all", nil)
	if vs := v.ValidateRequest(context.Background(), bad, nil); !hasPointer(vs, "query/select") {
		t.Errorf("select=all is not in [tags], got %v", vs)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		appKey   string
		auth     string
		pointers []string
		reason   string
	}{
		{"both present", "app", "Bearer tok", nil, "the requirement is met"},
		{"no app_key", "", "Bearer tok", []string{"header/app_key"}, "FLD.create.header.app_key"},
		{"no Authorization", "app", "", []string{"header/Authorization"}, "FLD.create.header.Authorization"},
		{"neither", "", "", []string{"header/Authorization", "header/app_key"}, "both are reported, not the first only"},
		{"not bearer", "app", "Basic abc", []string{"header/Authorization"}, `the value is "Bearer {accessToken}"`},
		{"bearer without token", "app", "Bearer ", []string{"header/Authorization"}, "a token must follow"},
	}
	v := newValidator(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, b := createRequest(t, validCreate())
			req.Header.Set("app_key", tc.appKey)
			req.Header.Set("Authorization", tc.auth)
			vs := v.ValidateRequest(context.Background(), req, b)
			if got := pointers(vs); fmt.Sprint(got) != fmt.Sprint(tc.pointers) && !(len(got) == 0 && tc.pointers == nil) {
				t.Fatalf("pointers = %v, want %v (%s)", got, tc.pointers, tc.reason)
			}
			for _, viol := range vs {
				if strings.Contains(viol.Message, "tok") || strings.Contains(viol.Message, "abc") {
					t.Errorf("message echoes a credential: %q", viol.Message)
				}
			}
		})
	}
	off := newValidator(t, WithSecurityCheck(false))
	req, b := createRequest(t, validCreate())
	req.Header.Del("app_key")
	if vs := off.ValidateRequest(context.Background(), req, b); len(vs) != 0 {
		t.Errorf("WithSecurityCheck(false) still reports %v", vs)
	}
}

func TestLoginNeedsNoSecurity(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	req, _ := http.NewRequest(http.MethodPost, base+"/iocm/app/sec/v1.1.0/login", nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if vs := v.ValidateRequest(context.Background(), req, []byte("appId=a&secret=hunter2")); len(vs) != 0 {
		t.Errorf("a login with appId and secret conforms, got %v", vs)
	}
	vs := v.ValidateRequest(context.Background(), req, []byte("appId=a"))
	if !hasPointer(vs, "/secret") {
		t.Errorf("a login without secret must be reported at /secret, got %v", vs)
	}
	vs = v.ValidateRequest(context.Background(), req, []byte("appId="+strings.Repeat("a", 65)+"&secret=hunter2"))
	if !hasPointer(vs, "/appId") {
		t.Errorf("a 65-character appId must be reported at /appId, got %v", vs)
	}
	for _, viol := range vs {
		if strings.Contains(viol.Message, "hunter2") {
			t.Errorf("message leaks the secret: %q", viol.Message)
		}
	}
}

func TestRequestContentType(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	req, b := createRequest(t, validCreate())
	req.Header.Set("Content-Type", "text/plain")
	if vs := v.ValidateRequest(context.Background(), req, b); !hasPointer(vs, "header/Content-Type") {
		t.Errorf("a text/plain create body must be reported at header/Content-Type, got %v", vs)
	}
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	tests := []struct {
		name, method, target, reason string
	}{
		{"unknown path", http.MethodGet, base + "/iocm/app/batchtask/v1.1.0/nothing", "no such path"},
		{"wrong method", http.MethodDelete, base + "/iocm/app/batchtask/v1.1.0/tasks", "tasks has no DELETE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := authed(tc.method, tc.target, nil)
			vs := v.ValidateExchange(context.Background(), req, nil, 200, jsonHeader(), []byte(`{}`))
			if len(vs) != 1 || vs[0].Pointer != "route" {
				t.Fatalf("want one route violation (%s), got %v", tc.reason, vs)
			}
			if _, err := v.Operation(req); err == nil {
				t.Errorf("Operation found an operation for %s %s", tc.method, tc.target)
			}
		})
	}
}

func TestOperation(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	tests := []struct{ method, path, want string }{
		{http.MethodPost, "/iocm/app/sec/v1.1.0/login", "login"},
		{http.MethodPost, "/iocm/app/sec/v1.1.0/refreshToken", "refreshToken"},
		{http.MethodPost, "/iocm/app/batchtask/v1.1.0/tasks", "createBatchTask"},
		{http.MethodGet, "/iocm/app/batchtask/v1.1.0/tasks/abc", "queryBatchTask"},
		{http.MethodGet, "/iocm/app/batchtask/v1.1.0/taskDetails", "queryTaskDetails"},
	}
	for _, tc := range tests {
		for _, host := range []string{"http://127.0.0.1:1", "https://platform.example:8743"} {
			req, _ := http.NewRequest(tc.method, host+tc.path, nil)
			got, err := v.Operation(req)
			if err != nil || got != tc.want {
				t.Errorf("Operation(%s %s%s) = %q, %v; want %q (any host matches)", tc.method, host, tc.path, got, err, tc.want)
			}
		}
	}
}

// TestConcurrentUse hammers one Validator from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	good := mustJSON(t, validTask())
	badTask := validTask()
	badTask["progress"] = 1001
	bad := mustJSON(t, badTask)
	createBody := mustJSON(t, validCreate())
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				body, want := good, 0
				if (g+i)%2 == 1 {
					body, want = bad, 1
				}
				vs := v.ValidateExchange(context.Background(), queryRequest(), nil, 200, jsonHeader(), body)
				if len(vs) != want {
					errs <- fmt.Sprintf("goroutine %d call %d: got %v, want %d violations", g, i, vs, want)
					return
				}
				req := authed(http.MethodPost, base+"/iocm/app/batchtask/v1.1.0/tasks", createBody)
				if vs := v.ValidateRequest(context.Background(), req, createBody); len(vs) != 0 {
					errs <- fmt.Sprintf("create request: %v", vs)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
