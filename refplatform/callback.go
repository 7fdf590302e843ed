package refplatform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Callback delivery: each subtask result is POSTed once, retried at most CallbackAttempts
// times in all, each attempt bounded by CallbackTimeout.
const (
	CallbackAttempts = 3
	CallbackTimeout  = 2 * time.Second
)

// callbackSender pushes subtask results in fire-and-forget goroutines; Close waits for them.
type callbackSender struct {
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sent   func(ok bool)
}

func newCallbackSender(sent func(ok bool)) *callbackSender {
	ctx, cancel := context.WithCancel(context.Background())
	return &callbackSender{
		// No proxy: results go only to the URL the task was given.
		client: &http.Client{Timeout: CallbackTimeout, Transport: &http.Transport{Proxy: nil}},
		ctx:    ctx, cancel: cancel, sent: sent,
	}
}

func (c *callbackSender) send(cb callback) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		err := c.post(cb)
		c.sent(err == nil)
	}()
}

func (c *callbackSender) post(cb callback) error {
	body, err := json.Marshal(cb.body)
	if err != nil {
		return fmt.Errorf("encode callback: %w", err)
	}
	var last error
	for attempt := 1; attempt <= CallbackAttempts; attempt++ {
		if attempt > 1 {
			select {
			case <-c.ctx.Done():
				return c.ctx.Err()
			case <-time.After(time.Duration(attempt-1) * 100 * time.Millisecond):
			}
		}
		req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, cb.url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("callback request: %w", err)
		}
		req.Header.Set("Content-Type", ContentType)
		resp, err := c.client.Do(req)
		if err != nil {
			last = err
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return nil
		}
		last = fmt.Errorf("callback answered %d", resp.StatusCode)
	}
	return last
}

// close stops retries and waits for the goroutines in flight.
func (c *callbackSender) close() {
	c.cancel()
	c.wg.Wait()
	c.client.CloseIdleConnections()
}

// sweep pushes every subtask result that became final since the last sweep.
func (p *platform) sweep(st *state) {
	for _, cb := range st.engine.dueCallbacks(p.clock.Now()) {
		p.cb.send(cb)
	}
}
