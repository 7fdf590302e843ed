package loadtest

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/batchcert/batchcert"
)

// TestCapacityCreateRefusedForNow: a platform whose app has no free task slot (105001) or no
// quota left (1010009) when the capacity step creates its queried task is in a state, not
// misconfigured: the step could not run, an ordinary error the run keeps in its results, and
// never a usage error (exit 2 without reports). A refused fixture (101001) stays a usage error.
func TestCapacityCreateRefusedForNow(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		usage  bool
	}{{200, CodeTaskLimit, false}, {403, CodeThrottled, false}, {500, "50252", false}, {200, "101001", true}} {
		t.Run(c.code, func(t *testing.T) {
			tgt := startFake(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if login(w, r) {
					return
				}
				writeCode(w, c.status, c.code, "refused")
			}))
			_, err := createOne(context.Background(), NewSession(tgt), "primary")
			if err == nil {
				t.Fatal("a refused create gave a task")
			}
			var ee *batchcert.ExitError
			if got := errors.As(err, &ee) && ee.Code == batchcert.ExitUsage; got != c.usage {
				t.Errorf("%d/%s: usage error %v, want %v (%v)", c.status, c.code, got, c.usage, err)
			}
		})
	}
}
