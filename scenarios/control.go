package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// controller drives the reference platform's control API.
type controller struct {
	base string
	http *http.Client
}

func (c *controller) post(ctx context.Context, path string, v any) error {
	body := []byte("{}")
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			return fmt.Errorf("encode control %s: %w", path, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.base, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("control %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("control %s answered %d: %s", path, resp.StatusCode, strings.TrimSpace(string(msg)))
	}
	return nil
}

func (c *controller) reset(ctx context.Context) error { return c.post(ctx, "/control/reset", nil) }

// advance moves the reference's clock forward by d: the Advance of the suite's platform clock.
func (c *controller) advance(ctx context.Context, d time.Duration) error {
	return c.post(ctx, "/control/advance", map[string]float64{"seconds": d.Seconds()})
}

// now reads the reference's clock (GET /control/now): the Now of the suite's platform clock.
// No wait is computed from it; a failed read gives the zero time.
func (c *controller) now() time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(c.base, "/")+"/control/now", nil)
	if err != nil {
		return time.Time{}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return time.Time{}
	}
	defer resp.Body.Close()
	var body struct {
		Now time.Time `json:"now"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body) != nil {
		return time.Time{}
	}
	return body.Now
}

func (c *controller) do(ctx context.Context, s *ControlStep) error {
	if c == nil {
		return fmt.Errorf("the target has no control API")
	}
	if s.Reset {
		if err := c.reset(ctx); err != nil {
			return err
		}
	}
	if s.Advance > 0 {
		if err := c.post(ctx, "/control/advance", map[string]int{"seconds": s.Advance}); err != nil {
			return err
		}
	}
	if s.Fault != nil {
		f := *s.Fault
		if f.Count == 0 {
			f.Count = 1
		}
		if err := c.post(ctx, "/control/fault", f); err != nil {
			return err
		}
	}
	return nil
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
