package refplatform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
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
	// anyHost lets callbacks leave the machine (serve -callback-any-host).
	anyHost bool
}

// errNotLoopback refuses a callback to a host off this machine.
var errNotLoopback = errors.New("callback host is not a loopback address (the reference calls back only to 127.0.0.0/8, ::1 and localhost unless told otherwise)")

func newCallbackSender(sent func(ok bool), anyHost bool) *callbackSender {
	ctx, cancel := context.WithCancel(context.Background())
	dialer := &net.Dialer{Timeout: CallbackTimeout}
	if !anyHost {
		// Checked on the address actually dialled, so a name that resolves elsewhere is refused too.
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return errNotLoopback
			}
			return nil
		}
	}
	return &callbackSender{
		// No proxy: results go only to the URL the task was given.
		client: &http.Client{Timeout: CallbackTimeout, Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext}},
		ctx:    ctx, cancel: cancel, sent: sent, anyHost: anyHost,
	}
}

// allowed says whether a callback URL may be called at all: by default only loopback hosts, so
// that a task given someone else's callbackUrl never makes the reference send traffic off the
// machine (no name is even resolved unless it is localhost).
func (c *callbackSender) allowed(raw string) error {
	if c.anyHost {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("callback url: %w", err)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" {
		return nil
	}
	return errNotLoopback
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
	if err := c.allowed(cb.url); err != nil {
		return err
	}
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
