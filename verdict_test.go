package batchcert_test

import (
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

func chk(id string, sev batchcert.Severity, o batchcert.Outcome) batchcert.Check {
	return batchcert.Check{ID: id, Severity: sev, Outcome: o, Message: "m"}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	pass := chk("a/pass", batchcert.Must, batchcert.Pass)
	covered := batchcert.Coverage{Requirements: batchcert.RequirementCoverage{Total: 2, Covered: 2}}
	mustGap := batchcert.Coverage{Requirements: batchcert.RequirementCoverage{Total: 3, Covered: 1,
		Missing: []string{"ERR.create.200.105001", "INV.monotonic"}, MissingMust: []string{"ERR.create.200.105001"}}}
	shouldGap := batchcert.Coverage{Requirements: batchcert.RequirementCoverage{Total: 3, Covered: 2,
		Missing: []string{"INV.monotonic"}}}
	cases := []struct {
		name   string
		res    batchcert.Results
		gate   batchcert.Gate
		want   batchcert.Verdict
		exit   batchcert.ExitCode
		reason string // a word every reason must carry
	}{
		{"all passed and covered", batchcert.Results{Checks: []batchcert.Check{pass}, Coverage: covered},
			batchcert.Gate{}, batchcert.Conformant, 0, ""},
		{"a MUST failure", batchcert.Results{Checks: []batchcert.Check{pass, chk("b/x", batchcert.Must, batchcert.Fail)}, Coverage: covered},
			batchcert.Gate{}, batchcert.Nonconformant, 1, "b/x"},
		{"a SHOULD failure is not a MUST failure", batchcert.Results{Checks: []batchcert.Check{pass, chk("b/x", batchcert.Should, batchcert.Fail)}, Coverage: covered},
			batchcert.Gate{}, batchcert.Conformant, 0, ""},
		{"a failure beats an interruption? no: an interrupted run is incomplete",
			batchcert.Results{Incomplete: true, IncompleteReason: "interrupted: signal", Checks: []batchcert.Check{chk("b/x", batchcert.Must, batchcert.Fail)}},
			batchcert.Gate{}, batchcert.Incomplete, 3, "signal"},
		{"errors only: the target was not reached", batchcert.Results{Checks: []batchcert.Check{pass, chk("c/e", batchcert.Must, batchcert.Errored)}, Coverage: covered},
			batchcert.Gate{}, batchcert.Incomplete, 3, "c/e"},
		{"a judged failure wins over harness errors", batchcert.Results{Checks: []batchcert.Check{chk("c/e", batchcert.Must, batchcert.Errored), chk("b/x", batchcert.Must, batchcert.Fail)}},
			batchcert.Gate{}, batchcert.Nonconformant, 1, "b/x"},
		{"everything skipped is never green", batchcert.Results{Checks: []batchcert.Check{chk("s/1", batchcert.Must, batchcert.Skip)}},
			batchcert.Gate{Coverage: batchcert.GateNone}, batchcert.NotCertified, 1, "nothing was checked"},
		{"no checks at all is never green", batchcert.Results{}, batchcert.Gate{Coverage: batchcert.GateNone}, batchcert.NotCertified, 1, "nothing"},
		{"not-run checks judged nothing", batchcert.Results{Checks: []batchcert.Check{chk("n/1", batchcert.Must, batchcert.NotRun)}},
			batchcert.Gate{Coverage: batchcert.GateNone}, batchcert.NotCertified, 1, "nothing"},
		{"a provocable MUST not exercised", batchcert.Results{Checks: []batchcert.Check{pass}, Coverage: mustGap},
			batchcert.Gate{}, batchcert.NotCertified, 1, "ERR.create.200.105001"},
		{"the gate can be lifted", batchcert.Results{Checks: []batchcert.Check{pass}, Coverage: mustGap},
			batchcert.Gate{Coverage: batchcert.GateNone}, batchcert.Conformant, 0, ""},
		{"a SHOULD gap passes the default gate", batchcert.Results{Checks: []batchcert.Check{pass}, Coverage: shouldGap},
			batchcert.Gate{}, batchcert.Conformant, 0, ""},
		{"gate all demands SHOULDs too", batchcert.Results{Checks: []batchcert.Check{pass}, Coverage: shouldGap},
			batchcert.Gate{Coverage: batchcert.GateAll}, batchcert.NotCertified, 1, "INV.monotonic"},
		{"declared exceptions are named", batchcert.Results{Checks: []batchcert.Check{pass, chk("k/1", batchcert.Must, batchcert.KnownFail)}, Coverage: covered},
			batchcert.Gate{}, batchcert.ConformantWithExceptions, 0, "k/1"},
		{"CI may fail on exceptions", batchcert.Results{Checks: []batchcert.Check{pass, chk("k/1", batchcert.Must, batchcert.KnownFail)}, Coverage: covered},
			batchcert.Gate{FailOnExceptions: true}, batchcert.ConformantWithExceptions, 1, "k/1"},
		{"a gap left for -max-wait names the -max-wait that fills it", batchcert.Results{Checks: []batchcert.Check{pass}, Coverage: mustGap, MaxWaitNeeded: 61 * time.Minute},
			batchcert.Gate{}, batchcert.NotCertified, 1, "-max-wait 1h1m to include"},
		{"exceptions do not hide a coverage gap", batchcert.Results{Checks: []batchcert.Check{chk("k/1", batchcert.Must, batchcert.KnownFail)}, Coverage: mustGap},
			batchcert.Gate{}, batchcert.NotCertified, 1, "not exercised"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.res
			d := r.Apply(tc.gate)
			if d.Verdict != tc.want || r.Verdict != tc.want {
				t.Fatalf("verdict %q (recorded %q), want %q; reasons %v", d.Verdict, r.Verdict, tc.want, d.Reasons)
			}
			if got := r.Verdict.ExitCode(*r.Gate); got != tc.exit {
				t.Errorf("exit %d, want %d", got, tc.exit)
			}
			if tc.reason != "" && !strings.Contains(strings.Join(d.Reasons, " "), tc.reason) {
				t.Errorf("reasons %q do not mention %q", d.Reasons, tc.reason)
			}
			if tc.want == batchcert.Conformant && len(d.Reasons) > 0 {
				t.Errorf("a clean verdict carries reasons %q", d.Reasons)
			}
		})
	}
}

func TestParseCoverageGate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]batchcert.CoverageGate{"": batchcert.GateProvocableMust, "must": batchcert.GateProvocableMust,
		"all": batchcert.GateAll, "none": batchcert.GateNone} {
		if got, err := batchcert.ParseCoverageGate(in); err != nil || got != want {
			t.Errorf("ParseCoverageGate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := batchcert.ParseCoverageGate("most"); err == nil || !strings.Contains(err.Error(), "most") {
		t.Errorf("an unknown gate: %v", err)
	}
}

func TestViolationsDedup(t *testing.T) {
	t.Parallel()
	v := func(req, ptr, msg string) batchcert.Violation {
		return batchcert.Violation{Source: "schema", Requirement: req, Pointer: ptr, Message: msg}
	}
	var vs batchcert.Violations
	for i := 0; i < 51; i++ {
		vs = append(vs, v("RSP.create.taskID", "/taskID", "taskID is required"), v("RSP.create.taskID", "/taskId", "not allowed"))
	}
	vs = append(vs, v("", "", "a"), v("", "", "b"), v("", "", "a"))
	got := vs.Dedup()
	want := []struct {
		ptr, msg string
		count    int
	}{{"/taskID", "taskID is required", 51}, {"/taskId", "not allowed", 51}, {"", "a", 2}, {"", "b", 0}}
	if len(got) != len(want) {
		t.Fatalf("dedup gives %d rows, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].Pointer != w.ptr || got[i].Message != w.msg || got[i].Count != w.count {
			t.Errorf("row %d: %+v, want %+v", i, got[i], w)
		}
	}
	if s := got[0].String(); !strings.Contains(s, "×51") {
		t.Errorf("a folded violation reads %q: no count", s)
	}
	if again := got.Dedup(); len(again) != len(got) || again[0].Count != 51 {
		t.Errorf("dedup is not idempotent: %v", again)
	}
}
