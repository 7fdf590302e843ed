package refplatform

import (
	"net/http"
	"strings"
	"testing"
)

// TestCreateBadInput: every malformed create answers 400/50400 (FLD.create.*), never a panic
// or an undocumented status.
func TestCreateBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	valid := `{"appId":"app-primary","taskName":"n","taskType":"DeviceCmd","timeout":10,` +
		`"param":{"type":"Broadcast","command":{"serviceId":"S","method":"M"}}}`
	with := func(old, new string) string { return strings.Replace(valid, old, new, 1) }
	cases := []struct {
		name, why, body string
		header          func(h http.Header)
	}{
		{"empty", "no body at all", "", nil},
		{"truncated", "JSON cut off", valid[:40], nil},
		{"trailing", "a second value after the object", valid + "{}", nil},
		{"array", "not an object", "[]", nil},
		{"null", "null body", "null", nil},
		{"too-big", "over 1 MiB", with(`"n"`, `"`+strings.Repeat("a", MaxBodyBytes)+`"`), nil},
		{"appId-missing", "mandatory", with(`"appId":"app-primary",`, ""), nil},
		{"appId-number", "wrong type", with(`"app-primary"`, `42`), nil},
		{"appId-65", "String(64)", with(`"app-primary"`, `"`+strings.Repeat("a", 65)+`"`), nil},
		{"taskName-empty", "at least one character", with(`"n"`, `""`), nil},
		{"taskName-257", "at most 256 characters", with(`"n"`, `"`+strings.Repeat("é", 257)+`"`), nil},
		{"taskName-null", "null for a mandatory field", with(`"n"`, `null`), nil},
		{"taskName-invalid-utf8", "bytes that are not UTF-8 are not text", with(`"n"`, "\"n\xff\xfe\""), nil},
		{"taskName-lone-surrogate", "an escaped lone surrogate is not a character", with(`"n"`, `"n\udc00"`), nil},
		{"taskName-nul", "a NUL is a control character", with(`"n"`, `"n\u0000x"`), nil},
		{"taskName-newline", "a line break is a control character", with(`"n"`, "\"n\\nx\""), nil},
		{"taskName-c1", "C1 controls are control characters", with(`"n"`, `"n\u0085"`), nil},
		{"serviceId-del", "DEL is a control character", with(`"S"`, `"S\u007f"`), nil},
		{"taskType", "only DeviceCmd", with(`"DeviceCmd"`, `"DeviceUpgrade"`), nil},
		{"timeout-9", "below 10", with(`"timeout":10`, `"timeout":9`), nil},
		{"timeout-2881", "above 2880", with(`"timeout":10`, `"timeout":2881`), nil},
		{"timeout-float", "not an integer", with(`"timeout":10`, `"timeout":10.5`), nil},
		{"timeout-string", "wrong type", with(`"timeout":10`, `"timeout":"10"`), nil},
		{"timeout-huge", "overflows int64", with(`"timeout":10`, `"timeout":99999999999999999999999`), nil},
		{"param-missing", "mandatory", `{"appId":"app-primary","taskName":"n","taskType":"DeviceCmd","timeout":10}`, nil},
		{"param-string", "wrong type", with(`{"type":"Broadcast","command":{"serviceId":"S","method":"M"}}`, `"x"`), nil},
		{"type-unknown", "not one of the six", with(`"Broadcast"`, `"Everything"`), nil},
		{"deviceList-missing", "mandatory for DeviceList", with(`"Broadcast"`, `"DeviceList"`), nil},
		{"deviceList-empty", "an empty list targets nothing", with(`"type":"Broadcast"`, `"type":"DeviceList","deviceList":[]`), nil},
		{"deviceList-numbers", "wrong item type", with(`"type":"Broadcast"`, `"type":"DeviceList","deviceList":[1]`), nil},
		{"deviceType-no-model", "AMB.8: model mandatory for DeviceType", with(`"type":"Broadcast"`, `"type":"DeviceType","deviceType":"WaterMeter","manufacturerId":"acme"`), nil},
		{"deviceType-no-manufacturer", "AMB.8: manufacturerId mandatory for DeviceType", with(`"type":"Broadcast"`, `"type":"DeviceType","deviceType":"WaterMeter","model":"WM-100"`), nil},
		{"deviceArea-missing", "deviceLocation mandatory for DeviceArea", with(`"Broadcast"`, `"DeviceArea"`), nil},
		{"groupList-missing", "groupList mandatory for GroupList", with(`"Broadcast"`, `"GroupList"`), nil},
		{"groupIdList-missing", "groupList mandatory for GroupIdList", with(`"Broadcast"`, `"GroupIdList"`), nil},
		{"command-missing", "mandatory", with(`,"command":{"serviceId":"S","method":"M"}`, ""), nil},
		{"serviceId-65", "String(1-64)", with(`"S"`, `"`+strings.Repeat("s", 65)+`"`), nil},
		{"method-empty", "String(1-128)", with(`"M"`, `""`), nil},
		{"method-129", "String(1-128)", with(`"M"`, `"`+strings.Repeat("m", 129)+`"`), nil},
		{"paras-list", "paras is an ObjectNode", with(`"method":"M"`, `"method":"M","paras":[1]`), nil},
		{"maxRetransmit-4", "0..3", with(`"type":"Broadcast"`, `"type":"Broadcast","maxRetransmit":4`), nil},
		{"maxRetransmit-neg", "0..3", with(`"type":"Broadcast"`, `"type":"Broadcast","maxRetransmit":-1`), nil},
		{"callbackUrl-relative", "not an absolute http URL", with(`"type":"Broadcast"`, `"type":"Broadcast","callbackUrl":"/x"`), nil},
		{"callbackUrl-ftp", "not http(s)", with(`"type":"Broadcast"`, `"type":"Broadcast","callbackUrl":"ftp://127.0.0.1/"`), nil},
		{"tags-object", "tags is a list", with(`"timeout":10`, `"timeout":10,"tags":{}`), nil},
		{"tagName-missing", "TagDTO2.tagName mandatory", with(`"timeout":10`, `"timeout":10,"tags":[{"tagValue":"v"}]`), nil},
		{"tagValue-1025", "String(1-1024)", with(`"timeout":10`, `"timeout":10,"tags":[{"tagName":"env","tagValue":"`+strings.Repeat("v", 1025)+`"}]`), nil},
		{"content-type", "not JSON", valid, func(h http.Header) { h.Set("Content-Type", "text/plain") }},
		{"no-app_key", "AMB.R1: create's only invalid-input row", valid, func(h http.Header) { h.Del("App_key") }},
		{"no-authorization", "AMB.R1", valid, func(h http.Header) { h.Del("Authorization") }},
		{"dup-app_key", "duplicated header", valid, func(h http.Header) { h.Add("App_key", "app-primary") }},
		{"dup-authorization", "duplicated header", valid, func(h http.Header) { h.Add("Authorization", "Bearer x") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := e.auth("app-primary")
			if c.header != nil {
				c.header(h)
			}
			wantError(t, e.do(http.MethodPost, PathTasks, h, c.body), OpCreate, 400, CodeInputInvalid)
		})
	}
	// The valid body is valid, and unknown fields are ignored.
	e.mustCreate("app-primary", map[string]any{"appId": "app-primary", "taskName": "ok", "taskType": "DeviceCmd",
		"timeout": 10, "extra": 1, "param": map[string]any{"type": "Broadcast", "command": map[string]any{"serviceId": "S", "method": "M"}}})
	// Text that only looks odd is still text: accents, emoji, and U+FFFD sent as a character.
	for i, name := range []string{"é-ü", "task 🚀", "a\ufffdb", "tab-free"} {
		e.mustCreate("app-primary", map[string]any{"appId": "app-primary", "taskName": name + strings.Repeat("x", i), "taskType": "DeviceCmd",
			"timeout": 10, "param": map[string]any{"type": "Broadcast", "command": map[string]any{"serviceId": "S", "method": "M"}}})
	}
}

// TestReadBadInput: query and details answer 100019 for a missing mandatory parameter and
// 100022 for an invalid one (AMB.R1, AMB.R2).
func TestReadBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.mustCreate("app-primary", taskBody("app-primary", "t", nil))
	cases := []struct {
		name, why, path string
		header          func(h http.Header)
		op, code        string
	}{
		{"query-no-auth", "AMB.R1", PathTasks + "/" + id, func(h http.Header) { h.Del("Authorization") }, OpQuery, CodeIllegalRequest},
		{"query-dup-key", "duplicated header", PathTasks + "/" + id, func(h http.Header) { h.Add("App_key", "x") }, OpQuery, CodeQueryInvalid},
		{"query-empty-id", "taskId is mandatory", PathTasks + "/", nil, OpQuery, CodeIllegalRequest},
		{"query-long-id", "absurd taskId", PathTasks + "/" + strings.Repeat("a", 65), nil, OpQuery, CodeQueryInvalid},
		{"query-slash-id", "extra path segment", PathTasks + "/" + id + "/x", nil, OpQuery, CodeQueryInvalid},
		{"query-encoded-id", "characters no id has", PathTasks + "/%00%ff", nil, OpQuery, CodeQueryInvalid},
		{"query-select", "select must be tags", PathTasks + "/" + id + "?select=TAGS", nil, OpQuery, CodeQueryInvalid},
		{"query-appId-65", "appId over 64", PathTasks + "/" + id + "?appId=" + strings.Repeat("a", 65), nil, OpQuery, CodeQueryInvalid},
		{"query-bad-escape", "malformed query string", PathTasks + "/" + id + "?appId=%zz", nil, OpQuery, CodeQueryInvalid},
		{"query-dup-param", "duplicated parameter", PathTasks + "/" + id + "?select=tags&select=tags", nil, OpQuery, CodeQueryInvalid},
		{"details-no-key", "AMB.R1", PathDetails + "?taskId=" + id, func(h http.Header) { h.Del("App_key") }, OpDetails, CodeIllegalRequest},
		{"details-no-taskId", "AMB.R2", PathDetails, nil, OpDetails, CodeIllegalRequest},
		{"details-status", "unknown status", PathDetails + "?taskId=" + id + "&status=Done", nil, OpDetails, CodeQueryInvalid},
		{"details-pageNo-neg", "pageNo >= 0", PathDetails + "?taskId=" + id + "&pageNo=-1", nil, OpDetails, CodeQueryInvalid},
		{"details-pageNo-text", "non-numeric", PathDetails + "?taskId=" + id + "&pageNo=one", nil, OpDetails, CodeQueryInvalid},
		{"details-pageNo-huge", "overflows int", PathDetails + "?taskId=" + id + "&pageNo=99999999999999999999", nil, OpDetails, CodeQueryInvalid},
		{"details-pageSize-0", "pageSize >= 1", PathDetails + "?taskId=" + id + "&pageSize=0", nil, OpDetails, CodeQueryInvalid},
		{"details-pageSize-251", "pageSize <= 250", PathDetails + "?taskId=" + id + "&pageSize=251", nil, OpDetails, CodeQueryInvalid},
		{"details-deviceId", "absurd deviceId", PathDetails + "?taskId=" + id + "&deviceId=%3Cscript%3E", nil, OpDetails, CodeQueryInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := e.auth("app-primary")
			if c.header != nil {
				c.header(h)
			}
			status := http.StatusBadRequest
			wantError(t, e.do(http.MethodGet, c.path, h, ""), c.op, status, c.code)
		})
	}
}
