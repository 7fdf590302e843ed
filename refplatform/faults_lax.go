package refplatform

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// This file holds fault validation-lax: a create body that breaks a field rule is not
// rejected but read as far as it goes. Values of the wrong type are ignored, lengths and
// ranges are not checked, and what is missing is defaulted, or, when no device can be
// targeted without it, answered 200/101001 like an unknown resource.

// laxTimeout is the timeout (minutes) fault validation-lax gives a task whose timeout is
// missing or unusable; laxTimeoutMax (a year) keeps a task's end time representable.
const (
	laxTimeout    = 10
	laxTimeoutMax = 365 * 24 * 60
)

// parseCreateLax reads body leniently for caller. Only a body that is not a JSON object at
// all is still answered 400/50400.
func parseCreateLax(body []byte, caller string) (*createRequest, *apiError) {
	o, ok := laxObject(body)
	if !ok {
		return nil, errAt(http.StatusBadRequest, CodeInputInvalid)
	}
	notFound := errAt(http.StatusOK, CodeResourceMissing)
	r := &createRequest{AppID: caller, TaskName: "task-" + randomHex(6), TaskType: "DeviceCmd", Timeout: laxTimeout}
	if s, ok := laxString(o, "appId"); ok && s != "" {
		r.AppID = s
	}
	if s, ok := laxString(o, "taskName"); ok && s != "" {
		r.TaskName = s
	}
	if s, ok := laxString(o, "taskType"); ok && s != "" {
		r.TaskType = s
	}
	if n, ok := laxInt(o, "timeout"); ok && n > 0 && n <= laxTimeoutMax {
		r.Timeout = n
	}
	po, ok := laxObject(o["param"])
	if !ok {
		return nil, notFound
	}
	if !laxParam(po, &r.Param) {
		return nil, notFound
	}
	var tags []json.RawMessage
	if json.Unmarshal(o["tags"], &tags) == nil {
		for _, raw := range tags {
			to, ok := laxObject(raw)
			if !ok {
				continue
			}
			name, okName := laxString(to, "tagName")
			value, okValue := laxString(to, "tagValue")
			if okName && okValue {
				r.Tags = append(r.Tags, Tag{Name: name, Value: value})
			}
		}
	}
	return r, nil
}

// laxParam reads param leniently into p; false when the targeting it names cannot be
// resolved (an unknown type, or the type's own fields missing).
func laxParam(o object, p *taskParam) bool {
	var ok bool
	if p.Type, ok = laxString(o, "type"); !ok {
		return false
	}
	p.DeviceList, p.GroupList = laxList(o, "deviceList"), laxList(o, "groupList")
	p.DeviceType, p.ManufacturerID = laxPtr(o, "deviceType"), laxPtr(o, "manufacturerId")
	p.Model, p.DeviceLocation = laxPtr(o, "model"), laxPtr(o, "deviceLocation")
	switch p.Type {
	case TypeDeviceList:
		ok = p.DeviceList != nil
	case TypeDeviceType:
		ok = p.DeviceType != nil && p.ManufacturerID != nil && p.Model != nil
	case TypeDeviceArea:
		ok = p.DeviceLocation != nil
	case TypeGroupList, TypeGroupIDList:
		ok = p.GroupList != nil
	case TypeBroadcast:
		ok = true
	default:
		ok = false
	}
	if !ok {
		return false
	}
	if c, ok := laxObject(o["command"]); ok {
		p.Command.ServiceID, _ = laxString(c, "serviceId")
		p.Command.Method, _ = laxString(c, "method")
		if _, ok := laxObject(c["paras"]); ok {
			var buf bytes.Buffer
			if json.Compact(&buf, c["paras"]) == nil {
				p.Command.Paras = buf.Bytes()
			}
		}
	}
	if u := laxPtr(o, "callbackUrl"); u != nil && checkCallbackURL(*u) == nil {
		p.CallbackURL = u
	}
	if n, ok := laxInt(o, "maxRetransmit"); ok && n >= 0 {
		p.MaxRetransmit = &n
	}
	p.GroupTag = laxPtr(o, "groupTag")
	return true
}

// laxObject decodes raw as a JSON object, or reports false.
func laxObject(raw []byte) (object, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var o object
	if json.Unmarshal(raw, &o) != nil {
		return nil, false
	}
	return o, true
}

// laxString reads key as a string of any length; false when absent or not a string.
func laxString(o object, key string) (string, bool) {
	var s string
	if !o.present(key) || json.Unmarshal(o[key], &s) != nil {
		return "", false
	}
	return s, true
}

// laxPtr is laxString as a pointer (nil: absent or not a string).
func laxPtr(o object, key string) *string {
	s, ok := laxString(o, key)
	if !ok {
		return nil
	}
	return &s
}

// laxList reads key as a list of strings, empty strings dropped (nil: absent or not a list).
func laxList(o object, key string) *[]string {
	var l []string
	if !o.present(key) || json.Unmarshal(o[key], &l) != nil {
		return nil
	}
	out := []string{}
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return &out
}

// laxInt reads key as an integer, from a JSON number or a numeric string.
func laxInt(o object, key string) (int, bool) {
	if !o.present(key) {
		return 0, false
	}
	raw := bytes.TrimSpace(o[key])
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = []byte(s)
	}
	n, err := strconv.ParseInt(string(raw), 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}
