package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

//go:embed scenario.schema.json
var scenarioSchemaJSON []byte

//go:embed suite/*.yaml
var suiteFS embed.FS

var scenarioSchema = sync.OnceValue(func() *gojsonschema.Schema {
	return mustSchema("scenario.schema.json", scenarioSchemaJSON)
})

// Scenario is one scenario file: a named list of steps with what it needs from the target.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Needs are fixtures and capabilities the scenario needs; a target without one of them makes
	// every check of the scenario SKIP, never pass.
	Needs    []string       `yaml:"needs"`
	Vars     map[string]any `yaml:"vars"`
	Setup    []Step         `yaml:"setup"`
	Steps    []Step         `yaml:"steps"`
	Teardown []Step         `yaml:"teardown"`
	// Lasting says the scenario's tasks last until their timeout: it runs after the others, so
	// that its tasks do not hold task slots the rest of the suite needs.
	Lasting bool `yaml:"lasting"`
	// File is where the scenario came from.
	File string `yaml:"-"`
}

// Step is one action: exactly one of Request, Poll, Concurrent, Control or Set.
type Step struct {
	Name       string            `yaml:"name"`
	Request    *Request          `yaml:"request"`
	Capture    map[string]string `yaml:"capture"`
	Expect     []Expect          `yaml:"expect"`
	Poll       *Poll             `yaml:"poll"`
	Concurrent *Concurrent       `yaml:"concurrent"`
	Control    *ControlStep      `yaml:"control"`
	// Set assigns templated values to variables.
	Set map[string]string `yaml:"set"`
	// Wait lets platform time pass: the reference's clock advances; on a target without control
	// in real-time mode the run waits (a scenario with a wait needs "time").
	Wait *Wait `yaml:"wait"`
}

// Wait is a step that lets Seconds of platform time pass; Seconds is a template.
type Wait struct {
	Seconds any `yaml:"seconds"`
	// Estimate is the platform seconds a run's plan counts for a wait whose seconds depend on
	// an answer the run has not had yet (a token's lifetime): the docs' value. Without it such
	// a wait counts nothing in the plan.
	Estimate int `yaml:"estimate"`
}

// Request is one HTTP request, made as one of the target's applications. Every string in it is
// a text/template over the scenario's variables.
type Request struct {
	As      string            `yaml:"as"` // app alias, primary by default
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Query   map[string]string `yaml:"query"`
	Headers map[string]string `yaml:"headers"`
	// OmitHeaders removes headers the client would set (e.g. app_key).
	OmitHeaders []string `yaml:"omitHeaders"`
	// OmitAuth sends neither app_key nor Authorization.
	OmitAuth bool `yaml:"omitAuth"`
	// Body is sent as JSON; string leaves are templates, and a leaf that is exactly "{{.v}}"
	// takes v's value with its type (a list stays a list).
	Body any `yaml:"body"`
	// Raw is sent as is (after templating), for malformed input.
	Raw *string `yaml:"raw"`
	// Form is sent as application/x-www-form-urlencoded (login).
	Form        map[string]string `yaml:"form"`
	ContentType string            `yaml:"contentType"`
	// Transport forces "rest" or "graphql" for this request, whatever the run's transport.
	Transport string `yaml:"transport"`
	// Pace false sends the request at once, outside the run's throttle budget: a step that
	// means to meet the throttle. It is still counted.
	Pace *bool `yaml:"pace"`
}

// Expect is one expectation on a response. Requirements are mandatory: every expectation says
// which catalog entries it proves.
type Expect struct {
	Name       string         `yaml:"name"`
	Status     int            `yaml:"status"`
	ErrorCode  string         `yaml:"errorCode"`
	Success    bool           `yaml:"success"`
	Schema     string         `yaml:"schema"`
	Invariants []string       `yaml:"invariants"`
	Fields     map[string]any `yaml:"fields"`
	Absent     []string       `yaml:"absent"`
	// OneOf asserts the value at each pointer is one of the listed values: every state the
	// rules allow for the platform time that passed between the calls.
	OneOf map[string][]any `yaml:"oneOf"`
	// Tolerate lists error codes that also pass: the request was valid and the platform's
	// state decided, e.g. a 1-character task name an earlier run used (105002).
	Tolerate []string `yaml:"tolerate"`
	// Each asserts, for the array at each pointer, that every element has the given values at
	// the given sub-pointers (a filter's answer holds only what it asked for).
	Each map[string]map[string]any `yaml:"each"`
	// Differs asserts the value at a pointer differs from a (templated) value.
	Differs map[string]string `yaml:"differs"`
	// Equals asserts the body equals a variable's value (a whole answer captured with "").
	Equals       *Equals  `yaml:"equals"`
	Requirements []string `yaml:"requirements"`
	// Readings are answers also allowed under a reading of the docs (readings.go).
	Readings []Alternative `yaml:"readings"`
}

// Equals names the variable a body must equal, member for member.
type Equals struct {
	Var string `yaml:"var"`
}

// Condition is what a poll waits for.
type Condition struct {
	Status int `yaml:"status"`
	// Success holds for a 200 answer that carries no error code (a create admitted).
	Success bool           `yaml:"success"`
	Fields  map[string]any `yaml:"fields"`
	// OneOf holds when the value at each pointer is one of the listed values.
	OneOf map[string][]any `yaml:"oneOf"`
}

// Poll repeats a request until a condition holds or the deadline passes.
type Poll struct {
	Request  Request   `yaml:"request"`
	Until    Condition `yaml:"until"`
	Interval string    `yaml:"interval"`
	Deadline string    `yaml:"deadline"`
	// Advance moves the reference clock this many seconds between attempts (needs clock).
	Advance     int `yaml:"advance"`
	MaxAttempts int `yaml:"maxAttempts"`
}

// Concurrent sends Count copies of a request at once; expectations count the answers.
type Concurrent struct {
	// Count is a number or a template ("{{add .throttleLimit 10}}"), at most maxConcurrent.
	Count   any     `yaml:"count"`
	Request Request `yaml:"request"`
	Expect  []Tally `yaml:"expect"`
}

// Tally expects the number of answers with a status and error code ("none": a success body) to
// lie in [Min, Max]; both are templates ("{{.taskLimit}}").
type Tally struct {
	Name         string   `yaml:"name"`
	Status       int      `yaml:"status"`
	ErrorCode    string   `yaml:"errorCode"`
	Min          string   `yaml:"min"`
	Max          string   `yaml:"max"`
	Requirements []string `yaml:"requirements"`
	// Readings are answers also counted under a reading of the docs (readings.go).
	Readings []Alternative `yaml:"readings"`
}

// ControlStep drives the reference platform: reset the world, advance its clock, inject a fault.
type ControlStep struct {
	Reset   bool   `yaml:"reset"`
	Advance int    `yaml:"advance"`
	Fault   *Fault `yaml:"fault"`
}

// Fault makes the reference platform answer the next Count calls of Operation with an error.
type Fault struct {
	Operation string `yaml:"operation" json:"operation"`
	Count     int    `yaml:"count" json:"count"`
	Status    int    `yaml:"status" json:"status"`
	Code      string `yaml:"code" json:"code"`
}

// ParseScenario validates data against scenario.schema.json and decodes it.
func ParseScenario(file string, data []byte) (*Scenario, error) {
	var s Scenario
	if err := validateYAML(file, data, scenarioSchema(), &s); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, &FileError{File: file, Err: err}
	}
	s.File = file
	return &s, nil
}

// check finds what the schema cannot: duplicate step names and bad durations.
func (s *Scenario) check() error {
	seen := map[string]bool{}
	for _, st := range s.all() {
		if seen[st.Name] {
			return fmt.Errorf("step %q: duplicate step name", st.Name)
		}
		seen[st.Name] = true
		if err := checkAlternatives(st); err != nil {
			return err
		}
		if p := st.Poll; p != nil {
			for _, d := range []string{p.Interval, p.Deadline} {
				if d == "" {
					continue
				}
				if _, err := time.ParseDuration(d); err != nil {
					return fmt.Errorf("step %q: poll: %w", st.Name, err)
				}
			}
		}
	}
	return nil
}

func (s *Scenario) all() []Step {
	out := append([]Step{}, s.Setup...)
	out = append(out, s.Steps...)
	return append(out, s.Teardown...)
}

// LoadScenarios reads every *.yaml file in dir.
func LoadScenarios(dir string) ([]*Scenario, error) {
	return loadFS(os.DirFS(dir), ".", dir)
}

// SuiteScenarios returns the embedded suite, in file-name order, without the generated ones.
func SuiteScenarios() ([]*Scenario, error) {
	return loadFS(suiteFS, "suite", "")
}

func loadFS(fsys fs.FS, dir, prefix string) ([]*Scenario, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	sort.Strings(names)
	var out []*Scenario
	seen := map[string]string{}
	for _, n := range names {
		file := n
		if prefix != "" {
			file = path.Join(prefix, strings.TrimPrefix(n, "./"))
		}
		data, err := readCapped(fsys, n, file, MaxScenarioBytes)
		if err != nil {
			return nil, fmt.Errorf("read scenario: %w", err)
		}
		s, err := ParseScenario(file, data)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[s.Name]; dup {
			return nil, &FileError{File: file, Field: "name", Err: fmt.Errorf("scenario %q also in %s", s.Name, other)}
		}
		seen[s.Name] = file
		out = append(out, s)
	}
	return out, nil
}
