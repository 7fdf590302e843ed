package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

// FileError is a problem with one input file (a target profile or a scenario): it names the
// file and, when known, the field.
type FileError struct {
	File  string // the file's path or embedded name
	Field string // the field, as gojsonschema names it ("apps.primary.appId"); empty if unknown
	Err   error
}

func (e *FileError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.File, e.Field, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// FileErrors is every problem found in one file.
type FileErrors []*FileError

func (es FileErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// validateYAML parses data as YAML, validates it against schema and decodes it into out, so a
// file is either fully valid or rejected with every field that is wrong.
func validateYAML(file string, data []byte, schema *gojsonschema.Schema, out any) error {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &FileError{File: file, Err: fmt.Errorf("parse yaml: %w", err)}
	}
	if doc == nil {
		return &FileError{File: file, Err: errors.New("empty document")}
	}
	res, err := schema.Validate(gojsonschema.NewGoLoader(jsonable(doc)))
	if err != nil {
		return &FileError{File: file, Err: fmt.Errorf("validate: %w", err)}
	}
	if !res.Valid() {
		var errs FileErrors
		for _, re := range res.Errors() {
			errs = append(errs, &FileError{File: file, Field: re.Field(), Err: errors.New(re.Description())})
		}
		sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
		return errs
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		return &FileError{File: file, Err: fmt.Errorf("decode: %w", err)}
	}
	return nil
}

// jsonable turns what yaml.v3 decodes into values gojsonschema accepts (map keys as strings).
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = jsonable(x)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = jsonable(x)
		}
		return s
	default:
		return v
	}
}

func mustSchema(name string, data []byte) *gojsonschema.Schema {
	s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(data))
	if err != nil {
		panic(fmt.Sprintf("embedded %s: %v", name, err))
	}
	return s
}
