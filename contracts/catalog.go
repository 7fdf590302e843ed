package contracts

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/batchcert/batchcert"
)

//go:embed requirements.yaml
var catalogYAML []byte

// Kinds of requirement.
const (
	KindField     = "field"     // a request field constraint (FLD.*)
	KindResponse  = "response"  // a response field's presence, type and meaning (RSP.*)
	KindError     = "error"     // a documented error row (ERR.*)
	KindRule      = "rule"      // a behaviour rule (RULE.*)
	KindInvariant = "invariant" // a semantic invariant over a batch task (INV.*)
)

// Example macros in valid/invalid lists (see the head of requirements.yaml).
const (
	// Absent marks an example where the member is left out.
	Absent = "${absent}"
)

var repeatMacro = regexp.MustCompile(`^\$\{(.)\*([0-9]+)\}$`)

// idScheme is docs/design.md's requirement id scheme, one pattern per kind.
var idScheme = map[string]*regexp.Regexp{
	KindField:     regexp.MustCompile(`^FLD\.(create|query|details|login|refresh)\.[A-Za-z_][A-Za-z0-9_.]*$`),
	KindResponse:  regexp.MustCompile(`^RSP\.(create|query|details|login|refresh)\.[A-Za-z_][A-Za-z0-9_.]*$`),
	KindError:     regexp.MustCompile(`^ERR\.(create|query|details|login|refresh)\.[1-5][0-9][0-9]\.[0-9]+$`),
	KindRule:      regexp.MustCompile(`^RULE\.[a-z][a-z0-9-]*$`),
	KindInvariant: regexp.MustCompile(`^INV\.[A-Za-z][A-Za-z0-9-]*$`),
}

var ambiguityID = regexp.MustCompile(`^AMB\.(R?[1-9][0-9]*)$`)

// operationShort maps OpenAPI operationIds to the short names used in requirement ids.
var operationShort = map[string]string{
	"login":            "login",
	"refreshToken":     "refresh",
	"createBatchTask":  "create",
	"queryBatchTask":   "query",
	"queryTaskDetails": "details",
}

// Requirement is one entry of the catalog. Which fields are set depends on Kind.
type Requirement struct {
	ID       string             `yaml:"id" json:"id"`
	Kind     string             `yaml:"kind" json:"kind"`
	Severity batchcert.Severity `yaml:"severity" json:"severity"`
	Doc      string             `yaml:"doc" json:"doc"`
	Summary  string             `yaml:"summary" json:"summary"`

	// Operation is the OpenAPI operationId (field, response, error).
	Operation string `yaml:"operation,omitempty" json:"operation,omitempty"`
	// In is where a field travels: body, query, path, header or form.
	In string `yaml:"in,omitempty" json:"in,omitempty"`
	// Path is the dotted field path in the body ("param.command.serviceId"); array levels are
	// implicit ("tags.tagName" is every element's tagName).
	Path         string        `yaml:"path,omitempty" json:"path,omitempty"`
	Type         string        `yaml:"type,omitempty" json:"type,omitempty"`
	Required     bool          `yaml:"required,omitempty" json:"required,omitempty"`
	RequiredWhen *RequiredWhen `yaml:"requiredWhen,omitempty" json:"requiredWhen,omitempty"`
	MinLength    *int          `yaml:"minLength,omitempty" json:"minLength,omitempty"`
	MaxLength    *int          `yaml:"maxLength,omitempty" json:"maxLength,omitempty"`
	Minimum      *int          `yaml:"minimum,omitempty" json:"minimum,omitempty"`
	Maximum      *int          `yaml:"maximum,omitempty" json:"maximum,omitempty"`
	MinItems     *int          `yaml:"minItems,omitempty" json:"minItems,omitempty"`
	Pattern      string        `yaml:"pattern,omitempty" json:"pattern,omitempty"`
	Enum         []string      `yaml:"enum,omitempty" json:"enum,omitempty"`
	Default      any           `yaml:"default,omitempty" json:"default,omitempty"`
	// Valid and Invalid are example values, raw (with macros); see Examples.
	Valid   []any `yaml:"valid,omitempty" json:"valid,omitempty"`
	Invalid []any `yaml:"invalid,omitempty" json:"invalid,omitempty"`

	// Status, Code and Description are an error row's HTTP status, error_code and exact
	// error_desc (a meaning, not a text, when Paraphrase is set).
	Status      int    `yaml:"status,omitempty" json:"status,omitempty"`
	Code        string `yaml:"code,omitempty" json:"code,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Paraphrase  bool   `yaml:"paraphrase,omitempty" json:"paraphrase,omitempty"`
	// Trigger says how a client provokes the error, per docs/design.md's readings.
	Trigger string `yaml:"trigger,omitempty" json:"trigger,omitempty"`

	// Formula states an invariant.
	Formula string `yaml:"formula,omitempty" json:"formula,omitempty"`
}

// RequiredWhen makes a field mandatory when another field holds one of some values.
type RequiredWhen struct {
	Field  string   `yaml:"field" json:"field"`
	Values []string `yaml:"values" json:"values"`
}

// Example is one example value of a field, macros expanded.
type Example struct {
	// Absent is set when the example leaves the member out; Value is then nil.
	Absent bool
	Value  any
}

// Examples returns the entry's valid and invalid examples with macros expanded.
func (r Requirement) Examples() (valid, invalid []Example) {
	return expandAll(r.Valid), expandAll(r.Invalid)
}

func expandAll(vs []any) []Example {
	out := make([]Example, len(vs))
	for i, v := range vs {
		out[i] = expand(v)
	}
	return out
}

func expand(v any) Example {
	s, ok := v.(string)
	if !ok {
		return Example{Value: v}
	}
	if s == Absent {
		return Example{Absent: true}
	}
	if m := repeatMacro.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[2]) // the pattern admits digits only
		return Example{Value: strings.Repeat(m[1], n)}
	}
	return Example{Value: s}
}

// Short returns the short operation name used in ids ("create" for createBatchTask).
func (r Requirement) Short() string { return operationShort[r.Operation] }

// Schema returns the embedded JSON Schema that checks this entry's examples: the create
// request body for create's body fields, the operation's 200 body for response entries.
func (r Requirement) Schema() (Schema, bool) {
	switch {
	case r.Kind == KindField && r.Operation == "createBatchTask" && r.In == "body":
		return SchemaCreateRequest, true
	case r.Kind != KindResponse:
		return "", false
	}
	switch r.Operation {
	case "createBatchTask":
		return SchemaCreateResponse, true
	case "queryBatchTask":
		return SchemaBatchTask, true
	case "queryTaskDetails":
		return SchemaSubtaskPage, true
	case "login", "refreshToken":
		return SchemaLoginResponse, true
	}
	return "", false
}

// Ambiguity is one of the docs' contradictions or silent points, with the harness's reading.
type Ambiguity struct {
	ID      string `yaml:"id" json:"id"`
	Doc     string `yaml:"doc" json:"doc"`
	Summary string `yaml:"summary" json:"summary"`
	Reading string `yaml:"reading" json:"reading"`
	// Option is the profile option that may choose another reading; empty when fixed.
	Option  string   `yaml:"option" json:"option,omitempty"`
	Values  []string `yaml:"values" json:"values,omitempty"`
	Default string   `yaml:"default" json:"default,omitempty"`
	// Lenient is the value that accepts every defensible alternative (the lenient profile's).
	Lenient string `yaml:"lenient" json:"lenient,omitempty"`
	// Alternatives says, per value other than the default, what a platform answering that
	// reading does.
	Alternatives map[string]string `yaml:"alternatives" json:"alternatives,omitempty"`
}

// ProfileDef is a profile as the catalog states it; ProfileByName turns it into a Profile.
type ProfileDef struct {
	Name       string            `yaml:"name"`
	Default    bool              `yaml:"default"`
	Summary    string            `yaml:"summary"`
	Options    map[string]string `yaml:"options"`
	Throttle   ThrottleDef       `yaml:"throttle"`
	TaskLimit  int               `yaml:"taskLimit"`
	Leniencies []Leniency        `yaml:"leniencies"`
}

// ThrottleDef is a profile's declared throttle (reading AMB.9).
type ThrottleDef struct {
	Limit         int    `yaml:"limit"`
	Window        string `yaml:"window"`
	RejectedCount string `yaml:"rejectedCount"`
}

// Leniency is one named departure from doc-strict that a profile grants.
type Leniency struct {
	Name    string `yaml:"name" json:"name"`
	Option  string `yaml:"option" json:"option"`
	Summary string `yaml:"summary" json:"summary"`
}

// RequirementCatalog is the parsed, validated requirements.yaml.
type RequirementCatalog struct {
	Requirements []Requirement `yaml:"requirements"`
	Ambiguous    []Ambiguity   `yaml:"ambiguities"`
	Profiles     []ProfileDef  `yaml:"profiles"`

	byID map[string]int
}

var (
	catalogOnce sync.Once
	catalogVal  *RequirementCatalog
	catalogErr  error
)

// Catalog returns the embedded requirements catalog, parsed and validated on the first call.
func Catalog() (*RequirementCatalog, error) {
	catalogOnce.Do(func() { catalogVal, catalogErr = ParseCatalog(catalogYAML) })
	return catalogVal, catalogErr
}

// CatalogHash returns the hex SHA-256 of the embedded requirements.yaml, for results.json.
func CatalogHash() string {
	sum := sha256.Sum256(catalogYAML)
	return hex.EncodeToString(sum[:])
}

// ParseCatalog parses and validates a catalog document: ids unique and in docs/design.md's
// scheme, severities valid, error entries complete, profiles' options known. Its errors name
// the offending id. Catalog uses it on the embedded file; tests use it on broken ones.
func ParseCatalog(doc []byte) (*RequirementCatalog, error) {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	dec.KnownFields(true)
	var c RequirementCatalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse requirements catalog: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("requirements catalog: %w", err)
	}
	return &c, nil
}

func (c *RequirementCatalog) validate() error {
	c.byID = make(map[string]int, len(c.Requirements))
	for i, r := range c.Requirements {
		if err := r.validate(); err != nil {
			return fmt.Errorf("%s: %w", r.ID, err)
		}
		if _, dup := c.byID[r.ID]; dup {
			return fmt.Errorf("%s: duplicate id", r.ID)
		}
		c.byID[r.ID] = i
	}
	options := map[string]Ambiguity{}
	seen := map[string]bool{}
	for _, a := range c.Ambiguous {
		if !ambiguityID.MatchString(a.ID) {
			return fmt.Errorf("%s: ambiguity id not in the AMB.<n> / AMB.R<n> scheme", a.ID)
		}
		if seen[a.ID] {
			return fmt.Errorf("%s: duplicate id", a.ID)
		}
		seen[a.ID] = true
		if a.Summary == "" || a.Reading == "" {
			return fmt.Errorf("%s: summary and reading are required", a.ID)
		}
		if a.Option != "" {
			if !contains(a.Values, a.Default) {
				return fmt.Errorf("%s: default %q is not one of %v", a.ID, a.Default, a.Values)
			}
			if !contains(a.Values, a.Lenient) {
				return fmt.Errorf("%s: lenient value %q is not one of %v", a.ID, a.Lenient, a.Values)
			}
			for v := range a.Alternatives {
				if !contains(a.Values, v) {
					return fmt.Errorf("%s: alternative %q is not one of %v", a.ID, v, a.Values)
				}
			}
			options[a.Option] = a
		}
	}
	defaults := 0
	for _, p := range c.Profiles {
		if p.Default {
			defaults++
		}
		for opt, val := range p.Options {
			a, ok := options[opt]
			if !ok {
				return fmt.Errorf("profile %s: unknown option %q", p.Name, opt)
			}
			if !contains(a.Values, val) {
				return fmt.Errorf("profile %s: option %s=%q is not one of %v (%s)", p.Name, opt, val, a.Values, a.ID)
			}
		}
		for _, l := range p.Leniencies {
			if _, ok := options[l.Option]; !ok {
				return fmt.Errorf("profile %s: leniency %s names unknown option %q", p.Name, l.Name, l.Option)
			}
		}
	}
	if defaults != 1 {
		return fmt.Errorf("want exactly one default profile, have %d", defaults)
	}
	return nil
}

func (r Requirement) validate() error {
	re, ok := idScheme[r.Kind]
	if !ok {
		return fmt.Errorf("unknown kind %q", r.Kind)
	}
	if !re.MatchString(r.ID) {
		return fmt.Errorf("id does not match the %s id scheme %s", r.Kind, re)
	}
	if r.Severity != batchcert.Must && r.Severity != batchcert.Should {
		return fmt.Errorf("severity %q is neither MUST nor SHOULD", r.Severity)
	}
	if r.Doc == "" || r.Summary == "" {
		return fmt.Errorf("doc and summary are required")
	}
	switch r.Kind {
	case KindField, KindResponse:
		if r.Operation == "" || r.In == "" || r.Path == "" || r.Type == "" {
			return fmt.Errorf("a %s entry needs operation, in, path and type", r.Kind)
		}
	case KindError:
		if r.Operation == "" || r.Status == 0 || r.Code == "" || r.Description == "" {
			return fmt.Errorf("an error entry needs operation, status, code and description")
		}
		if want := fmt.Sprintf("ERR.%s.%d.%s", operationShort[r.Operation], r.Status, r.Code); want != r.ID {
			return fmt.Errorf("id disagrees with operation/status/code (want %s)", want)
		}
	case KindInvariant:
		if r.Formula == "" {
			return fmt.Errorf("an invariant needs a formula")
		}
	}
	if r.Operation != "" {
		short, ok := operationShort[r.Operation]
		if !ok {
			return fmt.Errorf("unknown operation %q", r.Operation)
		}
		if !strings.HasPrefix(r.ID, strings.SplitN(r.ID, ".", 2)[0]+"."+short+".") {
			return fmt.Errorf("id does not name operation %s (%s)", r.Operation, short)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Get returns the requirement with the given id.
func (c *RequirementCatalog) Get(id string) (Requirement, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Requirement{}, false
	}
	return c.Requirements[i], true
}

// IDs returns every requirement id in catalog order.
func (c *RequirementCatalog) IDs() []string {
	out := make([]string, len(c.Requirements))
	for i, r := range c.Requirements {
		out[i] = r.ID
	}
	return out
}

// OfKind returns the requirements of one kind, in catalog order.
func (c *RequirementCatalog) OfKind(kind string) []Requirement {
	return c.filter(func(r Requirement) bool { return r.Kind == kind })
}

// Errors returns the error rows (ERR.*): the (operation, status, code) triples the OpenAPI
// spec must document (MUST rows) or may document (SHOULD readings).
func (c *RequirementCatalog) Errors() []Requirement { return c.OfKind(KindError) }

// Fields returns the request field constraints (FLD.*).
func (c *RequirementCatalog) Fields() []Requirement { return c.OfKind(KindField) }

// Responses returns the response field entries (RSP.*).
func (c *RequirementCatalog) Responses() []Requirement { return c.OfKind(KindResponse) }

// Musts returns every MUST requirement.
func (c *RequirementCatalog) Musts() []Requirement {
	return c.filter(func(r Requirement) bool { return r.Severity == batchcert.Must })
}

// Ambiguities returns the docs' contradictions and the harness's readings.
func (c *RequirementCatalog) Ambiguities() []Ambiguity { return c.Ambiguous }

// Error returns the error row for an (operationId, HTTP status, error_code) triple.
func (c *RequirementCatalog) Error(operation string, status int, code string) (Requirement, bool) {
	return c.Get(fmt.Sprintf("ERR.%s.%d.%s", operationShort[operation], status, code))
}

// Description returns the documented error_desc of a code for an operation, whatever the
// status (the same code carries the same text on every status of one operation).
func (c *RequirementCatalog) Description(operation, code string) (string, bool) {
	for _, r := range c.Errors() {
		if r.Operation == operation && r.Code == code && !r.Paraphrase {
			return r.Description, true
		}
	}
	return "", false
}

func (c *RequirementCatalog) filter(keep func(Requirement) bool) []Requirement {
	var out []Requirement
	for _, r := range c.Requirements {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}
