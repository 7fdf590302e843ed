package batchcert_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

// TestInterrupt: a failed check cut off by a cause becomes "not run (interrupted: cause)",
// neutral for the verdict, and keeps what it had said.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	c := batchcert.Check{ID: "x", Outcome: batchcert.Fail, Message: "condition not met after 3 attempt(s)",
		Violations: []batchcert.Violation{{Source: "schema", Message: "m"}}}
	batchcert.Interrupt(&c, errors.New("deadline 2s reached"))
	if !c.Interrupted() || c.Outcome != batchcert.InterruptedOutcome || len(c.Violations) != 0 {
		t.Fatalf("not marked interrupted: %+v", c)
	}
	want := "not run (interrupted: deadline 2s reached): condition not met after 3 attempt(s)"
	if c.Message != want {
		t.Errorf("message %q, want %q", c.Message, want)
	}
	batchcert.Interrupt(&c, errors.New("again"))
	if c.Message != want {
		t.Errorf("a second Interrupt changed the message: %q", c.Message)
	}
}

// TestCause: a context's end is named by its cause, or plainly when it has none.
func TestCause(t *testing.T) {
	t.Parallel()
	if batchcert.Cause(context.Background()) != nil {
		t.Error("a live context has a cause")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cancelled, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(fmt.Errorf("signal interrupt"))
	expired, stop := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer stop()
	for _, c := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"cancelled", ctx, "interrupted"},
		{"cause", cancelled, "signal interrupt"},
		{"deadline", expired, "deadline exceeded"},
	} {
		if got := batchcert.Cause(c.ctx); got == nil || got.Error() != c.want {
			t.Errorf("%s: cause %v, want %q", c.name, got, c.want)
		}
	}
}
