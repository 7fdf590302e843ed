package refplatform_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/batchcert/batchcert/refplatform"
)

// Example starts the reference platform on loopback with a manual clock, creates a task on
// the 3-device group and advances the clock until it completes.
func Example() {
	clock := refplatform.NewManualClock(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	srv, err := refplatform.New(refplatform.WithClock(clock))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Open(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	resp, _ := http.PostForm(srv.URL()+refplatform.PathLogin, url.Values{"appId": {"app-primary"}, "secret": {"primary-secret"}})
	var login struct{ AccessToken string }
	decode(resp, &login)

	call := func(method, path, body string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
		req.Header.Set("app_key", "app-primary")
		req.Header.Set("Authorization", "Bearer "+login.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, _ := http.DefaultClient.Do(req)
		return resp
	}
	var created struct{ TaskID string }
	decode(call("POST", refplatform.PathTasks, `{"appId":"app-primary","taskName":"demo","taskType":"DeviceCmd",
		"timeout":10,"param":{"type":"GroupList","groupList":["trio"],"command":{"serviceId":"Switch","method":"ON"}}}`), &created)

	_ = srv.Advance(10 * time.Second)
	var task refplatform.TaskView
	decode(call("GET", refplatform.PathTasks+"/"+created.TaskID, ""), &task)
	fmt.Println(task.Status, task.SuccessCnt, task.FailCnt, task.Progress, task.SuccessRate, task.StartTime)
	// Output:
	// Complete 2 1 1000 666 20240301T120000Z
}

func decode(resp *http.Response, v any) {
	if resp == nil {
		return
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
}
