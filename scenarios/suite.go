package scenarios

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
	"github.com/batchcert/batchcert/contracts"
	"github.com/batchcert/batchcert/openapi"
)

// Config is one run of the suite.
type Config struct {
	// Target is the platform to certify (ReferenceTarget, or LoadTarget).
	Target *Target
	// Conn is the connection model of the suite's calls: apiclient.KeepAlive ("" too), or
	// apiclient.NewConnection, a new connection, and over TLS a full handshake with the
	// profile's client certificate, per call, as the vendor's Java SDK does. Results.Connections
	// records it and what it cost.
	Conn apiclient.ConnModel
	// Profile overrides the target's profile ("doc-strict" or "lenient") when set.
	Profile string
	// Run selects scenarios by name; nil runs all.
	Run *regexp.Regexp
	// Select selects scenarios by name, requirement id, operation or error code (ParseSelector);
	// when set it takes the place of Run.
	Select *Selector
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
	// MaxTransportFailures overrides DefaultMaxTransportFailures: after that many exchanges
	// in a row fail in transport the run stops as incomplete; negative never stops.
	MaxTransportFailures int
	// OnToken, when set, is told every access and refresh token the target issues during the
	// run (the suite redacts them from every check; the CLI redacts its own output too).
	OnToken func(token string)
	// Clock is the real time the runner paces and polls a target on its own clock with, and
	// measures its waits in; nil is apiclient.RealClock. Tests inject a fake clock so nothing
	// sleeps through real time. (On a target with a control API the run waits on the
	// reference's clock instead, advanced through that API.)
	Clock apiclient.Clock
	// Transport overrides the target's transport: "rest" or "graphql". With graphql, create,
	// query and details requests go to the target's GraphQL facade and its answers are read as
	// the REST answers they stand for.
	Transport string
	// Gate is what the verdict demands beyond passing MUST checks (batchcert.Decide).
	Gate batchcert.Gate
	// ServeCommand, when the target is a reference platform started in-process, is the
	// `batchcert serve` command that starts the same platform (world, faults, readings): the
	// failures' reproducer scripts name it and replay against its default addresses.
	ServeCommand string
	// Operations overrides the embedded GraphQL operations (OperationsFS): a directory holding
	// createBatchTask.graphql, batchTask.graphql and taskDetails.graphql.
	Operations fs.FS
	// State, when set, holds what an earlier run against the same target left (its calls of
	// the last throttle window, its unfinished tasks) and receives this run's at the end, so
	// that runs back to back neither throttle themselves nor fill the task limit. The CLI keeps
	// it in a file per target.
	State StateStore
	// RealTime runs the scenarios that need platform time to pass (lifecycle, tokens, the
	// quick throttle and task-limit checks) on the platform's own clock when the target has no
	// control API: they wait, in parallel with each other and with the rest of the suite.
	RealTime bool
	// MaxWait bounds one wait of the run budget or of a real-time step (DefaultMaxWait).
	MaxWait time.Duration
}

// StateStore loads and saves a run's state (see Config.State).
type StateStore interface {
	Load() (io.ReadCloser, error) // nil, nil: no state yet
	Save(data []byte) error
}

// Suite is a prepared run: a target, its client and the contract.
type Suite struct {
	ctx      context.Context
	cfg      Config
	target   *Target
	client   *client
	control  *apiclient.Control
	pacer    *pacer
	budget   *budget
	contract Contract
	redact   *redactor
	baseVars vars
	seq      atomic.Int64
	runID    string
	// clock is real time (Config.Clock); platform, with a control API, is the reference's
	// clock through the control API (apiclient.Control.Clock), which a wait advances.
	clock    apiclient.Clock
	platform apiclient.Clock
	severity map[string]batchcert.Severity
	authMu   sync.Mutex
	authLog  []*Exchange
	// transport is the run's transport; gql is set when it is graphql.
	transport string
	gql       *gqlTransport
	// sayMu serialises progress lines (real-time scenarios run in parallel).
	sayMu sync.Mutex
	// leftOut is the longest real-time wait a step was not run for, past -max-wait
	// (Results.MaxWaitNeeded); guarded by sayMu.
	leftOut time.Duration
	// stateMu serialises saves of the run's state.
	stateMu sync.Mutex
}

// say writes one progress line to stderr (Config.Progress), if there is one.
func (s *Suite) say(format string, args ...any) {
	if s.cfg.Progress == nil {
		return
	}
	s.sayMu.Lock()
	defer s.sayMu.Unlock()
	fmt.Fprintf(s.cfg.Progress, format+"\n", args...)
}

// leftOutWait records that a step was not run because it waits d of real time, more than
// -max-wait: the verdict's reasons then name the -max-wait that would run it.
func (s *Suite) leftOutWait(d time.Duration) {
	s.sayMu.Lock()
	defer s.sayMu.Unlock()
	s.leftOut = max(s.leftOut, d)
}

// timeScale is how many platform seconds pass per real second (limits.timeScale; 1 for
// every real platform).
func (s *Suite) timeScale() float64 {
	if ts := s.target.Limits.TimeScale; ts > 0 {
		return ts
	}
	return 1
}

// realDuration turns a platform duration into real time.
func (s *Suite) realDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.timeScale())
}

// NewSuite prepares a run: it resolves secrets and builds the client.
func NewSuite(ctx context.Context, cfg Config) (*Suite, error) {
	t := cfg.Target
	if t == nil {
		return nil, batchcert.Usagef("no target")
	}
	if t.BaseURL == "" {
		return nil, t.configErr("baseURL", fmt.Errorf("is empty"))
	}
	base, err := url.Parse(t.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, t.configErr("baseURL", fmt.Errorf("%q is not an absolute URL", t.BaseURL))
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
		return nil, t.configErr("tls", err)
	}
	conns := &apiclient.ConnStats{}
	ctl := hc // the control API's calls are the harness's, not the suite's: not modelled, not counted
	if hc, err = apiclient.WithModel(hc, cfg.Conn, conns); err != nil {
		return nil, batchcert.Usagef("%w", err)
	}
	s := &Suite{ctx: ctx, cfg: cfg, target: t, contract: contract, redact: &redactor{},
		runID: newRunID(), severity: map[string]batchcert.Severity{}}
	s.clock = cfg.Clock
	if s.clock == nil {
		s.clock = apiclient.RealClock{}
	}
	s.client = &client{base: base, http: hc, limit: DefaultBodyLimit, timeout: DefaultRequestTimeout, conns: conns}
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
	s.guard(cfg)
	apps := map[string]apiclient.App{}
	for alias, a := range t.apps() {
		name := secretName(a)
		if cfg.Secrets == nil {
			continue
		}
		sec, ok := cfg.Secrets(name)
		if !ok {
			continue
		}
		// Two roles may name one application (load is often another role's app): the token
		// cache shares its tokens, or their logins would supersede each other
		// (RULE.token-latest).
		apps[alias] = apiclient.App{AppID: a.AppID, Secret: sec}
		s.redact.secrets = append(s.redact.secrets, sec)
	}
	s.client.auth = apiclient.NewAuth(s.client.authDo, apps, s.redact.learn)
	if !s.client.auth.Has("primary") {
		return nil, t.configErr("apps.primary.secret", fmt.Errorf("%s is not set", t.Apps.Primary.Secret))
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
		s.control = apiclient.NewControl(t.Control.URL, apiclient.ControlHTTPClient(ctl), apiclient.ControlTimeout(DefaultRequestTimeout))
		// Nothing may wait from a time the clock could not read: the failure is a progress
		// line, and SleepUntil refuses the zero time it leaves.
		s.platform = s.control.Clock(func(err error) { s.say("control: %v", err) })
	}
	maxWait := cfg.MaxWait
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	w := t.Limits.ThrottleWindow()
	// The pacer's window, in real time, with a margin for the clocks' skew and the network.
	realW := s.realDuration(w)
	realW += realW/20 + 250*time.Millisecond
	s.pacer = &pacer{limit: t.Limits.Throttle.Limit, window: realW, platformWindow: w, platform: s.platform,
		clock: s.clock, say: s.say, maxWait: maxWait, calls: map[string][]time.Time{}}
	s.budget = &budget{limit: t.Limits.TaskLimit, tasks: map[string]*ledgerTask{}, scale: s.timeScale(),
		clock: s.clock, say: s.say, maxWait: maxWait, driven: s.control != nil}
	s.budget.query = s.queryTask
	for _, r := range contract.Requirements() {
		s.severity[r.ID] = r.Severity
	}
	s.baseVars = targetVars(t)
	s.baseVars["run"] = s.runID
	// slack is a margin for steps that must land before a deadline of platform time: 10
	// platform seconds, and at least 2 s of real time on a faster clock.
	s.baseVars["slack"] = max(10, int(math.Ceil(2*s.timeScale())))
	if !s.client.auth.Has("load") {
		// The profile names no load app (or its secret is unset): bursts use primary.
		s.baseVars["loadApp"], s.baseVars["loadAppId"], s.baseVars["otherApp"] = "primary", s.baseVars["primaryAppId"], "secondary"
	}
	return s, nil
}

func (s *Suite) uniq() string { return fmt.Sprintf("%s-%d", s.runID, s.seq.Add(1)) }

// newRunID names a run: every task name and tag value the suite makes carries it, so a
// platform that keeps everything can be certified any number of times.
func newRunID() string {
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("bc%x", time.Now().UnixNano())
	}
	return "bc" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

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
	multiVars(v, f)
	for name, g := range map[string]*Group{"smallGroup": f.Groups.Small, "largeGroup": f.Groups.Large} {
		if g != nil {
			v[name+"Name"], v[name+"Id"], v[name+"Size"] = g.Name, g.ID, g.Size
		}
	}
	for alias, a := range t.apps() {
		v[alias+"AppId"] = a.AppID
	}
	// The application bursts and races may use up: the profile's load app, else primary.
	v["loadApp"], v["loadAppId"], v["otherApp"] = "primary", v["primaryAppId"], "secondary"
	if t.Apps.Load != nil {
		v["loadApp"], v["loadAppId"], v["otherApp"] = "load", t.Apps.Load.AppID, "primary"
	}
	// An application no scenario logs in again (tokens waits on its token): secondary, else
	// primary.
	v["quietApp"], v["quietAppId"] = "primary", v["primaryAppId"]
	if t.Apps.Secondary != nil {
		v["quietApp"], v["quietAppId"] = "secondary", t.Apps.Secondary.AppID
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
		"secondApp": s.client.auth.Has("secondary"), "unauthorizedApp": s.client.auth.Has("unauthorized"),
		"noRightsApp": s.client.auth.Has("norights"), "frozenApp": s.client.auth.Has("frozen"),
		"clock": s.control != nil, "control": s.control != nil, "time": s.control != nil || s.cfg.RealTime,
		"throttle": t.Limits.Throttle.Limit > 0, "taskLimit": t.Limits.TaskLimit > 0,
		// A burst and the calls after it must land in one throttle window.
		"burstWindow": s.control != nil || s.realDuration(t.Limits.ThrottleWindow()) >= 5*time.Second,
		"graphql":     s.gql != nil,
	}
	multiNeeds(has, f)
	var out []string
	for _, n := range sc.Needs {
		if !has[n] {
			out = append(out, needText(n))
		}
	}
	return out
}

// Check runs the suite against cfg.Target and returns the results: every check, the error
// codes exercised and the requirement coverage. An error means the run could not start.
func Check(ctx context.Context, cfg Config) (*batchcert.Results, error) {
	// A dead target stops the run with its cause (guard), as a signal or a deadline does.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	s, err := NewSuite(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.client.dead = stop
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
	var chosen []*Scenario
	for _, sc := range scs {
		if !cfg.selects(sc) {
			continue
		}
		chosen = append(chosen, sc)
	}
	res.Selection = cfg.selection(scs, chosen)
	// The run budget orders and schedules them (playAll, budget.go).
	res.Checks = append(res.Checks, s.playAll(ctx, chosen)...)
	res.Checks = append(res.Checks, s.authCheck(ctx))
	if s.transport == TransportGraphQL {
		res.Checks = append(res.Checks, s.transportSkips()...)
	}
	if why := stopped(ctx); why != "" {
		res.MarkIncomplete(why)
	}
	res.End = time.Now()
	res.Coverage = s.coverage(res.Checks)
	res.Connections = s.client.connections(s.cfg.Conn)
	s.sayMu.Lock()
	if s.leftOut > 0 {
		res.MaxWaitNeeded = NeededMaxWait(s.leftOut)
	}
	s.sayMu.Unlock()
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
		r.attachReproducers()
	}
	for i := range r.checks {
		s.finish(&r.checks[i])
	}
	return r.checks
}

// finish sets a check's severity from the catalog and turns a listed failure into KNOWN-FAIL.
func (s *Suite) finish(c *batchcert.Check) {
	s.redact.check(c)
	c.Severity = s.severityOf(c.Requirements)
	if c.Outcome == batchcert.Fail && c.Severity == batchcert.Must {
		// A failure is as binding as what it broke: a contract check claims every rule of
		// the answer, but when each violation names a SHOULD rule (a reading's
		// recommendation, such as INV.status-moves under AMB.R8) the platform broke no MUST.
		var broken []string
		for _, v := range c.Violations {
			if v.Requirement == "" {
				broken = nil // a violation of no named rule: the check's own severity stands
				break
			}
			broken = append(broken, v.Requirement)
		}
		if len(broken) > 0 {
			c.Severity = s.severityOf(broken)
		}
	}
	if c.Outcome == batchcert.Fail {
		if reason, ok := s.target.knownFailure(c.ID); ok {
			c.Outcome = batchcert.KnownFail
			c.Message = "known failure (" + reason + "): " + c.Message
		}
	}
}

// severityOf is MUST when any of ids is a MUST requirement, or unknown to the catalog; readings
// (AMB.*) name why, not how binding.
func (s *Suite) severityOf(ids []string) batchcert.Severity {
	sev := batchcert.Should
	for _, id := range ids {
		if strings.HasPrefix(id, "AMB.") {
			continue
		}
		if v, ok := s.severity[id]; !ok || v == batchcert.Must {
			sev = batchcert.Must
		}
	}
	return sev
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
