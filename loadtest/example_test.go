package loadtest_test

import (
	"fmt"

	"github.com/batchcert/batchcert/loadtest"
)

func ExampleDescribeTaskLimit() {
	fmt.Print(loadtest.DescribeTaskLimit(loadtest.TaskLimitConfig{Runs: 2}))
	// Output:
	// tasklimit probe: at most 222 requests in at most 2m, at most 50 in flight
	//   1. reset: no unfinished task (control reset on the reference)
	//   2. race: 50 concurrent creates; want exactly 10 admitted, the rest 200/105001
	//   3. query every admitted taskID
	//   4. finish the shortest task, 50 concurrent creates again: want exactly one admitted
	//   5. repeat 2 times
	//   creates real tasks: against a real platform use an app with no unfinished tasks, one run, and expect them to run until their timeout
}
