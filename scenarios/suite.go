package scenarios

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/openapi"
)

// Config is one run of the suite.
type Config struct {
	// Target is the platform to certify (ReferenceTarget, or LoadTarget).
	Target *Target
	// Profile overrides the target's profile ("doc-strict" or "lenient") when set.
	Profile string
	// Run selects scenarios by name; nil runs all.
	Run *regexp.Regexp
	// Progress, when set, gets one line per scenario.
	Progress io.Writer
	// Secrets looks up the value of a "${NAME}" secret reference (os.LookupEnv in the CLI).
	Secrets func(name string) (string, bool)
	// Contract overrides the contract the runner validates with; nil uses NewContract.
	Contract Contract
	// Scenarios overrides the suite; nil plays the embedded suite and the generated boundaries.
	Scenarios []*Scenario
	// BodyLimit and Timeout override DefaultBodyLimit and DefaultRequestTimeout.
	BodyLimit int64
	Timeout   time.Duration
	// Now and Sleep are the clock the runner paces and polls real targets with; nil uses
	// time.Now and a real timer. Tests inject a fake clock so nothing sleeps through real time.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Transport overrides the target's transport: "rest" or "graphql". With graphql, create,
	// query and details requests go to the target's GraphQL facade and its answers are read as
	// the REST answers they stand for.
	Transport string
	// Gate is what the verdict demands beyond passing MUST checks (batchcert.Decide).
	Gate batchcert.Gate
	// Operations overrides the embedded GraphQL operations (OperationsFS): a directory holding
	// createBatchTask.graphql, batchTask.graphql and taskDetails.graphql.
	Operations fs.FS
}

// Suite is a prepared run: a target, its client and the contract.
type Suite struct {
	ctx      context.Context
	cfg      Config
	target   *Target
	client   *client
	control  *controller
	pacer    *pacer
	contract Contract
	redact   *redactor
	baseVars vars
	seq      atomic.Int64
	runID    string
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
	severity map[string]batchcert.Severity
	authMu   sync.Mutex
	authLog  []*Exchange
	// transport is the run's transport; gql is set when it is graphql.
	transport string
	gql       *gqlTransport
}

// NewSuite prepares a run: it resolves secrets and builds the client.
func NewSuite(ctx context.Context, cfg Config) (*Suite, error) {
	t := cfg.Target
	if t == nil {
		return nil, batchcert.Usagef("no target")
	}
	if t.BaseURL == "" {
		return nil, batchcert.Usagef("target %s: baseURL is empty", t.Name)
	}
	base, err := url.Parse(t.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, batchcert.Usagef("target %s: baseURL %q is not an absolute URL", t.Name, t.BaseURL)
	}
	profile := t.Profile
	if cfg.Profile != "" {
		profile = cfg.Profile
	}
	contract := cfg.Contract
	if contract == nil {
		if contract, err = NewContract(profile); err != nil {
			return nil, fmt.Errorf("build contract: %w", err)
		}
	}
	hc, err := newHTTPClient(t)
	if err != nil {
		return nil, batchcert.Usagef("target %s: %v", t.Name, err)
	}
	s := &Suite{ctx: ctx, cfg: cfg, target: t, contract: contract, redact: &redactor{},
		runID: fmt.Sprintf("bc%x", time.Now().UnixNano()%0xffffff), severity: map[string]batchcert.Severity{}}
	s.now, s.sleep = cfg.Now, cfg.Sleep
	if s.now == nil {
		s.now = time.Now
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	s.client = &client{base: base, http: hc, limit: DefaultBodyLimit, timeout: DefaultRequestTimeout, apps: map[string]*appAuth{}}
	if cfg.BodyLimit > 0 {
		s.client.limit = cfg.BodyLimit
	}
	if cfg.Timeout > 0 {
		s.client.timeout = cfg.Timeout
	}
	s.client.observe = func(ex *Exchange) {
		s.authMu.Lock()
		defer s.authMu.Unlock()
		s.authLog = append(s.authLog, ex)
	}
	for alias, a := range t.apps() {
		name := secretName(a)
		if cfg.Secrets == nil {
			continue
		}
		sec, ok := cfg.Secrets(name)
		if !ok {
			continue
		}
		s.client.apps[alias] = &appAuth{appID: a.AppID, secret: sec}
		s.redact.secrets = append(s.redact.secrets, sec)
	}
	if _, ok := s.client.apps["primary"]; !ok {
		return nil, batchcert.Usagef("target %s: no secret for the primary application (%s)", t.Name, t.Apps.Primary.Secret)
	}
	s.transport = cfg.Transport
	if s.transport == "" {
		s.transport = t.Transport
	}
	switch s.transport {
	case "", TransportREST:
		s.transport = TransportREST
	case TransportGraphQL:
	default:
		return nil, batchcert.Usagef("transport %q: want rest or graphql", s.transport)
	}
	// A target that declares its facade gets it in REST runs too, for the steps that force
	// graphql (parity).
	if s.transport == TransportGraphQL || (t.GraphQL != nil && t.GraphQL.URL != "") {
		if s.gql, err = newGQLTransport(t, s.client, cfg.Operations); err != nil {
			return nil, err
		}
	}
	if t.Control != nil && t.Control.URL != "" {
		s.control = &controller{base: t.Control.URL, http: hc}
	}
	s.pacer = &pacer{limit: t.Limits.Throttle.Limit, window: t.Limits.ThrottleWindow(), control: s.control, sleep: s.sleep, now: s.now}
	for _, r := range contract.Requirements() {
		s.severity[r.ID] = r.Severity
	}
	s.baseVars = targetVars(t)
	return s, nil
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

func (s *Suite) uniq() string { return fmt.Sprintf("%s-%d", s.runID, s.seq.Add(1)) }

// targetVars are the variables every scenario starts with.
func targetVars(t *Target) vars {
	f := t.Fixtures
	v := vars{
		"deviceIds": toAny(f.DeviceIDs), "failDevice": f.FailDevice, "noanswerDevice": f.NoAnswerDevice,
		"offlineDevice": f.OfflineDevice, "deviceType": f.DeviceType, "manufacturerId": f.ManufacturerID,
		"model": f.Model, "location": f.Location, "serviceId": f.ServiceID, "method": f.Method, "tagName": f.TagName,
		"throttleLimit": t.Limits.Throttle.Limit, "throttleWindow": int(t.Limits.ThrottleWindow() / time.Second),
		"taskLimit": t.Limits.TaskLimit,
	}
	if len(f.DeviceIDs) > 0 {
		v["deviceId"] = f.DeviceIDs[0]
	}
	if f.BoundTag != nil {
		v["boundTagName"], v["boundTagValue"] = f.BoundTag.Name, f.BoundTag.Value
	}
	for name, g := range map[string]*Group{"smallGroup": f.Groups.Small, "largeGroup": f.Groups.Large} {
		if g != nil {
			v[name+"Name"], v[name+"Id"], v[name+"Size"] = g.Name, g.ID, g.Size
		}
	}
	for alias, a := range t.apps() {
		v[alias+"AppId"] = a.AppID
	}
	return v
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// missing returns the scenario's needs the target cannot meet.
func (s *Suite) missing(sc *Scenario) []string {
	t, f := s.target, s.target.Fixtures
	has := map[string]bool{
		"deviceIds": len(f.DeviceIDs) > 0, "failDevice": f.FailDevice != "", "noanswerDevice": f.NoAnswerDevice != "",
		"offlineDevice": f.OfflineDevice != "", "deviceType": f.DeviceType != "" && f.ManufacturerID != "" && f.Model != "",
		"location": f.Location != "", "serviceId": f.ServiceID != "" && f.Method != "", "tagName": f.TagName != "",
		"boundTag": f.BoundTag != nil, "smallGroup": f.Groups.Small != nil, "largeGroup": f.Groups.Large != nil,
		"secondApp": s.client.apps["secondary"] != nil, "unauthorizedApp": s.client.apps["unauthorized"] != nil,
		"noRightsApp": s.client.apps["norights"] != nil, "frozenApp": s.client.apps["frozen"] != nil,
		"clock": s.control != nil, "control": s.control != nil,
		"throttle": t.Limits.Throttle.Limit > 0, "taskLimit": t.Limits.TaskLimit > 0,
		"graphql": s.gql != nil,
	}
	var out []string
	for _, n := range sc.Needs {
		if !has[n] {
			out = append(out, n)
		}
	}
	return out
}

// Check runs the suite against cfg.Target and returns the results: every check, the error
// codes exercised and the requirement coverage. An error means the run could not start.
func Check(ctx context.Context, cfg Config) (*batchcert.Results, error) {
	s, err := NewSuite(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// Idle connections left open would hold up the target's graceful shutdown.
	defer s.client.http.CloseIdleConnections()
	scs := cfg.Scenarios
	if scs == nil {
		if scs, err = SuiteScenarios(); err != nil {
			return nil, batchcert.Usagef("embedded suite: %v", err)
		}
		scs = append(scs, Boundaries(s.contract.Requirements())...)
	}
	res := &batchcert.Results{FormatVersion: batchcert.ResultsVersion, Command: "check", Start: time.Now(),
		Target: batchcert.Target{Name: s.target.Name, URL: s.target.BaseURL, Transport: s.transport,
			Reference: s.target.Control != nil}, Profile: s.target.Profile}
	if cfg.Profile != "" {
		res.Profile = cfg.Profile
	}
	if rd, ok := s.contract.(interface{ Readings() []batchcert.Reading }); ok {
		res.Readings = rd.Readings()
	}
	res.Harness.SpecHash, res.Harness.CatalogHash = openapi.SpecHash(), contracts.CatalogHash()
	for _, sc := range scs {
		if cfg.Run != nil && !cfg.Run.MatchString(sc.Name) {
			continue
		}
		if ctx.Err() != nil {
			res.Incomplete = true
			break
		}
		checks := s.Play(ctx, sc)
		res.Checks = append(res.Checks, checks...)
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "%-24s %s\n", sc.Name, summary(checks))
		}
	}
	res.Checks = append(res.Checks, s.authCheck(ctx))
	if s.transport == TransportGraphQL {
		res.Checks = append(res.Checks, s.transportSkips()...)
	}
	res.End = time.Now()
	res.Coverage = s.coverage(res.Checks)
	res.Apply(cfg.Gate)
	return res, nil
}

// Play plays one scenario and returns its checks, severities and known failures applied.
func (s *Suite) Play(ctx context.Context, sc *Scenario) []batchcert.Check {
	r := s.newRun(sc)
	if miss := s.missing(sc); len(miss) > 0 {
		for _, st := range sc.all() {
			for i, e := range st.Expect {
				r.add(batchcert.Check{ID: r.id(st, expectID(e, i)), Requirements: e.Requirements, Outcome: batchcert.Skip,
					Message: "the target lacks " + strings.Join(miss, ", ")})
			}
			if st.Concurrent != nil {
				for i, t := range st.Concurrent.Expect {
					name := t.Name
					if name == "" {
						name = fmt.Sprintf("tally-%d", i+1)
					}
					r.add(batchcert.Check{ID: r.id(st, name), Requirements: t.Requirements, Outcome: batchcert.Skip,
						Message: "the target lacks " + strings.Join(miss, ", ")})
				}
			}
		}
	} else {
		start := time.Now()
		r.play(ctx)
		if len(r.checks) > 0 && r.checks[0].Duration == 0 {
			r.checks[0].Duration = time.Since(start)
		}
	}
	for i := range r.checks {
		s.finish(&r.checks[i])
	}
	return r.checks
}

// finish sets a check's severity from the catalog and turns a listed failure into KNOWN-FAIL.
func (s *Suite) finish(c *batchcert.Check) {
	c.Severity = batchcert.Should
	for _, id := range c.Requirements {
		if strings.HasPrefix(id, "AMB.") {
			continue // a reading, not a requirement: it names why, the others say how binding
		}
		if sev, ok := s.severity[id]; !ok || sev == batchcert.Must {
			c.Severity = batchcert.Must
		}
	}
	if c.Outcome == batchcert.Fail {
		if reason, ok := s.target.knownFailure(c.ID); ok {
			c.Outcome = batchcert.KnownFail
			c.Message = "known failure (" + reason + "): " + c.Message
		}
	}
}

// authCheck validates every login and refresh the client made on its own.
func (s *Suite) authCheck(ctx context.Context) batchcert.Check {
	sc := &Scenario{Name: "auth", File: "(client)"}
	r := s.newRun(sc)
	s.authMu.Lock()
	defer s.authMu.Unlock()
	if len(s.authLog) > 0 {
		r.validation(ctx, Step{Name: "client-logins"}, s.authLog, false, 0)
	} else {
		r.add(batchcert.Check{ID: "auth/client-logins/contract", Requirements: []string{"RSP.login.accessToken"},
			Outcome: batchcert.Skip, Message: "the client never logged in"})
	}
	s.finish(&r.checks[0])
	return r.checks[0]
}

// responseRequirements are what the validation of one answer proves for op.
func (s *Suite) responseRequirements(op string, ex *Exchange) []string {
	short := shortOp[op]
	if short == "" || ex.Err != nil {
		return nil
	}
	_, isErr := s.contract.ErrorCode(ex.RespBody)
	var out []string
	if ex.Status >= 400 || isErr {
		if ex.GraphQL != nil {
			return []string{"RULE.error-body"}
		}
		return []string{"RULE.error-body", "RULE.content-type"}
	}
	for _, r := range s.contract.Requirements() {
		switch {
		case strings.HasPrefix(r.ID, "RSP."+short+"."):
			out = append(out, r.ID)
		case op == "queryBatchTask" && strings.HasPrefix(r.ID, "INV."):
			out = append(out, r.ID)
		}
	}
	if ex.GraphQL != nil {
		return out // the REST Content-Type rule has no GraphQL meaning (transportSkips)
	}
	return append(out, "RULE.content-type")
}

// transportSkips are the checks with no GraphQL meaning, skipped with the reason.
func (s *Suite) transportSkips() []batchcert.Check {
	sc := &Scenario{Name: "graphql-transport", File: "(transport)"}
	c := batchcert.Check{ID: "graphql-transport/answers/content-type", Scenario: sc.Name, File: sc.File,
		Requirements: []string{"RULE.content-type"}, Outcome: batchcert.Skip,
		Message: "no GraphQL meaning: RULE.content-type is a rule on a REST answer's header; the facade's own " +
			"Content-Type is checked as a GraphQL answer's"}
	s.finish(&c)
	return []batchcert.Check{c}
}

var shortOp = map[string]string{"login": "login", "refreshToken": "refresh", "createBatchTask": "create",
	"queryBatchTask": "query", "queryTaskDetails": "details"}

func summary(cs []batchcert.Check) string {
	n := map[batchcert.Outcome]int{}
	for _, c := range cs {
		n[c.Outcome]++
	}
	return fmt.Sprintf("%d pass, %d fail, %d known, %d skip, %d error", n[batchcert.Pass], n[batchcert.Fail],
		n[batchcert.KnownFail], n[batchcert.Skip], n[batchcert.Errored])
}

// coverage counts the (op, status, code) contexts exercised and the requirements covered.
func (s *Suite) coverage(cs []batchcert.Check) batchcert.Coverage {
	var cov batchcert.Coverage
	outcome := map[string]batchcert.Outcome{}
	covered := map[string]bool{}
	// inexpressible are requirements a check skipped because the run's transport cannot
	// express them (GraphQL): no client of that transport can provoke them.
	inexpressible := map[string]bool{}
	for _, c := range cs {
		if c.Outcome == batchcert.Skip && strings.HasPrefix(c.Message, "no GraphQL meaning") {
			for _, id := range c.Requirements {
				inexpressible[id] = true
			}
		}
		if c.Outcome == batchcert.Skip || c.Outcome == batchcert.Errored {
			continue
		}
		for _, id := range c.Requirements {
			covered[id] = true
			if o, seen := outcome[id]; !seen || o == batchcert.Pass {
				outcome[id] = c.Outcome
			}
		}
	}
	for _, cc := range s.contract.ErrorContexts() {
		id := fmt.Sprintf("ERR.%s.%d.%s", shortOp[cc.Operation], cc.Status, cc.Code)
		cov.ErrorCodes = append(cov.ErrorCodes, batchcert.CodeCoverage{Operation: cc.Operation, Status: cc.Status,
			Code: cc.Code, Exercised: covered[id], Passed: covered[id] && outcome[id] == batchcert.Pass})
	}
	for _, r := range s.contract.Requirements() {
		cov.Requirements.Total++
		if covered[r.ID] {
			cov.Requirements.Covered++
		} else {
			cov.Requirements.Missing = append(cov.Requirements.Missing, r.ID)
			if r.Severity == batchcert.Must && provocable(r) && !inexpressible[r.ID] {
				cov.Requirements.MissingMust = append(cov.Requirements.MissingMust, r.ID)
			}
		}
	}
	sort.Strings(cov.Requirements.Missing)
	sort.Strings(cov.Requirements.MissingMust)
	return cov
}

// provocable tells whether a client can provoke a requirement: every one but the error rows
// only fault injection reaches (a platform that lost the application mid-call).
func provocable(r Requirement) bool {
	cat, err := contracts.Catalog()
	if err != nil {
		return true
	}
	e, ok := cat.Get(r.ID)
	return !ok || !strings.Contains(e.Trigger, "fault injection only")
}
