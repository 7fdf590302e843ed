package contracts_test

import (
	"fmt"

	"github.com/batchcert/batchcert/contracts"
)

// A lenient target answers create with taskId; Normalize names the leniency and the
// doc-strict schema then accepts the body.
func Example() {
	p, err := contracts.ProfileByName("lenient")
	if err != nil {
		panic(err)
	}
	set, err := contracts.Schemas()
	if err != nil {
		panic(err)
	}
	body := []byte(`{"taskId":"task-0001"}`)
	fmt.Println(set.Validate(contracts.SchemaCreateResponse, body))
	out, applied := contracts.Normalize(p, contracts.SchemaCreateResponse, body)
	fmt.Println(string(out), applied, len(set.Validate(contracts.SchemaCreateResponse, out)))
	// Output:
	// schema createBatchTask [RSP.create.taskID] /taskID: create-response: taskID is required
	// {"taskID":"task-0001"} [create-taskId] 0
}

// CheckTask finds a progress rounded up instead of down.
func ExampleCheckTask() {
	p, _ := contracts.ProfileByName(contracts.DefaultProfile)
	task := contracts.BatchTask{TaskFrom: "Northbound", Status: "Running", StartTime: "20240131T235959Z",
		TotalCnt: 3, SuccessCnt: 1, CompleteCnt: 1, Progress: 334, SuccessRate: 333}
	for _, v := range contracts.CheckTask(p, contracts.Observation{Task: task}) {
		fmt.Println(v)
	}
	// Output:
	// invariant queryBatchTask [INV.progress] /progress: progress is 334, want 333 of completeCnt 1 over totalCnt 3, rounded down (reading AMB.3 rateScale permille)
}
