package scenarios

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/batchcert/batchcert"
)

// Stand-ins for the consistency scenario: platforms that answer details in a way the docs
// allow but the reference does not. Each is the reference behind a proxy that rewrites
// details: it reads every matching subtask from the reference (one page of 250) and answers
// the page asked for from that list, changed as the stand-in's reading has it.

type detailsRewrite func(r *http.Request, q url.Values, subs []json.RawMessage, call int64) []json.RawMessage

// detailsStandIn serves the reference at tg.BaseURL with details answered through rewrite;
// tg's control still reaches the reference itself.
func detailsStandIn(t *testing.T, rewrite detailsRewrite, filter func(q url.Values) url.Values) *Target {
	t.Helper()
	tg := startReference(t)
	ref := tg.BaseURL
	up, err := url.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/iocm/app/batchtask/v1.1.0/taskDetails" {
			proxy.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		pageNo, _ := strconv.Atoi(q.Get("pageNo"))
		pageSize := 25
		if s := q.Get("pageSize"); s != "" {
			pageSize, _ = strconv.Atoi(s)
		}
		all := filter(q)
		all.Set("pageNo", "0")
		all.Set("pageSize", "250")
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, ref+r.URL.Path+"?"+all.Encode(), nil)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var page struct {
			TaskDetails []json.RawMessage `json:"taskDetails"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &page) != nil || pageSize < 1 {
			for k, v := range resp.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write(raw)
			return
		}
		subs := rewrite(r, q, page.TaskDetails, calls.Add(1))
		from, to := min(pageNo*pageSize, len(subs)), min(pageNo*pageSize+pageSize, len(subs))
		out, _ := json.Marshal(map[string]any{"pageNo": pageNo, "pageSize": pageSize, "totalCount": len(subs), "taskDetails": subs[from:to]})
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("Date", resp.Header.Get("Date"))
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	tg.BaseURL = srv.URL
	return tg
}

func sameQuery(q url.Values) url.Values { return q }

// TestConsistencyStandIns: a platform correct by every reading of the docs fails no MUST of
// the consistency scenario; what it does that the harness's reading does not expect is a
// SHOULD, named.
func TestConsistencyStandIns(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the consistency scenario once per stand-in")
	}
	t.Parallel()
	cases := []struct {
		name, reason string
		rewrite      detailsRewrite
		filter       func(url.Values) url.Values
		should       string // the SHOULD requirement the stand-in is to break
	}{
		{name: "unordered pages", reason: "the docs fix no order of taskDetails: every other call answers the subtasks in reverse",
			rewrite: func(_ *http.Request, _ url.Values, subs []json.RawMessage, call int64) []json.RawMessage {
				if call%2 == 1 {
					slices.Reverse(subs)
				}
				return subs
			},
			filter: sameQuery, should: "RULE.details-order"},
		{name: "expired listed Timeout", reason: "the docs do not say which status an expired subtask has: this platform lists it Timeout",
			rewrite: func(r *http.Request, q url.Values, subs []json.RawMessage, _ int64) []json.RawMessage {
				if !taskTimedOut(r, q.Get("taskId")) {
					return filterStatus(subs, q.Get("status"))
				}
				out := []json.RawMessage{}
				for _, s := range subs {
					s = bytes.Replace(s, []byte(`"status":"Pending"`), []byte(`"status":"Timeout"`), 1)
					if st := q.Get("status"); st == "" || bytes.Contains(s, []byte(`"status":"`+st+`"`)) {
						out = append(out, s)
					}
				}
				return out
			},
			// The status filter is the stand-in's own: it reads every subtask of the task.
			filter: func(q url.Values) url.Values {
				out := url.Values{}
				for k, v := range q {
					if k != "status" {
						out[k] = v
					}
				}
				return out
			},
			should: "RULE.expired-pending"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tg := detailsStandIn(t, c.rewrite, c.filter)
			res := checkWith(t, tg, "doc-strict", regexp.MustCompile("^consistency$"))
			broke := false
			for _, ch := range res.Checks {
				if ch.Outcome != batchcert.Fail && ch.Outcome != batchcert.Errored {
					continue
				}
				if ch.Severity == batchcert.Must {
					t.Errorf("%s: MUST %s %s: %s %v", c.reason, ch.ID, ch.Outcome, ch.Message, ch.Violations)
				}
				for _, v := range ch.Violations {
					broke = broke || v.Requirement == c.should
				}
				broke = broke || slices.Contains(ch.Requirements, c.should)
			}
			if !broke {
				t.Errorf("%s: no SHOULD check names %s", c.reason, c.should)
			}
		})
	}
}

// taskTimedOut asks the reference, with the caller's headers, whether the task is Timeout.
func taskTimedOut(r *http.Request, taskID string) bool {
	u := "http://" + r.Host + "/iocm/app/batchtask/v1.1.0/tasks/" + url.PathEscape(taskID)
	if app := r.URL.Query().Get("appId"); app != "" {
		u += "?appId=" + url.QueryEscape(app)
	}
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, u, nil)
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var task struct {
		Status string `json:"status"`
	}
	return json.NewDecoder(resp.Body).Decode(&task) == nil && task.Status == "Timeout"
}

func filterStatus(subs []json.RawMessage, status string) []json.RawMessage {
	if status == "" {
		return subs
	}
	out := []json.RawMessage{}
	for _, s := range subs {
		if bytes.Contains(s, []byte(`"status":"`+status+`"`)) {
			out = append(out, s)
		}
	}
	return out
}
