package scenarios

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/gql"
)

// Transports a run can speak.
const (
	TransportREST    = "rest"
	TransportGraphQL = "graphql"
)

// OperationsFS holds the GraphQL operations batchcert sends, one file per REST call it stands
// for (graphql/*.graphql); they are validated against the facade's schema when a suite loads.
//
//go:embed graphql/*.graphql
var OperationsFS embed.FS

// operationFiles maps each REST operationId with a GraphQL counterpart to its file and root
// field.
var operationFiles = map[string]struct{ file, field string }{
	"createBatchTask":  {"createBatchTask.graphql", "createBatchTask"},
	"queryBatchTask":   {"batchTask.graphql", "batchTask"},
	"queryTaskDetails": {"taskDetails.graphql", "taskDetails"},
}

// Paths of the batch-task calls the facade mirrors.
const (
	tasksPath   = "/iocm/app/batchtask/v1.1.0/tasks"
	detailsPath = "/iocm/app/batchtask/v1.1.0/taskDetails"
)

// LoadOperations reads and validates the operations of operationFiles from fsys (under dir).
// An operation that is missing or does not validate is a usage error naming the file and
// gqlparser's message.
func LoadOperations(fsys fs.FS, dir string) (map[string]*gql.Operation, error) {
	out := map[string]*gql.Operation{}
	for op, f := range operationFiles {
		name := path.Join(dir, f.file)
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, batchcert.Usagef("graphql operation %s: %v", name, err)
		}
		o, err := gql.NewOperation(string(src))
		if err != nil {
			return nil, batchcert.Usagef("graphql operation %s: %v", name, err)
		}
		if o.Field != f.field {
			return nil, batchcert.Usagef("graphql operation %s: selects %s, expected %s", name, o.Field, f.field)
		}
		out[op] = o
	}
	return out, nil
}

// GraphQLExchange is the POST to the facade behind a translated Exchange.
type GraphQLExchange struct {
	URL        string
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	// Violations are what the answer breaks as an answer of the facade (package gql).
	Violations batchcert.Violations
}

// gqlTransport is where the facade is and what it is sent.
type gqlTransport struct {
	url string
	ops map[string]*gql.Operation
}

// newGQLTransport resolves the target's graphql.url (a path is joined to baseURL's path, as
// the REST paths are) and loads the operations.
func newGQLTransport(t *Target, c *client, ops fs.FS) (*gqlTransport, error) {
	if t.GraphQL == nil || t.GraphQL.URL == "" {
		return nil, t.configErr("graphql.url", errors.New("transport graphql needs it"))
	}
	u := t.GraphQL.URL
	if strings.HasPrefix(u, "/") {
		u = c.url(u, nil)
	} else if p, err := url.Parse(u); err != nil || p.Scheme == "" || p.Host == "" {
		return nil, t.configErr("graphql.url", fmt.Errorf("%q is neither a path nor an absolute URL", u))
	}
	dir := "graphql"
	if ops == nil {
		ops = OperationsFS
	} else {
		dir = "."
	}
	loaded, err := LoadOperations(ops, dir)
	if err != nil {
		return nil, err
	}
	return &gqlTransport{url: u, ops: loaded}, nil
}

// noMeaningError says a request has no GraphQL meaning; its expectations are skipped.
type noMeaningError struct{ msg string }

func (e *noMeaningError) Error() string { return "no GraphQL meaning: " + e.msg }

// gqlPlan is a request as a GraphQL operation.
type gqlPlan struct {
	op   *gql.Operation
	vars map[string]any
}

// plan decides a request's transport: nil for REST; a plan for a create, query or details
// call made over GraphQL; a *noMeaningError when the REST request cannot be said in GraphQL.
func (s *Suite) plan(req Request, p string, q url.Values, body []byte) (*gqlPlan, error) {
	forced := req.Transport == TransportGraphQL
	if !forced && (req.Transport == TransportREST || s.transport != TransportGraphQL) {
		return nil, nil
	}
	if s.gql == nil {
		return nil, errors.New("the step asks for graphql, but the run has no graphql transport")
	}
	op, vars, err := s.gqlVars(req, p, q, body)
	if err != nil {
		return nil, err
	}
	if op == "" {
		if forced {
			return nil, fmt.Errorf("%s %s has no graphql counterpart", req.Method, p)
		}
		return nil, nil
	}
	o := s.gql.ops[op]
	coerced, err := o.Variables(vars)
	if err != nil {
		var ge *gqlerror.Error
		if errors.As(err, &ge) {
			return nil, &noMeaningError{msg: ge.Error()}
		}
		return nil, &noMeaningError{msg: err.Error()}
	}
	return &gqlPlan{op: o, vars: coerced}, nil
}

// gqlVars recognises a request by method and path and returns its operation and variables;
// op is "" for a request with no GraphQL counterpart (login, refresh, malformed bodies).
func (s *Suite) gqlVars(req Request, p string, q url.Values, body []byte) (string, map[string]any, error) {
	switch {
	case req.Method == http.MethodPost && p == tasksPath && req.Body != nil && req.ContentType == "":
		var input any
		if err := json.Unmarshal(body, &input); err != nil {
			return "", nil, fmt.Errorf("decode the create body: %w", err)
		}
		return "createBatchTask", map[string]any{"input": input}, nil
	case req.Method == http.MethodGet && strings.HasPrefix(p, tasksPath+"/") && !strings.Contains(p[len(tasksPath)+1:], "/"):
		id, err := url.PathUnescape(p[len(tasksPath)+1:])
		if err != nil {
			return "", nil, &noMeaningError{msg: "taskId path segment: " + err.Error()}
		}
		vars, err := queryVars(q, map[string]bool{"appId": true, "select": true}, nil)
		if err != nil {
			return "", nil, err
		}
		vars["taskId"] = id
		return "queryBatchTask", vars, nil
	case req.Method == http.MethodGet && p == detailsPath:
		vars, err := queryVars(q, map[string]bool{"taskId": true, "appId": true, "status": true, "deviceId": true,
			"commandId": true}, map[string]bool{"pageNo": true, "pageSize": true})
		return "queryTaskDetails", vars, err
	}
	return "", nil, nil
}

// queryVars turns a query string into variables: strs as strings, ints as integers (a value
// that is no integer stays a string, for the coercion to refuse in gqlparser's words).
func queryVars(q url.Values, strs, ints map[string]bool) (map[string]any, error) {
	vars := map[string]any{}
	for k, vs := range q {
		v := vs[0]
		switch {
		case strs[k]:
			vars[k] = v
		case ints[k]:
			if n, err := strconv.Atoi(v); err == nil {
				vars[k] = n
			} else {
				vars[k] = v
			}
		default:
			return nil, &noMeaningError{msg: fmt.Sprintf("query parameter %s has no graphql argument", k)}
		}
	}
	return vars, nil
}

// gqlDo sends a planned request to the facade and returns the REST exchange it stands for:
// status, body and a synthetic REST request for the contract, the GraphQL POST beside it. It
// asks the token cache for nothing: h already carries the app_key and Authorization sendPaced
// chose. A login or refresh, which sendPaced sends holding its app's tokens (Auth.Own), never
// comes here: gqlVars gives it no operation, so it goes over REST.
func (s *Suite) gqlDo(ctx context.Context, pl *gqlPlan, method, p string, q url.Values, h http.Header, restBody []byte) *Exchange {
	restURL := s.client.url(p, q)
	ex := &Exchange{Method: method, URL: restURL, ReqHeader: h, ReqBody: restBody}
	body, err := pl.op.Request(pl.vars)
	if err != nil {
		ex.Err = err
		return ex
	}
	gh := h.Clone()
	if gh == nil {
		gh = http.Header{}
	}
	deleteHeader(gh, "Content-Type")
	gh.Set("Content-Type", "application/json")
	gex := s.client.doURL(ctx, http.MethodPost, s.gql.url, "/graphql", gh, body)
	ex.GraphQL = &GraphQLExchange{URL: gex.URL, ReqHeader: gh, ReqBody: body, Status: gex.Status,
		RespHeader: gex.RespHeader, RespBody: gex.RespBody}
	ex.Duration = gex.Duration
	ex.dateBefore, ex.dateAnswer, ex.sentAt, ex.answeredAt = gex.dateBefore, gex.dateAnswer, gex.sentAt, gex.answeredAt
	if req, err := http.NewRequestWithContext(ctx, method, restURL, bytes.NewReader(restBody)); err == nil {
		req.Header = h.Clone()
		ex.request = req
	}
	if gex.Err != nil {
		ex.Status, ex.RespHeader, ex.RespBody, ex.Err = gex.Status, gex.RespHeader, gex.RespBody, gex.Err
		return ex
	}
	a := pl.op.Read(gex.Status, gex.RespHeader.Get("Content-Type"), gex.RespBody)
	ex.GraphQL.Violations = a.Violations
	ex.Status, ex.RespBody, ex.Err = a.Status, a.Body, a.Err
	// The REST answer it stands for is JSON; the facade's own Content-Type is checked by gql.
	ex.RespHeader = gex.RespHeader.Clone()
	ex.RespHeader.Set("Content-Type", "application/json")
	return ex
}

// graphqlEvidence shows the POST to the facade (query and variables), its answer, the REST
// answer it was read as, and a curl command for the POST.
func (r *redactor) graphqlEvidence(ex *Exchange) batchcert.Evidence {
	g := ex.GraphQL
	var gr gql.Request
	reqText := clip(g.ReqBody)
	if json.Unmarshal(g.ReqBody, &gr) == nil {
		vars, _ := json.MarshalIndent(gr.Variables, "", "  ")
		reqText = gr.Query + "\nvariables: " + clip(vars)
	}
	req := fmt.Sprintf("POST %s\n%s\n%s\n(stands for %s %s)", g.URL, headerText(g.ReqHeader), reqText, ex.Method, ex.URL)
	var resp string
	if g.Status == 0 && ex.Err != nil {
		resp = "no response: " + ex.Err.Error()
	} else {
		resp = fmt.Sprintf("HTTP %d\n%s\n%s\n(read as REST: HTTP %d %s)", g.Status, headerText(g.RespHeader), clip(g.RespBody),
			ex.Status, clip(ex.RespBody))
		if ex.Err != nil {
			resp += "\n[" + ex.Err.Error() + "]"
		}
	}
	c := curl(&Exchange{Method: http.MethodPost, URL: g.URL, ReqHeader: g.ReqHeader, ReqBody: g.ReqBody})
	return batchcert.Evidence{Request: r.redact(req), Response: r.redact(resp), Curl: r.redact(c)}
}

// sendFailed gives a step's expectations the verdict of a request that could not be made: SKIP
// when it has no GraphQL meaning, ERROR otherwise.
func (r *scenarioRun) sendFailed(st Step, es []Expect, err error) {
	if msg, ok := r.setupFailure(err.Error()); ok {
		// A template named a variable an earlier step did not capture (cascade.go).
		r.lostStep(st, msg)
		r.failExpectations(st, es, batchcert.NotRun, msg, nil)
		return
	}
	r.lostStep(st, err.Error())
	var nm *noMeaningError
	if errors.As(err, &nm) {
		r.failExpectations(st, es, batchcert.Skip, nm.Error(), nil)
		return
	}
	var be *budgetError
	if errors.As(err, &be) {
		// The run's own budget ran out (a task slot, a throttle window): the step was not
		// run, and the platform is not blamed for it.
		r.failExpectations(st, es, batchcert.Skip, be.Error(), nil)
		return
	}
	r.failExpectations(st, es, batchcert.Errored, err.Error(), nil)
}
