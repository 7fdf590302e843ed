package openapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/batchcert/batchcert/openapi"
)

func ExampleValidator_ValidateExchange() {
	v, err := openapi.NewValidator()
	if err != nil {
		fmt.Println(err)
		return
	}
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:8743/iocm/app/batchtask/v1.1.0/tasks/t1?select=tags", nil)
	req.Header.Set("app_key", "app-0001")
	req.Header.Set("Authorization", "Bearer token")
	body := `{"appId":"app-0001","taskId":"t1","taskName":"n","operator":"","taskFrom":"Northbound",
	"taskType":"DeviceCmd","status":"Running","startTime":"20240102T030405Z","timeout":10,"progress":1001,
	"totalCnt":1,"successCnt":0,"failCnt":0,"timeoutCnt":0,"expiredCnt":0,"completeCnt":0,"successRate":0,
	"param":{"type":"Broadcast","command":{"serviceId":"S","method":"M"}}}`
	h := http.Header{"Content-Type": {"application/json"}}
	for _, viol := range v.ValidateExchange(context.Background(), req, nil, http.StatusOK, h, []byte(body)) {
		fmt.Println(viol.Operation, viol.Pointer)
	}
	// Output:
	// queryBatchTask /progress
}

func ExampleErrorCodes() {
	for _, tr := range openapi.ErrorCodes() {
		if tr.Operation == "createBatchTask" && tr.Status == http.StatusForbidden {
			fmt.Println(tr.Status, tr.Code)
		}
	}
	// Output:
	// 403 100203
	// 403 100217
	// 403 1010005
	// 403 1010009
}

func ExampleValidator_Operation() {
	v, _ := openapi.NewValidator()
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/iocm/app/batchtask/v1.1.0/tasks", strings.NewReader("{}"))
	op, err := v.Operation(req)
	fmt.Println(op, err)
	// Output:
	// createBatchTask <nil>
}
