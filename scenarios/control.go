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
