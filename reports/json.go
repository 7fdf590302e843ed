package reports

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/batchcert/batchcert"
	"github.com/xeipuuv/gojsonschema"
)

// Schema is the JSON Schema (draft-07) of results.json, format version batchcert.ResultsVersion.
//
//go:embed results.schema.json
var Schema []byte

// MaxJSONSize bounds how much ReadJSON reads, so a hostile or corrupt file cannot exhaust memory.
const MaxJSONSize = 256 << 20

// WriteJSON writes r as indented JSON. An empty FormatVersion is written as
// batchcert.ResultsVersion, nil lists are written as empty arrays, so the output always
// validates against Schema, and evidence is redacted again (bearer tokens, token and secret
// fields). r itself is not modified.
func WriteJSON(w io.Writer, r *batchcert.Results) error {
	if r == nil {
		return errors.New("write results json: nil results")
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalized(r)); err != nil {
		return fmt.Errorf("write results json: %w", err)
	}
	return nil
}

// ReadJSON reads a results.json written by WriteJSON. It rejects a formatVersion other than
// batchcert.ResultsVersion, and a document that does not validate against Schema, with an error
// that says what is wrong.
func ReadJSON(r io.Reader) (*batchcert.Results, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxJSONSize+1))
	if err != nil {
		return nil, fmt.Errorf("read results json: %w", err)
	}
	if len(data) > MaxJSONSize {
		return nil, fmt.Errorf("read results json: larger than %d bytes", MaxJSONSize)
	}
	var probe struct {
		FormatVersion *string `json:"formatVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("read results json: %w", err)
	}
	switch {
	case probe.FormatVersion == nil:
		return nil, errors.New("read results json: no formatVersion: not a batchcert results file")
	case *probe.FormatVersion != batchcert.ResultsVersion:
		return nil, fmt.Errorf("read results json: unsupported formatVersion %q: this batchcert reads version %q",
			*probe.FormatVersion, batchcert.ResultsVersion)
	}
	if err := validate(data); err != nil {
		return nil, fmt.Errorf("read results json: %w", err)
	}
	var res batchcert.Results
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("read results json: %w", err)
	}
	return &res, nil
}

// compiledSchema is Schema, compiled once on first use.
var compiledSchema = sync.OnceValues(func() (*gojsonschema.Schema, error) {
	return gojsonschema.NewSchema(gojsonschema.NewBytesLoader(Schema))
})

// validate checks data against Schema and reports every violation (capped at ten).
func validate(data []byte) error {
	schema, err := compiledSchema()
	if err != nil {
		return fmt.Errorf("compile results.schema.json: %w", err)
	}
	result, err := schema.Validate(gojsonschema.NewBytesLoader(data))
	if err != nil {
		return fmt.Errorf("validate against schema: %w", err)
	}
	if result.Valid() {
		return nil
	}
	errs := result.Errors()
	msgs := make([]string, 0, len(errs))
	for i, e := range errs {
		if i == 10 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(errs)-10))
			break
		}
		msgs = append(msgs, e.String())
	}
	return fmt.Errorf("does not match results.schema.json: %s", strings.Join(msgs, "; "))
}

// normalized returns a copy of r with the format version set, nil lists made empty (which is
// what the schema requires) and evidence redacted. Only what it changes is copied.
func normalized(r *batchcert.Results) *batchcert.Results {
	c := *r
	if c.FormatVersion == "" {
		c.FormatVersion = batchcert.ResultsVersion
	}
	c.Checks = make([]batchcert.Check, len(r.Checks))
	for i, ch := range r.Checks {
		if ch.Requirements == nil {
			ch.Requirements = []string{}
		}
		if ch.Evidence != nil {
			ev := make([]batchcert.Evidence, len(ch.Evidence))
			for j, e := range ch.Evidence {
				// The script is kept as written: it carries no credential (the suite scrubs it),
				// and its "Bearer ${TOKEN_...}" must survive the bearer pattern.
				ev[j] = batchcert.Evidence{Request: redact(e.Request), Response: redact(e.Response), Curl: redact(e.Curl), Script: e.Script}
			}
			ch.Evidence = ev
		}
		c.Checks[i] = ch
	}
	c.Coverage.ErrorCodes = orEmpty(r.Coverage.ErrorCodes)
	if r.Load != nil {
		l := *r.Load
		if l.TaskLimit != nil {
			t := *l.TaskLimit
			t.Admitted, t.Rejected, t.Other = orEmpty(t.Admitted), orEmpty(t.Rejected), orEmpty(t.Other)
			l.TaskLimit = &t
		}
		if l.Capacity != nil {
			cp := *l.Capacity
			cp.Steps = orEmpty(cp.Steps)
			l.Capacity = &cp
		}
		c.Load = &l
	}
	if r.SelfTest != nil {
		s := *r.SelfTest
		s.Faults = orEmpty(s.Faults)
		c.SelfTest = &s
	}
	return &c
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
