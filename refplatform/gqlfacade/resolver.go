package gqlfacade

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Resolver is the facade's gqlgen resolver root: each field is one in-process call of the
// platform's REST handler, so GraphQL and REST share the engine, the throttle, the task
// limit, authentication, validation and the faults.
type Resolver struct {
	rest restClient
}

// Query is the root of queries.
func (r *Resolver) Query() QueryResolver { return queryResolver{r} }

// Mutation is the root of mutations.
func (r *Resolver) Mutation() MutationResolver { return mutationResolver{r} }

type queryResolver struct{ *Resolver }

type mutationResolver struct{ *Resolver }

// BatchTask is GET tasks/{taskId}?appId=&select=.
func (q queryResolver) BatchTask(ctx context.Context, taskID string, appID *string, sel *string) (*BatchTask, error) {
	v := url.Values{}
	setOpt(v, "appId", appID)
	setOpt(v, "select", sel)
	var out BatchTask
	if err := q.rest.call(ctx, http.MethodGet, q.rest.cfg.TasksPath+"/"+url.PathEscape(taskID), v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TaskDetails is GET taskDetails?taskId=&appId=&status=&deviceId=&commandId=&pageNo=&pageSize=.
func (q queryResolver) TaskDetails(ctx context.Context, taskID string, appID, status, deviceID, commandID *string, pageNo, pageSize *int32) (*SubtaskPage, error) {
	v := url.Values{"taskId": {taskID}}
	setOpt(v, "appId", appID)
	setOpt(v, "status", status)
	setOpt(v, "deviceId", deviceID)
	setOpt(v, "commandId", commandID)
	setInt(v, "pageNo", pageNo)
	setInt(v, "pageSize", pageSize)
	var out SubtaskPage
	if err := q.rest.call(ctx, http.MethodGet, q.rest.cfg.DetailsPath, v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateBatchTask is POST tasks with the input as the JSON body.
func (m mutationResolver) CreateBatchTask(ctx context.Context, input CreateBatchTaskInput) (*CreateBatchTaskPayload, error) {
	body, err := json.Marshal(input)
	if err != nil {
		return nil, internalError(http.StatusInternalServerError, fmt.Errorf("marshal the create body: %w", err))
	}
	var out CreateBatchTaskPayload
	if err := m.rest.call(ctx, http.MethodPost, m.rest.cfg.TasksPath, nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// setOpt sets a query parameter the client gave; an omitted (or null) argument sends none.
func setOpt(v url.Values, k string, s *string) {
	if s != nil {
		v.Set(k, *s)
	}
}

func setInt(v url.Values, k string, n *int32) {
	if n != nil {
		v.Set(k, strconv.FormatInt(int64(*n), 10))
	}
}
