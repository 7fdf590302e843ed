package gql_test

import (
	"fmt"

	"github.com/batchcert/batchcert/gql"
)

// An answer of the facade is read as the REST answer it stands for: the error's httpStatus
// and {"error_code","error_desc"}.
func ExampleOperation_Read() {
	op, err := gql.NewOperation(`mutation c($input: CreateBatchTaskInput!) { createBatchTask(input: $input) { taskID } }`)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := op.Read(200, "application/json", []byte(`{"data":{"createBatchTask":null},"errors":[{"message":"too many tasks",
		"path":["createBatchTask"],"extensions":{"code":"105001","desc":"too many tasks","httpStatus":200}}]}`))
	fmt.Println(a.Status, string(a.Body), len(a.Violations))
	// Output: 200 {"error_code":"105001","error_desc":"too many tasks"} 0
}
