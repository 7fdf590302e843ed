package contracts

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BatchTask is queryBatchTask's 200 body (api-reference §2), json tags exactly as the docs.
type BatchTask struct {
	AppID       string `json:"appId"`
	TaskID      string `json:"taskId"`
	TaskName    string `json:"taskName"`
	Operator    string `json:"operator"`
	TaskFrom    string `json:"taskFrom"`
	TaskType    string `json:"taskType"`
	Status      string `json:"status"`
	StartTime   string `json:"startTime"`
	Timeout     int    `json:"timeout"`
	Progress    int    `json:"progress"`
	TotalCnt    int    `json:"totalCnt"`
	SuccessCnt  int    `json:"successCnt"`
	FailCnt     int    `json:"failCnt"`
	TimeoutCnt  int    `json:"timeoutCnt"`
	ExpiredCnt  int    `json:"expiredCnt"`
	CompleteCnt int    `json:"completeCnt"`
	SuccessRate int    `json:"successRate"`
	Param       Param  `json:"param"`
	Tags        []Tag  `json:"tags,omitempty"`
}

// Task statuses (api-reference §2 row status).
const (
	StatusPending  = "Pending"
	StatusRunning  = "Running"
	StatusComplete = "Complete"
	StatusTimeout  = "Timeout"
)

// CreateRequest is createBatchTask's request body (api-reference §1).
type CreateRequest struct {
	AppID    string `json:"appId"`
	Param    Param  `json:"param"`
	TaskName string `json:"taskName"`
	TaskType string `json:"taskType"`
	Timeout  int    `json:"timeout"`
	Tags     []Tag  `json:"tags,omitempty"`
}

// Param is the ObjectNode of a DeviceCmd task (api-reference §1).
type Param struct {
	Type           string   `json:"type"`
	DeviceList     []string `json:"deviceList,omitempty"`
	DeviceType     string   `json:"deviceType,omitempty"`
	ManufacturerID string   `json:"manufacturerId,omitempty"`
	Model          string   `json:"model,omitempty"`
	DeviceLocation string   `json:"deviceLocation,omitempty"`
	GroupList      []string `json:"groupList,omitempty"`
	Command        Command  `json:"command"`
	CallbackURL    string   `json:"callbackUrl,omitempty"`
	MaxRetransmit  *int     `json:"maxRetransmit,omitempty"`
	GroupTag       string   `json:"groupTag,omitempty"`
}

// Command is a CommandDTO.
type Command struct {
	ServiceID string         `json:"serviceId"`
	Method    string         `json:"method"`
	Paras     map[string]any `json:"paras,omitempty"`
}

// Tag is a TagDTO2.
type Tag struct {
	TagName  string `json:"tagName"`
	TagValue string `json:"tagValue"`
}

// CreateResponseBody is createBatchTask's 200 success body: taskID with a capital D (AMB.1).
type CreateResponseBody struct {
	TaskID string `json:"taskID"`
}

// Observation is one queried task with what the checker knows around it.
type Observation struct {
	// Task is the decoded (normalized) query body.
	Task BatchTask
	// Raw is the body as answered (after Normalize), for checks where presence matters; may be nil.
	Raw []byte
	// Doc is Raw decoded (Body.Value's object), when the caller has it; it spares decoding Raw again.
	Doc map[string]any
	// Prev is an earlier observation of the same task, for INV.monotonic and INV.status-moves.
	Prev *BatchTask
	// Sent is the create request that made the task, for INV.echo.
	Sent *CreateRequest
	// SelectTags says whether the query carried select=tags.
	SelectTags bool
	// CreatedAt is when create was called; zero skips the startTime proximity check.
	CreatedAt time.Time
	// CreatedFrom and CreatedTo bound the platform's time when create was handled, from its
	// Date headers (INV.startTime-created): the newest before create was sent, and create's
	// own. A zero CreatedTo skips the check; a zero CreatedFrom leaves the lower bound out.
	CreatedFrom, CreatedTo time.Time
	// CreatedSkew is how far startTime may lie outside that window; 0 is StartTimeSkew.
	CreatedSkew time.Duration
}

// DecodeTask decodes a query body into a BatchTask and an Observation's Raw.
func DecodeTask(raw []byte) (BatchTask, error) {
	var t BatchTask
	if err := json.Unmarshal(raw, &t); err != nil {
		return BatchTask{}, fmt.Errorf("decode batch task: %w", err)
	}
	return t, nil
}

// DecodeTaskBody is DecodeTask for a body decoded once (DecodeBody). A well-typed body is
// read from its decoded value; anything else (a null, a wrong type, a key that matches a
// field only case-insensitively) is left to encoding/json on Raw, so the result and the
// error are exactly DecodeTask's.
func DecodeTaskBody(b *Body) (BatchTask, error) {
	if t, ok := taskOf(b.Value); ok {
		return t, nil
	}
	return DecodeTask(b.Raw)
}

var (
	taskKeys    = []string{"appId", "taskId", "taskName", "operator", "taskFrom", "taskType", "status", "startTime", "timeout", "progress", "totalCnt", "successCnt", "failCnt", "timeoutCnt", "expiredCnt", "completeCnt", "successRate", "param", "tags"}
	paramKeys   = []string{"type", "deviceList", "deviceType", "manufacturerId", "model", "deviceLocation", "groupList", "command", "callbackUrl", "maxRetransmit", "groupTag"}
	commandKeys = []string{"serviceId", "method", "paras"}
	tagKeys     = []string{"tagName", "tagValue"}
)

func taskOf(v any) (t BatchTask, ok bool) {
	m, isObj := v.(map[string]any)
	if !isObj || m == nil {
		return t, false
	}
	for k, val := range m {
		switch k {
		case "appId":
			ok = strOf(val, &t.AppID)
		case "taskId":
			ok = strOf(val, &t.TaskID)
		case "taskName":
			ok = strOf(val, &t.TaskName)
		case "operator":
			ok = strOf(val, &t.Operator)
		case "taskFrom":
			ok = strOf(val, &t.TaskFrom)
		case "taskType":
			ok = strOf(val, &t.TaskType)
		case "status":
			ok = strOf(val, &t.Status)
		case "startTime":
			ok = strOf(val, &t.StartTime)
		case "timeout":
			ok = intOf(val, &t.Timeout)
		case "progress":
			ok = intOf(val, &t.Progress)
		case "totalCnt":
			ok = intOf(val, &t.TotalCnt)
		case "successCnt":
			ok = intOf(val, &t.SuccessCnt)
		case "failCnt":
			ok = intOf(val, &t.FailCnt)
		case "timeoutCnt":
			ok = intOf(val, &t.TimeoutCnt)
		case "expiredCnt":
			ok = intOf(val, &t.ExpiredCnt)
		case "completeCnt":
			ok = intOf(val, &t.CompleteCnt)
		case "successRate":
			ok = intOf(val, &t.SuccessRate)
		case "param":
			ok = paramOf(val, &t.Param)
		case "tags":
			ok = tagsOf(val, &t.Tags)
		default:
			ok = !foldsTo(k, taskKeys)
		}
		if !ok {
			return t, false
		}
	}
	return t, true
}

func paramOf(v any, p *Param) bool {
	m, isObj := v.(map[string]any)
	if !isObj || m == nil {
		return false
	}
	ok := true
	for k, val := range m {
		switch k {
		case "type":
			ok = strOf(val, &p.Type)
		case "deviceList":
			ok = strsOf(val, &p.DeviceList)
		case "deviceType":
			ok = strOf(val, &p.DeviceType)
		case "manufacturerId":
			ok = strOf(val, &p.ManufacturerID)
		case "model":
			ok = strOf(val, &p.Model)
		case "deviceLocation":
			ok = strOf(val, &p.DeviceLocation)
		case "groupList":
			ok = strsOf(val, &p.GroupList)
		case "command":
			ok = commandOf(val, &p.Command)
		case "callbackUrl":
			ok = strOf(val, &p.CallbackURL)
		case "maxRetransmit":
			var n int
			if ok = intOf(val, &n); ok {
				p.MaxRetransmit = &n
			}
		case "groupTag":
			ok = strOf(val, &p.GroupTag)
		default:
			ok = !foldsTo(k, paramKeys)
		}
		if !ok {
			return false
		}
	}
	return true
}

func commandOf(v any, c *Command) bool {
	m, isObj := v.(map[string]any)
	if !isObj || m == nil {
		return false
	}
	for k, val := range m {
		ok := true
		switch k {
		case "serviceId":
			ok = strOf(val, &c.ServiceID)
		case "method":
			ok = strOf(val, &c.Method)
		case "paras":
			var p any
			if p, ok = plainOf(val); ok {
				c.Paras, ok = p.(map[string]any)
			}
		default:
			ok = !foldsTo(k, commandKeys)
		}
		if !ok {
			return false
		}
	}
	return true
}

func tagsOf(v any, dst *[]Tag) bool {
	list, isList := v.([]any)
	if !isList {
		return false
	}
	out := make([]Tag, 0, len(list))
	for _, e := range list {
		m, isObj := e.(map[string]any)
		if !isObj || m == nil {
			return false
		}
		var t Tag
		for k, val := range m {
			ok := true
			switch k {
			case "tagName":
				ok = strOf(val, &t.TagName)
			case "tagValue":
				ok = strOf(val, &t.TagValue)
			default:
				ok = !foldsTo(k, tagKeys)
			}
			if !ok {
				return false
			}
		}
		out = append(out, t)
	}
	*dst = out
	return true
}

func strOf(v any, dst *string) bool {
	s, ok := v.(string)
	*dst = s
	return ok
}

func strsOf(v any, dst *[]string) bool {
	list, ok := v.([]any)
	if !ok {
		return false
	}
	out := make([]string, len(list))
	for i, e := range list {
		if out[i], ok = e.(string); !ok {
			return false
		}
	}
	*dst = out
	return true
}

// intOf reads a JSON integer literal into an int, as encoding/json does; any other number
// (1.0, 1e2, out of range) is left to encoding/json.
func intOf(v any, dst *int) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	i, err := strconv.ParseInt(n.String(), 10, 0)
	*dst = int(i)
	return err == nil
}

// plainOf turns a UseNumber value into what encoding/json decodes into an any (float64
// numbers); ok is false where encoding/json would fail or differ.
func plainOf(v any) (any, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		return f, err == nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			p, ok := plainOf(e)
			if !ok {
				return nil, false
			}
			out[k] = p
		}
		return out, true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			p, ok := plainOf(e)
			if !ok {
				return nil, false
			}
			out[i] = p
		}
		return out, true
	}
	return v, true
}

// foldsTo reports whether k names one of keys only case-insensitively, which encoding/json
// would honour; such a body is left to encoding/json.
func foldsTo(k string, keys []string) bool {
	for _, name := range keys {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}
