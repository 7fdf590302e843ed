package contracts

import (
	"encoding/json"
	"testing"
)

// FuzzContractParsers feeds hostile response bodies to every parser of outside input in the
// package: none may panic, and Normalize's output must be JSON whenever it rewrote anything.
func FuzzContractParsers(f *testing.F) {
	for _, seed := range []string{validTaskBody, `{"taskId":"t"}`, `{"resultcode":1010005,"resultmsg":"x"}`,
		`{"error_code":"1","error_desc":null}`, `{"startTime":1706745599000}`, `{"startTime":"2024-01-31T23:59:59Z"}`,
		`{`, `null`, `[]`, `"x"`, `{"tags":null}`, `{"param":{"type":"DeviceType"}}`} {
		f.Add([]byte(seed))
	}
	set, err := Schemas()
	if err != nil {
		f.Fatal(err)
	}
	strict, lenient := mustProfile(f, "doc-strict"), mustProfile(f, "lenient")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, name := range AllSchemas {
			_ = set.Validate(name, body)
			for _, p := range []Profile{strict, lenient} {
				out, applied := Normalize(p, name, body)
				if len(applied) > 0 && !json.Valid(out) {
					t.Fatalf("Normalize applied %v but produced invalid JSON %q", applied, out)
				}
				if len(applied) == 0 && string(out) != string(body) {
					t.Fatalf("Normalize applied nothing but changed the body")
				}
				_, _, _, _ = ParseError(p, body)
			}
		}
		if task, err := DecodeTask(body); err == nil {
			_ = CheckTask(lenient, Observation{Task: task, Raw: body, Sent: sentRequest(), SelectTags: true})
		}
	})
}
