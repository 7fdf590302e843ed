package contracts

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

// stdDecode is what DecodeBody must equal: encoding/json with UseNumber, nothing after the value.
func stdDecode(raw []byte) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		return nil, errors.New("trailing")
	}
	return v, nil
}

var decodeSeeds = []string{
	``, ` `, `null`, `true`, `false`, `0`, `-0`, `01`, `1.`, `.5`, `-`, `1e`, `1E+2`, `-1.5e-3`, `"x"`, `"a\"b"`, `"\u00e9"`,
	"\"\xff\"", "\"a\x01\"", `"é"`, `[]`, `[1,]`, `[1 2]`, `{}`, `{"a":1,}`, `{"a" 1}`, `{"a":1,"a":2}`, `{"a":[{"b":null}]}`,
	`{"a":1} x`, `{"a":1} `, "\ufeff{}", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`nul`, `tru`, `{"a":tru}`, `1 2`,
}

// FuzzDecodeBody holds the hand-written decoder to encoding/json: same value, same verdict.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	for _, s := range baseBodies {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		want, wantErr := stdDecode(raw)
		b := DecodeBody(raw)
		if (wantErr != nil) != (b.Err != nil) {
			t.Fatalf("%q: error %v, encoding/json %v", raw, b.Err, wantErr)
		}
		if !reflect.DeepEqual(b.Value, want) {
			t.Fatalf("%q: value %#v, encoding/json %#v", raw, b.Value, want)
		}
	})
}

// mutations are bodies derived from every schema's base body: each member, at every depth,
// replaced by each value of a palette chosen to sit on and across the schemas' bounds, or
// removed. They are the differential corpus for the fast paths.
func mutations(t testing.TB, name Schema) [][]byte {
	t.Helper()
	palette := []any{nil, "", "x", "Running", "DeviceList", "20240131T235959Z", strings.Repeat("é", 257),
		json.Number("-1"), json.Number("0"), json.Number("3"), json.Number("10"), json.Number("1000"), json.Number("1001"),
		json.Number("1.5"), json.Number("1e2"), json.Number("10.0"), json.Number("99999999999999999999"), true,
		[]any{}, []any{"a"}, []any{json.Number("1")}, map[string]any{}, map[string]any{"tagName": "a", "tagValue": "b"}}
	base, err := stdDecode([]byte(baseBodies[name]))
	if err != nil {
		t.Fatal(err)
	}
	out := [][]byte{[]byte(baseBodies[name])}
	add := func(v any) {
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, enc)
	}
	var walk func(path []any)
	walk = func(path []any) {
		cur := at(base, path)
		switch c := cur.(type) {
		case map[string]any:
			for k := range c {
				sub := append(append([]any{}, path...), k)
				add(replaced(base, sub, nil, true))
				for _, p := range palette {
					add(replaced(base, sub, p, false))
				}
				walk(sub)
			}
		case []any:
			for i := range c {
				sub := append(append([]any{}, path...), i)
				for _, p := range palette {
					add(replaced(base, sub, p, false))
				}
				walk(sub)
			}
		}
	}
	walk(nil)
	return out
}

func at(v any, path []any) any {
	for _, seg := range path {
		switch s := seg.(type) {
		case string:
			v = v.(map[string]any)[s]
		case int:
			v = v.([]any)[s]
		}
	}
	return v
}

// replaced returns a deep copy of doc with the member at path set to v (or deleted).
func replaced(doc any, path []any, v any, del bool) any {
	if len(path) == 0 {
		return v
	}
	switch d := doc.(type) {
	case map[string]any:
		m := make(map[string]any, len(d))
		for k, e := range d {
			m[k] = e
		}
		k := path[0].(string)
		if len(path) == 1 && del {
			delete(m, k)
		} else {
			m[k] = replaced(d[k], path[1:], v, del)
		}
		return m
	case []any:
		l := append([]any{}, d...)
		i := path[0].(int)
		l[i] = replaced(d[i], path[1:], v, del)
		return l
	}
	return doc
}

// TestFastAgreesWithGojsonschema: the fast check clears an answer only when gojsonschema, the
// validator of record, finds nothing in it; and it clears every valid base body, so the
// fast path is really taken.
func TestFastAgreesWithGojsonschema(t *testing.T) {
	t.Parallel()
	set := mustSchemas(t)
	for _, name := range AllSchemas {
		cleared, valid, total := 0, 0, 0
		for _, raw := range mutations(t, name) {
			b := DecodeBody(raw)
			res, err := set.compiled[name].Validate(gojsonschema.NewBytesLoader(raw))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			total++
			if res.Valid() {
				valid++
			}
			if set.fast[name].Valid(b.Value) {
				cleared++
				if !res.Valid() {
					t.Errorf("%s: the fast check clears %s, gojsonschema finds %v", name, raw, res.Errors())
				}
			}
		}
		if !set.fast[name].Valid(DecodeBody([]byte(baseBodies[name])).Value) {
			t.Errorf("%s: the fast check does not clear the valid base body", name)
		}
		t.Logf("%s: %d bodies, %d valid, %d cleared by the fast check", name, total, valid, cleared)
	}
}

// TestDecodeTaskBodyAgrees: reading a task from the decoded value gives exactly what
// encoding/json gives, and fails where it fails.
func TestDecodeTaskBodyAgrees(t *testing.T) {
	t.Parallel()
	extra := [][]byte{[]byte(`{"TASKID":"x"}`), []byte(`{"taskId":"a","taskid":"b"}`), []byte(`{"param":{"Command":{"serviceId":"s"}}}`),
		[]byte(`{"param":{"command":{"paras":{"a":[1,{"b":1e400}]}}}}`), []byte(`{"param":{"command":{"paras":{"a":[1,{"b":2.5}]}}}}`),
		[]byte(`{"timeout":99999999999999999999}`), []byte(`[]`), []byte(`null`)}
	for _, raw := range append(mutations(t, SchemaBatchTask), extra...) {
		want, wantErr := DecodeTask(raw)
		got, err := DecodeTaskBody(DecodeBody(raw))
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, DecodeTask %v", raw, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %#v\nwant %#v", raw, got, want)
		}
	}
}

// TestCanonicalMatchesJSON: the directly built JSON form of a Param is what a JSON round
// trip makes of it, so INV.echo compares as before.
func TestCanonicalMatchesJSON(t *testing.T) {
	t.Parallel()
	n := 0
	for _, raw := range mutations(t, SchemaCreateRequest) {
		var req CreateRequest
		if json.Unmarshal(raw, &req) != nil {
			continue
		}
		n++
		enc, _ := json.Marshal(req.Param)
		var want map[string]any
		_ = json.Unmarshal(enc, &want)
		if got := canonical(req.Param); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %#v\nwant %#v", raw, got, want)
		}
	}
	if n < 100 {
		t.Fatalf("only %d params compared", n)
	}
}
