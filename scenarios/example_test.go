package scenarios_test

import (
	"context"
	"fmt"
	"regexp"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// ExampleCheck certifies the reference platform with the embedded reference profile.
func ExampleCheck() {
	srv, err := refplatform.New()
	if err != nil {
		panic(err)
	}
	if err := srv.Open(); err != nil {
		panic(err)
	}
	defer srv.Close()
	target := scenarios.ReferenceTarget()
	target.BaseURL = srv.URL()
	target.Control = &scenarios.Control{URL: srv.ControlURL()}
	secrets := map[string]string{"BATCHCERT_SECRET_PRIMARY": "primary-secret", "BATCHCERT_SECRET_SECONDARY": "secondary-secret",
		"BATCHCERT_SECRET_OTHER": "other-secret"}
	res, err := scenarios.Check(context.Background(), scenarios.Config{
		Target:  target,
		Run:     regexp.MustCompile(`^errors-query$`),
		Secrets: func(name string) (string, bool) { s, ok := secrets[name]; return s, ok },
		// One scenario covers a part of the catalog; without this the verdict is NOT CERTIFIED.
		Gate: batchcert.Gate{Coverage: batchcert.GateNone},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Verdict, res.Checks[0].ID, res.Checks[0].Outcome)
	// Output: CONFORMANT errors-query/create a task/contract PASS
}
