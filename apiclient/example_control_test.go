package apiclient_test

import (
	"context"
	"fmt"
	"time"

	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/refplatform"
)

// ExampleControl drives the reference platform's control API: reset it, move its clock and
// read the clock back.
func ExampleControl() {
	srv, err := refplatform.New(refplatform.WithClock(refplatform.NewManualClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Open(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	ctx := context.Background()
	ctl := apiclient.NewControl(srv.ControlURL())
	if err := ctl.Reset(ctx); err != nil {
		fmt.Println(err)
		return
	}
	if err := ctl.Advance(ctx, 90*time.Second); err != nil {
		fmt.Println(err)
		return
	}
	now, err := ctl.Now(ctx)
	fmt.Println(now.Format(time.RFC3339), err)
	// Output: 2026-01-02T03:05:35Z <nil>
}
