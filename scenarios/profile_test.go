package scenarios

import (
	"context"
	"regexp"
	"testing"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

func TestLenientProfile(t *testing.T) {
	cases := []struct {
		name, reason string
		faults       []string
		run          string
	}{
		{"clean", "a conformant platform passes under the lenient profile too", nil, ".*"},
		{"taskId-lowercase", "lenient accepts create answering taskId (AMB.1)",
			[]string{refplatform.FaultCreateTaskIDLowercase}, "errors-query|happy-paths"},
		{"resultcode", "lenient accepts {resultcode, resultmsg} error bodies (AMB.7)",
			[]string{refplatform.FaultErrorBodyResultCode}, "errors-query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg := startReference(t, refplatform.WithFaults(tc.faults...))
			res, err := Check(context.Background(), Config{Target: tg, Profile: "lenient", Secrets: lookupSecret,
				Run: regexp.MustCompile("^(" + tc.run + ")$")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Profile != "lenient" {
				t.Errorf("results name profile %q", res.Profile)
			}
			for _, c := range res.Checks {
				if c.Outcome != batchcert.Pass {
					t.Errorf("%s: %s: %s: %s %v", tc.reason, c.ID, c.Outcome, c.Message, c.Violations)
				}
			}
		})
	}
}
