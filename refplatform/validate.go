package refplatform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxBodyBytes is the largest request body the platform reads; a longer one is invalid input.
const MaxBodyBytes = 1 << 20

// Target types of param.type (FLD.create.param.type).
const (
	TypeDeviceList  = "DeviceList"
	TypeDeviceType  = "DeviceType"
	TypeDeviceArea  = "DeviceArea"
	TypeGroupList   = "GroupList"
	TypeBroadcast   = "Broadcast"
	TypeGroupIDList = "GroupIdList"
)

// createRequest is a validated create body.
type createRequest struct {
	AppID    string
	TaskName string
	TaskType string
	Timeout  int // minutes
	Param    taskParam
	Tags     []Tag
}

// taskParam is the ObjectNode as create was given it (known fields only); query echoes it
// (INV.echo). Pointers keep "given" apart from "absent".
type taskParam struct {
	Type           string    `json:"type"`
	DeviceList     *[]string `json:"deviceList,omitempty"`
	DeviceType     *string   `json:"deviceType,omitempty"`
	ManufacturerID *string   `json:"manufacturerId,omitempty"`
	Model          *string   `json:"model,omitempty"`
	DeviceLocation *string   `json:"deviceLocation,omitempty"`
	GroupList      *[]string `json:"groupList,omitempty"`
	Command        command   `json:"command"`
	CallbackURL    *string   `json:"callbackUrl,omitempty"`
	MaxRetransmit  *int      `json:"maxRetransmit,omitempty"`
	GroupTag       *string   `json:"groupTag,omitempty"`
}

// command is a CommandDTO.
type command struct {
	ServiceID string          `json:"serviceId"`
	Method    string          `json:"method"`
	Paras     json.RawMessage `json:"paras,omitempty"`
}

// fieldError says which create field is invalid; it is answered as 400/50400.
type fieldError struct {
	Field  string
	Reason string
}

func (e *fieldError) Error() string { return e.Field + ": " + e.Reason }

func invalid(field, format string, args ...any) error {
	return &fieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

type object map[string]json.RawMessage

// parseObject decodes raw as a JSON object; null and non-objects are errors.
func parseObject(field string, raw []byte) (object, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, invalid(field, "must be a JSON object")
	}
	var o object
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, invalid(field, "malformed JSON: %v", err)
	}
	return o, nil
}

// present reports whether key is given and not null.
func (o object) present(key string) bool {
	v, ok := o[key]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// str reads a string of min..max characters (max 0: unbounded). Absent: "" and ok=false.
func (o object) str(field, key string, mandatory bool, min, max int) (string, bool, error) {
	if !o.present(key) {
		if mandatory {
			return "", false, invalid(field, "is mandatory")
		}
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(o[key], &s); err != nil {
		return "", false, invalid(field, "must be a string")
	}
	if err := textOK(field, o[key], s); err != nil {
		return "", false, err
	}
	n := utf8.RuneCountInString(s)
	if n < min || (max > 0 && n > max) {
		return "", false, invalid(field, "must be %d..%d characters, got %d", min, max, n)
	}
	return s, true, nil
}

// textOK rejects what encoding/json would silently repair or pass on: bytes that are not
// UTF-8, an escaped lone surrogate (both decode to U+FFFD), and control characters (NUL, C0,
// DEL, C1). A name is text a person reads; such input is invalid input (400/50400).
func textOK(field string, raw json.RawMessage, s string) error {
	if !utf8.Valid(raw) {
		return invalid(field, "is not valid UTF-8")
	}
	if strings.ContainsRune(s, utf8.RuneError) && !bytes.ContainsRune(raw, utf8.RuneError) &&
		!bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)) {
		return invalid(field, "holds an escaped lone surrogate, not a character")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return invalid(field, "holds the control character %U", r)
		}
	}
	return nil
}

// integer reads an integral JSON number in min..max.
func (o object) integer(field, key string, mandatory bool, min, max int) (int, bool, error) {
	if !o.present(key) {
		if mandatory {
			return 0, false, invalid(field, "is mandatory")
		}
		return 0, false, nil
	}
	raw := string(bytes.TrimSpace(o[key]))
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, false, invalid(field, "must be an integer")
	}
	if n < int64(min) || n > int64(max) {
		return 0, false, invalid(field, "must be %d..%d, got %d", min, max, n)
	}
	return int(n), true, nil
}

// strList reads a non-empty list of non-empty strings.
func (o object) strList(field, key string, mandatory bool) (*[]string, error) {
	if !o.present(key) {
		if mandatory {
			return nil, invalid(field, "is mandatory")
		}
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal(o[key], &l); err != nil {
		return nil, invalid(field, "must be a list of strings")
	}
	if mandatory && len(l) == 0 {
		return nil, invalid(field, "must not be empty")
	}
	for i, s := range l {
		if s == "" {
			return nil, invalid(fmt.Sprintf("%s[%d]", field, i), "must not be empty")
		}
	}
	return &l, nil
}

// createLimits are create's numeric bounds (§1); named faults move them.
type createLimits struct {
	taskNameMax, timeoutMin, timeoutMax, retransmitMax int
	// deviceTypeOptional lets a DeviceType task leave manufacturerId and model out (AMB.8=optional).
	deviceTypeOptional bool
}

// docLimits are the documented bounds.
var docLimits = createLimits{taskNameMax: 256, timeoutMin: 10, timeoutMax: 2880, retransmitMax: 3}

// parseCreate validates a create body against every constraint of §1 (FLD.create.*), with
// the bounds in lim.
func parseCreate(body []byte, lim createLimits) (*createRequest, error) {
	o, err := parseObject("body", body)
	if err != nil {
		return nil, err
	}
	var r createRequest
	if r.AppID, _, err = o.str("appId", "appId", true, 1, 64); err != nil {
		return nil, err
	}
	if r.TaskName, _, err = o.str("taskName", "taskName", true, 1, lim.taskNameMax); err != nil {
		return nil, err
	}
	if r.TaskType, _, err = o.str("taskType", "taskType", true, 1, 0); err != nil {
		return nil, err
	}
	if r.TaskType != "DeviceCmd" {
		return nil, invalid("taskType", "must be DeviceCmd")
	}
	if r.Timeout, _, err = o.integer("timeout", "timeout", true, lim.timeoutMin, lim.timeoutMax); err != nil {
		return nil, err
	}
	if !o.present("param") {
		return nil, invalid("param", "is mandatory")
	}
	if err := parseParam(o["param"], &r.Param, lim.retransmitMax, lim.deviceTypeOptional); err != nil {
		return nil, err
	}
	if o.present("tags") {
		var raws []json.RawMessage
		if err := json.Unmarshal(o["tags"], &raws); err != nil {
			return nil, invalid("tags", "must be a list of TagDTO2")
		}
		for i, raw := range raws {
			field := fmt.Sprintf("tags[%d]", i)
			t, err := parseObject(field, raw)
			if err != nil {
				return nil, err
			}
			var tag Tag
			if tag.Name, _, err = t.str(field+".tagName", "tagName", true, 1, 128); err != nil {
				return nil, err
			}
			if tag.Value, _, err = t.str(field+".tagValue", "tagValue", true, 1, 1024); err != nil {
				return nil, err
			}
			r.Tags = append(r.Tags, tag)
		}
	}
	return &r, nil
}

func parseParam(raw []byte, p *taskParam, retransmitMax int, deviceTypeOptional bool) error {
	o, err := parseObject("param", raw)
	if err != nil {
		return err
	}
	if p.Type, _, err = o.str("param.type", "type", true, 1, 0); err != nil {
		return err
	}
	optStr := func(key string, mandatory bool) (*string, error) {
		s, ok, err := o.str("param."+key, key, mandatory, 1, 0)
		if err != nil || !ok {
			return nil, err
		}
		return &s, nil
	}
	t := p.Type
	switch t {
	case TypeDeviceList, TypeDeviceType, TypeDeviceArea, TypeGroupList, TypeBroadcast, TypeGroupIDList:
	default:
		return invalid("param.type", "unknown type %q", t)
	}
	if p.DeviceList, err = o.strList("param.deviceList", "deviceList", t == TypeDeviceList); err != nil {
		return err
	}
	// AMB.8: manufacturerId and model are mandatory when type is DeviceType.
	if p.DeviceType, err = optStr("deviceType", t == TypeDeviceType); err != nil {
		return err
	}
	if p.ManufacturerID, err = optStr("manufacturerId", t == TypeDeviceType && !deviceTypeOptional); err != nil {
		return err
	}
	if p.Model, err = optStr("model", t == TypeDeviceType && !deviceTypeOptional); err != nil {
		return err
	}
	if p.DeviceLocation, err = optStr("deviceLocation", t == TypeDeviceArea); err != nil {
		return err
	}
	if p.GroupList, err = o.strList("param.groupList", "groupList", t == TypeGroupList || t == TypeGroupIDList); err != nil {
		return err
	}
	if !o.present("command") {
		return invalid("param.command", "is mandatory")
	}
	c, err := parseObject("param.command", o["command"])
	if err != nil {
		return err
	}
	if p.Command.ServiceID, _, err = c.str("param.command.serviceId", "serviceId", true, 1, 64); err != nil {
		return err
	}
	if p.Command.Method, _, err = c.str("param.command.method", "method", true, 1, 128); err != nil {
		return err
	}
	if c.present("paras") {
		if _, err := parseObject("param.command.paras", c["paras"]); err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, c["paras"]); err != nil {
			return invalid("param.command.paras", "malformed JSON: %v", err)
		}
		p.Command.Paras = buf.Bytes()
	}
	if p.CallbackURL, err = optStr("callbackUrl", false); err != nil {
		return err
	}
	if p.CallbackURL != nil {
		if err := checkCallbackURL(*p.CallbackURL); err != nil {
			return invalid("param.callbackUrl", "%v", err)
		}
	}
	if n, ok, err := o.integer("param.maxRetransmit", "maxRetransmit", false, 0, retransmitMax); err != nil {
		return err
	} else if ok {
		p.MaxRetransmit = &n
	}
	if s, ok, err := o.str("param.groupTag", "groupTag", false, 0, 0); err != nil {
		return err
	} else if ok {
		p.GroupTag = &s
	}
	return nil
}

func checkCallbackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http or https URL")
	}
	return nil
}
