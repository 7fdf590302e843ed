package gqlfacade

// The schema's types, bound in gqlgen.yml. The JSON names are the REST names, so an input
// marshals to the REST create body and a REST answer unmarshals to the GraphQL answer.
//
// Inputs: a nullable field the client left out (or set to null) is a nil pointer or nil
// slice and is omitted from the REST body (omitzero); an empty list stays [].
//
// Outputs: every scalar is a pointer, so a field the REST answer lacks stays nil and a
// non-null one becomes GraphQL's "must not be null" error instead of a made-up zero value.

// CreateBatchTaskInput is createBatchTask's input: POST tasks' body.
type CreateBatchTaskInput struct {
	AppID    string         `json:"appId"`
	TaskName string         `json:"taskName"`
	TaskType string         `json:"taskType"`
	Timeout  int32          `json:"timeout"`
	Param    TaskParamInput `json:"param"`
	Tags     []TagInput     `json:"tags,omitzero"`
}

// TaskParamInput is the create body's param.
type TaskParamInput struct {
	Type           string       `json:"type"`
	DeviceList     []string     `json:"deviceList,omitzero"`
	DeviceType     *string      `json:"deviceType,omitzero"`
	ManufacturerID *string      `json:"manufacturerId,omitzero"`
	Model          *string      `json:"model,omitzero"`
	DeviceLocation *string      `json:"deviceLocation,omitzero"`
	GroupList      []string     `json:"groupList,omitzero"`
	Command        CommandInput `json:"command"`
	CallbackURL    *string      `json:"callbackUrl,omitzero"`
	MaxRetransmit  *int32       `json:"maxRetransmit,omitzero"`
	GroupTag       *string      `json:"groupTag,omitzero"`
}

// CommandInput is the create body's param.command; Paras is passed through as given.
type CommandInput struct {
	ServiceID string         `json:"serviceId"`
	Method    string         `json:"method"`
	Paras     map[string]any `json:"paras,omitzero"`
}

// TagInput is one of the create body's tags.
type TagInput struct {
	TagName  string `json:"tagName"`
	TagValue string `json:"tagValue"`
}

// CreateBatchTaskPayload is create's answer.
type CreateBatchTaskPayload struct {
	TaskID *string `json:"taskID"`
}

// BatchTask is query's answer.
type BatchTask struct {
	AppID       *string    `json:"appId"`
	TaskID      *string    `json:"taskId"`
	TaskName    *string    `json:"taskName"`
	Operator    *string    `json:"operator"`
	TaskFrom    *string    `json:"taskFrom"`
	TaskType    *string    `json:"taskType"`
	Status      *string    `json:"status"`
	StartTime   *string    `json:"startTime"`
	Timeout     *int32     `json:"timeout"`
	Progress    *int32     `json:"progress"`
	TotalCnt    *int32     `json:"totalCnt"`
	SuccessCnt  *int32     `json:"successCnt"`
	FailCnt     *int32     `json:"failCnt"`
	TimeoutCnt  *int32     `json:"timeoutCnt"`
	ExpiredCnt  *int32     `json:"expiredCnt"`
	CompleteCnt *int32     `json:"completeCnt"`
	SuccessRate *int32     `json:"successRate"`
	Param       *TaskParam `json:"param"`
	Tags        []*Tag     `json:"tags"`
}

// TaskParam is query's echo of the create body's param.
type TaskParam struct {
	Type           *string  `json:"type"`
	DeviceList     []string `json:"deviceList"`
	DeviceType     *string  `json:"deviceType"`
	ManufacturerID *string  `json:"manufacturerId"`
	Model          *string  `json:"model"`
	DeviceLocation *string  `json:"deviceLocation"`
	GroupList      []string `json:"groupList"`
	Command        *Command `json:"command"`
	CallbackURL    *string  `json:"callbackUrl"`
	MaxRetransmit  *int32   `json:"maxRetransmit"`
	GroupTag       *string  `json:"groupTag"`
}

// Command is query's echo of param.command.
type Command struct {
	ServiceID *string        `json:"serviceId"`
	Method    *string        `json:"method"`
	Paras     map[string]any `json:"paras"`
}

// Tag is one of query's tags.
type Tag struct {
	TagName  *string `json:"tagName"`
	TagValue *string `json:"tagValue"`
}

// SubtaskPage is details' answer.
type SubtaskPage struct {
	PageNo      *int32     `json:"pageNo"`
	PageSize    *int32     `json:"pageSize"`
	TotalCount  *int32     `json:"totalCount"`
	TaskDetails []*Subtask `json:"taskDetails"`
}

// Subtask is one entry of details' taskDetails.
type Subtask struct {
	Status *string       `json:"status"`
	Output *string       `json:"output"`
	Error  *string       `json:"error"`
	Param  *SubtaskParam `json:"param"`
}

// SubtaskParam identifies a subtask's device and command.
type SubtaskParam struct {
	DeviceID  *string `json:"deviceId"`
	CommandID *string `json:"commandId"`
}
