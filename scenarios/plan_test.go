package scenarios

import (
	"strings"
	"testing"
	"time"
)

// TestPlanCountsTemplatedWaits: a wait whose seconds are a template over the target's values
// (quick-throttle's window) is rendered for the plan, and one that depends on an answer
// (tokens' expiresIn) counts its declared estimate; before, both counted nothing and the plan
// missed a token's hour.
func TestPlanCountsTemplatedWaits(t *testing.T) {
	t.Parallel()
	tg := ReferenceTarget()
	tg.Control = nil
	sel, err := ParseSelector("tokens")
	if err != nil {
		t.Fatal(err)
	}
	p, err := PlanRun(Config{Target: tg, Select: sel, RealTime: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.LongestWait != 3590*time.Second || !strings.HasPrefix(p.LongestStep, "tokens: ") {
		t.Errorf("longest wait %s at %q, want 59m50s in tokens", p.LongestWait, p.LongestStep)
	}
	if p.Parallel < p.LongestWait || p.Parallel > p.Expected {
		t.Errorf("parallel %s not between the longest wait %s and the sequential %s", p.Parallel, p.LongestWait, p.Expected)
	}
	w := &Wait{Seconds: "{{add .throttleWindow 1}}"}
	if got := plannedWait(w, targetVars(tg)); got != tg.Limits.ThrottleWindow()+time.Second {
		t.Errorf("a templated window wait plans %s, want %s", got, tg.Limits.ThrottleWindow()+time.Second)
	}
	if got := plannedWait(&Wait{Seconds: "{{.nosuch}}"}, targetVars(tg)); got != 0 {
		t.Errorf("an unknown template without an estimate plans %s, want 0", got)
	}
	if got := NeededMaxWait(10 * time.Second); got != 2*time.Minute {
		t.Errorf("NeededMaxWait(10s) = %s, want 2m", got)
	}
}
