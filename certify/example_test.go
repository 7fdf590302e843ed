package certify_test

import (
	"context"
	"fmt"
	"io"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// ExampleRun certifies the embedded reference as `batchcert certify -run lifecycle
// -coverage-gate none` does: the chosen scenarios, then the throttle probe, the task-limit race
// and a capacity step, then coverage and the verdict. certify.OpenProfile would open a target
// profile instead, and certify.WriteReports writes the reports.
func ExampleRun() {
	p, err := certify.StartReference(refplatform.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	sel, err := scenarios.ParseSelector("^lifecycle$")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := certify.Run(context.Background(), p, certify.Config{
		Suite:    scenarios.Config{Select: sel, Gate: batchcert.Gate{Coverage: batchcert.GateNone}},
		Load:     &certify.Load{},
		Progress: io.Discard,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Verdict)
	fmt.Println("throttle measured:", res.Load.Throttle.MeasuredLimit)
	fmt.Println("race admitted:", res.Load.TaskLimit.Admitted)
	fmt.Println("capacity steps:", len(res.Load.Capacity.Steps))
	// Output:
	// CONFORMANT
	// throttle measured: 100
	// race admitted: [10]
	// capacity steps: 1
}
