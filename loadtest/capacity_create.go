package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
)

// Capacity operations.
const (
	OpQuery  = "query"
	OpCreate = "create"
)

// ErrOverTaskLimit is returned when a create search plans more creates than the target's
// task limit lets it keep unfinished: past the limit every create answers 105001, and the
// search would measure the limit, not the capacity.
var ErrOverTaskLimit = errors.New("planned creates exceed the task limit")

// CreateBodyFor returns create bodies of DeviceCmd tasks sending serviceID/method to device
// (e.g. a real platform's fast fixture device), named uniquely by nonce and n.
func CreateBodyFor(device, serviceID, method string) func(appID string, nonce int64, n uint64) []byte {
	return func(appID string, nonce int64, n uint64) []byte {
		b, _ := json.Marshal(map[string]any{
			"appId":    appID,
			"taskName": fmt.Sprintf("batchcert-cap-%d-%d", nonce, n),
			"taskType": "DeviceCmd",
			"timeout":  queriedTaskTimeout,
			"param": map[string]any{
				"type":       "DeviceList",
				"deviceList": []string{device},
				"command":    map[string]any{"serviceId": serviceID, "method": method},
			},
		})
		return b
	}
}

// checkCreatePlan refuses a create search whose creates do not fit in the task limit of an
// app: every planned create on a target that is not reset, each step's when it is reset
// between steps; over a pool, the app with the largest share's part of them (the weighted
// round robin gives an app at most the ceiling of its share).
func checkCreatePlan(c CapacityConfig, apps []ShardApp) error {
	need, what := c.MaxRequests, "the search's"
	if c.ResetBetweenSteps {
		need, what = 0, "a step's"
		for _, r := range c.Rates {
			need = max(need, min(stepRequests(r, c.StepDuration), c.MaxRequests))
		}
	}
	share := 0.0
	for _, a := range apps {
		share = max(share, a.Share)
	}
	if len(apps) > 1 {
		need, what = int(math.Ceil(float64(need)*share-1e-9)), what+" busiest app's"
	}
	if need <= c.TaskLimit {
		return nil
	}
	return &batchcert.ExitError{Code: batchcert.ExitUsage, Err: fmt.Errorf(
		"capacity search: create: %w: %s %d creates would stay unfinished, the target allows %d per app; "+
			"lower -rates, -step-duration or -max-requests, or raise the profile's task limit if the platform allows it",
		ErrOverTaskLimit, what, need, c.TaskLimit)}
}

// stepTargeter returns the targeter of one step: the same query every time, or a create with
// a fresh task name every time. It logs in first when the session has no token (after a reset).
func stepTargeter(ctx context.Context, s *Session, cfg CapacityConfig, nonce int64, seq *atomic.Uint64) (vegeta.Targeter, error) {
	if cfg.Operation == OpQuery {
		req, err := s.QueryRequest(ctx, cfg.App, cfg.TaskID)
		if err != nil {
			return nil, err
		}
		return vegeta.NewStaticTargeter(vegeta.Target{Method: req.Method, URL: req.URL.String(), Header: req.Header}), nil
	}
	app, err := s.App(cfg.App)
	if err != nil {
		return nil, err
	}
	req, err := s.authed(ctx, cfg.App, http.MethodPost, PathTasks, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	url, hdr := req.URL.String(), req.Header
	body := cfg.CreateBody
	if body == nil {
		if err := s.t.Fixture.Err(); err != nil {
			return nil, fmt.Errorf("create search: %w", err)
		}
		fx := s.t.Fixture
		body = CreateBodyFor(fx.Devices[0], fx.ServiceID, fx.Method)
	}
	return func(t *vegeta.Target) error {
		t.Method, t.URL, t.Header = http.MethodPost, url, hdr
		t.Body = body(app.AppID, nonce, seq.Add(1))
		return nil
	}, nil
}

// prepareStep resets the reference platform before a create step when the search resets
// between steps, and returns the step's targeter: each app's, interleaved by their shares.
func prepareStep(ctx context.Context, s *Session, cfg CapacityConfig, apps []ShardApp, tasks map[string]string, nonce int64, seq *atomic.Uint64) (vegeta.Targeter, error) {
	if cfg.ResetBetweenSteps {
		if err := s.ControlReset(ctx); err != nil {
			return nil, fmt.Errorf("reset before the step: %w", err)
		}
	}
	return shardTargeter(ctx, s, cfg, apps, tasks, nonce, seq)
}

// newNonce names one search's tasks apart from another's.
func newNonce() int64 { return time.Now().UnixNano() }
