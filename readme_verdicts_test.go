package batchcert

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEVerdictTable: the README's table lists every verdict, in the order of Verdicts, with
// the exit code ExitCode gives it under the default gate (and under -exceptions fail where that
// differs), so the table CI users read cannot drift from what the binary does.
func TestREADMEVerdictTable(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| ([A-Z][A-Z ]+) \\| ([^|]+) \\|")
	var got []Verdict
	exits := map[Verdict]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		v := Verdict(strings.TrimSpace(m[1]))
		got = append(got, v)
		exits[v] = strings.TrimSpace(m[2])
	}
	if len(got) != len(Verdicts) {
		t.Fatalf("README verdict rows %v, want %v", got, Verdicts)
	}
	for i, v := range Verdicts {
		if got[i] != v {
			t.Errorf("README row %d is %s, want %s", i, got[i], v)
		}
		want := exitText(v.ExitCode(Gate{}))
		if strict := v.ExitCode(Gate{FailOnExceptions: true}); strict != v.ExitCode(Gate{}) {
			want += " (" + exitText(strict) + " with `-exceptions fail`)"
		}
		if exits[v] != want {
			t.Errorf("README gives %s exit %q, ExitCode gives %q", v, exits[v], want)
		}
	}
}

func exitText(c ExitCode) string { return string(rune('0' + int(c))) }
