package batchcert

import "time"

// ResultsVersion is the version of the results.json format (reports/results.schema.json).
// Bump it on any incompatible change.
const ResultsVersion = "1"

// Results is one run of batchcert: the single source every report renders from.
type Results struct {
	FormatVersion string    `json:"formatVersion"`
	Harness       Harness   `json:"harness"`
	Target        Target    `json:"target"`
	Profile       string    `json:"profile"`
	Command       string    `json:"command"` // check, certify, load, selftest
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	// Incomplete is set when the run was interrupted (Ctrl-C, deadline, unreachable target)
	// before it finished; IncompleteReason says why.
	Incomplete       bool   `json:"incomplete"`
	IncompleteReason string `json:"incompleteReason,omitempty"`
	// MaxWaitNeeded, when set, is the -max-wait under which the steps this run left out for
	// waiting longer than its -max-wait would have run (a token's hour, a task's timeout).
	MaxWaitNeeded time.Duration `json:"maxWaitNeededNs,omitempty"`
	// Connections is what the suite's own calls cost under its connection model (-conn); the
	// load probes' are in Load.
	Connections *Connections `json:"connections,omitempty"`
	// Verdict is Decide's verdict; VerdictReasons say what it rests on, Exceptions list the
	// MUST checks that failed as declared known failures, Gate is the gate it was decided under.
	Verdict        Verdict  `json:"verdict"`
	VerdictReasons []string `json:"verdictReasons,omitempty"`
	Exceptions     []string `json:"exceptions,omitempty"`
	Gate           *Gate    `json:"gate,omitempty"`
	Checks         []Check  `json:"checks"`
	Coverage       Coverage `json:"coverage"`
	// Readings are the profile's readings of the docs' contradictions (AMB.*).
	Readings []Reading `json:"readings,omitempty"`
	// Selection is the -run filter the run was given, and what it selected; nil runs all.
	Selection *Selection   `json:"selection,omitempty"`
	Load      *LoadResults `json:"load,omitempty"`
	SelfTest  *SelfTest    `json:"selftest,omitempty"`
}

// Harness identifies the batchcert build and the contract it checked against.
type Harness struct {
	Version     string `json:"version"`
	SpecHash    string `json:"specSha256"`
	CatalogHash string `json:"catalogSha256"`
}

// Target is what was certified. It never carries credentials.
type Target struct {
	Name      string `json:"name"`
	URL       string `json:"url"`
	Transport string `json:"transport"` // rest or graphql
	Reference bool   `json:"reference"` // the embedded reference platform
}

// Check is the result of one check: one expectation of one scenario step, or one probe verdict.
type Check struct {
	ID           string        `json:"id"`
	Scenario     string        `json:"scenario"`
	File         string        `json:"file,omitempty"`
	Requirements []string      `json:"requirements"`
	Severity     Severity      `json:"severity"`
	Outcome      Outcome       `json:"outcome"`
	Message      string        `json:"message,omitempty"`
	Duration     time.Duration `json:"durationNs"`
	Violations   []Violation   `json:"violations,omitempty"`
	Evidence     []Evidence    `json:"evidence,omitempty"`
	// Covers are the requirements the check's assertion judged in a situation that could have
	// broken them: an invariant over a task's life on a second read, final-state on a finished
	// task, an error row on an answer that carried its status and code. Coverage counts only
	// these. null means the check does not say (a probe, an older results file): a check that
	// judged the platform then covers its Requirements. [] means it covered none.
	Covers []string `json:"covers"`
	// Readings are the ids of the readings of the docs (AMB.*) that decided this verdict.
	Readings []string `json:"readings,omitempty"`
}

// Evidence is one exchange that shows a failure, with secrets redacted.
type Evidence struct {
	Request  string `json:"request"`
	Response string `json:"response"`
	Curl     string `json:"curl"`
	// Script is a bash script that replays the scenario's requests up to this exchange against
	// the target and tells whether the answer shows the failure again (failures only). It logs
	// in from the secrets' environment variables and carries no secret and no token.
	Script string `json:"script,omitempty"`
}

// Coverage says what a run exercised.
type Coverage struct {
	ErrorCodes   []CodeCoverage      `json:"errorCodes"`
	Requirements RequirementCoverage `json:"requirements"`
}

// CodeCoverage is one (operation, HTTP status, error code) context.
type CodeCoverage struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	Code      string `json:"code"`
	Exercised bool   `json:"exercised"`
	Passed    bool   `json:"passed"`
}

// RequirementCoverage counts requirement ids covered by at least one check whose assertion
// judged them in a situation that could have broken them.
type RequirementCoverage struct {
	Total   int      `json:"total"`
	Covered int      `json:"covered"`
	Missing []string `json:"missing,omitempty"`
	// MissingMust are the missing MUST requirements a client can provoke (the default gate).
	MissingMust []string `json:"missingMust,omitempty"`
}

// Reading is how the run read one of the docs' contradictions.
type Reading struct {
	ID      string `json:"id"`      // AMB.n
	Option  string `json:"option"`  // profile option name
	Value   string `json:"value"`   // the value in force
	Default string `json:"default"` // doc-strict's value
	Summary string `json:"summary"`
}

// LoadResults holds what the load probes measured.
type LoadResults struct {
	Throttle  *ThrottleResult  `json:"throttle,omitempty"`
	TaskLimit *TaskLimitResult `json:"taskLimit,omitempty"`
	Capacity  *CapacityResult  `json:"capacity,omitempty"`
}

// ThrottleResult is what the throttle probe measured, beside what the profile declared.
type ThrottleResult struct {
	DeclaredLimit      int             `json:"declaredLimit"`
	DeclaredWindow     time.Duration   `json:"declaredWindowNs"`
	MeasuredLimit      int             `json:"measuredLimit"`
	MeasuredConcurrent int             `json:"measuredConcurrent"`
	MeasuredWindow     time.Duration   `json:"measuredWindowNs"`
	WindowType         string          `json:"windowType"` // fixed, sliding, token-bucket, unknown
	RejectedCount      *bool           `json:"rejectedCount,omitempty"`
	Isolated           *bool           `json:"isolated,omitempty"`
	Timeline           []TimelinePoint `json:"timeline,omitempty"`
	Connections        *Connections    `json:"connections,omitempty"`
	// TimeScale is the target's platform seconds per real second (limits.timeScale) when its
	// clock is scaled, a test platform's; 0 for a real clock. The probe waits and measures in
	// real time, so DeclaredWindow, MeasuredWindow and the Timeline are real time; the Platform
	// windows are the same two in platform time, the time the docs' rule speaks of
	// (RULE.throttle: calls per 60 s).
	TimeScale              float64       `json:"timeScale,omitempty"`
	PlatformDeclaredWindow time.Duration `json:"platformDeclaredWindowNs,omitempty"`
	PlatformMeasuredWindow time.Duration `json:"platformMeasuredWindowNs,omitempty"`
}

// Scaled says whether the throttle was probed on a scaled clock, so that its windows have a
// platform-time reading beside the real-time one.
func (t *ThrottleResult) Scaled() bool { return t.TimeScale > 0 && t.TimeScale != 1 }

// Connections is how a probe reached the target and what its connections cost: the model
// (keep-alive, or new-connection: a new connection, and over TLS a full handshake, per
// request), the requests sent, the connections dialed and the TLS handshakes with their time.
type Connections struct {
	Model         string        `json:"model"`
	Requests      int64         `json:"requests"`
	Dials         int64         `json:"dials"`
	Handshakes    int64         `json:"tlsHandshakes"`
	HandshakeTime time.Duration `json:"tlsHandshakeTotalNs"`
	HandshakeMean time.Duration `json:"tlsHandshakeMeanNs"`
	Failed        int64         `json:"tlsHandshakesFailed,omitempty"`
}

// TimelinePoint is accepted and throttled calls in one time bucket of a probe.
type TimelinePoint struct {
	Offset    time.Duration `json:"offsetNs"`
	Accepted  int           `json:"accepted"`
	Throttled int           `json:"throttled"`
}

// TaskLimitResult is the outcome of the task-limit race.
type TaskLimitResult struct {
	Limit       int   `json:"limit"`
	Concurrency int   `json:"concurrency"`
	Runs        int   `json:"runs"`
	Admitted    []int `json:"admitted"` // per run
	Rejected    []int `json:"rejected"` // per run, answered 105001
	Other       []int `json:"other"`    // per run, anything else
	SlotReturn  *bool `json:"slotReturn,omitempty"`
	// Leftover are admitted tasks still unfinished when the race stopped waiting for them
	// (a target without a control API): they hold their app's slots until their timeout.
	Leftover    []string     `json:"leftover,omitempty"`
	Connections *Connections `json:"connections,omitempty"`
}

// CapacityResult is the capacity search: one step per attempted rate.
type CapacityResult struct {
	Operation    string         `json:"operation"`
	SLOp99       time.Duration  `json:"sloP99Ns"`
	MaxErrorRate float64        `json:"maxErrorRate"`
	Sustained    float64        `json:"sustainedRate"`
	Steps        []CapacityStep `json:"steps"`
	// Shards are the shards of a distributed search (batchcert merge); none for one process.
	Shards []CapacityShard `json:"shards,omitempty"`
	// ClockSpread is the largest difference between two shards' clock offsets.
	ClockSpread time.Duration `json:"clockSpreadNs,omitempty"`
	// Apps are the aliases of the apps the search loaded (a pool's, or the one app).
	Apps        []string     `json:"apps,omitempty"`
	Connections *Connections `json:"connections,omitempty"`
}

// CapacityShard is one shard of a distributed capacity search, as the merge found it.
type CapacityShard struct {
	Index    int      `json:"index"`
	Status   string   `json:"status"` // ok, failed, running (it died), missing
	Error    string   `json:"error,omitempty"`
	Apps     []string `json:"apps,omitempty"`
	Requests int      `json:"requests"`
	// ClockOffset is the target's clock minus the shard's, bounded from the target's Date
	// headers to ± ClockUncertainty; ClockMeasured is false when no answer carried one.
	ClockMeasured    bool          `json:"clockMeasured"`
	ClockOffset      time.Duration `json:"clockOffsetNs"`
	ClockUncertainty time.Duration `json:"clockUncertaintyNs"`
}

// CapacityStep is one rate step of a capacity search.
type CapacityStep struct {
	Rate      float64       `json:"rate"`
	Achieved  float64       `json:"achieved"`
	Requests  int           `json:"requests"`
	ErrorRate float64       `json:"errorRate"`
	P50       time.Duration `json:"p50Ns"`
	P90       time.Duration `json:"p90Ns"`
	P99       time.Duration `json:"p99Ns"`
	Max       time.Duration `json:"maxNs"`
	OK        bool          `json:"ok"`
	// Validated is how many answers were validated (spec, schema, error-body rules), and
	// Validation the time that took; HarnessCPU is the harness process's CPU time during the
	// step (load generation and validation together).
	Validated  int           `json:"validated,omitempty"`
	Validation time.Duration `json:"validationNs,omitempty"`
	HarnessCPU time.Duration `json:"harnessCpuNs,omitempty"`
}

// SelfTest is the kill matrix of a self-test run.
type SelfTest struct {
	CleanConformant bool        `json:"cleanConformant"`
	Faults          []FaultKill `json:"faults"`
}

// FaultKill says which checks caught one fault of the reference platform.
type FaultKill struct {
	Fault       string   `json:"fault"`
	Description string   `json:"description"`
	Killed      bool     `json:"killed"`
	CaughtBy    []string `json:"caughtBy,omitempty"`
	// Kills counts the independent checks that caught the fault: distinct failed MUST checks,
	// where GraphQL parity checks do not count for a fault of the REST API.
	Kills int `json:"kills"`
	// Observations counts the distinct answers (or bursts) among those checks: the checks of
	// one step judge one observation, so two tallies of one race are one observation. A fault
	// seen in only one observation has no second, independent witness.
	Observations int `json:"observations,omitempty"`
	// ShouldOnly says only SHOULD checks caught the fault (Kills counts those): it breaks a
	// recommendation of the docs' reading, not a MUST, so a platform with it stays CONFORMANT.
	ShouldOnly bool `json:"shouldOnly,omitempty"`
}
