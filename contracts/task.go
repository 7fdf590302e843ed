package contracts

import (
	"encoding/json"
	"fmt"
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
	// Prev is an earlier observation of the same task, for INV.monotonic and INV.status-moves.
	Prev *BatchTask
	// Sent is the create request that made the task, for INV.echo.
	Sent *CreateRequest
	// SelectTags says whether the query carried select=tags.
	SelectTags bool
	// CreatedAt is when create was called; zero skips the startTime proximity check.
	CreatedAt time.Time
}

// DecodeTask decodes a query body into a BatchTask and an Observation's Raw.
func DecodeTask(raw []byte) (BatchTask, error) {
	var t BatchTask
	if err := json.Unmarshal(raw, &t); err != nil {
		return BatchTask{}, fmt.Errorf("decode batch task: %w", err)
	}
	return t, nil
}
