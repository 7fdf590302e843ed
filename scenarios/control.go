package scenarios

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/batchcert/batchcert/apiclient"
)

// controlStep makes a control step's calls through the control API's one client: reset, then
// advance, then the fault (a fault of no count is one call's).
func controlStep(ctx context.Context, c *apiclient.Control, s *ControlStep) error {
	if c == nil {
		return fmt.Errorf("the target has no control API")
	}
	if s.Reset {
		if err := c.Reset(ctx); err != nil {
			return err
		}
	}
	if s.Advance > 0 {
		if err := c.Advance(ctx, time.Duration(s.Advance)*time.Second); err != nil {
			return err
		}
	}
	if s.Fault != nil {
		if err := c.Fault(ctx, s.Fault.control()); err != nil {
			return err
		}
	}
	return nil
}

// control is the fault the control API is sent (and the reproducer replays).
func (f Fault) control() apiclient.Fault {
	if f.Count == 0 {
		f.Count = 1
	}
	return apiclient.Fault{Operation: f.Operation, Count: f.Count, Status: f.Status, Code: f.Code}
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}
