package refplatform

import (
	"fmt"
	"testing"
	"time"
)

// gqlDeviations are the GraphQL facade's faults: each is observed through /graphql.
func gqlDeviations() []deviation {
	return []deviation{
		{fault: FaultGQLFieldRenamed, reason: "batchTask answers the key taskID for the selected taskId",
			observe: func(t *testing.T, e *env) string {
				id := e.gqlCreateTask("app-primary", taskBody("app-primary", "r", nil))
				return keysOf(e.gql("app-primary", `query($id: String!) { batchTask(taskId: $id) { taskId status } }`,
					map[string]any{"id": id}).only(t).obj("batchTask"))
			}, clean: "status,taskId", faulty: "status,taskID"},
		{fault: FaultGQLNullableNonNull, reason: "operator (String!) answered null without an error",
			observe: func(t *testing.T, e *env) string {
				id := e.gqlCreateTask("app-primary", taskBody("app-primary", "n", nil))
				a := e.gql("app-primary", `query($id: String!) { batchTask(taskId: $id) { operator } }`, map[string]any{"id": id})
				return fmt.Sprint(a.obj("batchTask")["operator"], " ", len(a.Errors))
			}, clean: "app-primary 0", faulty: "<nil> 0"},
		{fault: FaultGQLErrorWithoutCode, reason: "an unknown taskId's error lacks extensions.code",
			observe: func(t *testing.T, e *env) string {
				return e.gql("app-primary", `{ batchTask(taskId: "nosuch") { taskId } }`, nil).errSummary()
			}, clean: "105005 404 [batchTask]", faulty: "<nil> 404 [batchTask]"},
		{fault: FaultGQLDataDisagrees, reason: "GraphQL progress is REST progress + 1 for the same state",
			observe: func(t *testing.T, e *env) string {
				id := e.gqlCreateTask("app-primary", taskBody("app-primary", "d", group("trio")))
				e.advance(6 * time.Second)
				rest := e.query("app-primary", id, "").json(t)["progress"]
				gql := e.gql("app-primary", `query($id: String!) { batchTask(taskId: $id) { progress } }`,
					map[string]any{"id": id}).only(t).obj("batchTask")["progress"]
				return fmt.Sprint(rest, " ", gql)
			}, clean: "333 333", faulty: "333 334"},
	}
}
