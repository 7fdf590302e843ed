package certsuite_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/certsuite"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// serveEnv makes the test binary a reference platform instead (its value: "clean" or a fault
// name), so the suite certifies it out of process, as a team's CI would a deployed platform.
const (
	serveEnv = "BATCHCERT_CERTSUITE_SERVE"
	faultEnv = "BATCHCERT_CERTSUITE_FAULT_URL"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(serveEnv); mode != "" {
		serve(mode)
		return
	}
	os.Exit(m.Run())
}

// serve runs the reference without its control API, time-scaled so the suite's waits are
// short, until stdin closes.
func serve(mode string) {
	opts := []refplatform.Option{refplatform.WithAddr("127.0.0.1:0"), refplatform.WithControlAddr(""), refplatform.WithTimeScale(timeScale)}
	if mode != "clean" {
		opts = append(opts, refplatform.WithFaults(mode))
	}
	srv, err := refplatform.New(opts...)
	if err == nil {
		err = srv.Open()
	}
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	fmt.Println("URL", srv.URL())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	_ = srv.Close()
}

const timeScale = 600

// startReference starts the reference in a child process and returns its target profile.
func startReference(t *testing.T, mode string) *scenarios.Target {
	t.Helper()
	child := exec.Command(os.Args[0], "-test.run", "^$")
	child.Env = append(os.Environ(), serveEnv+"="+mode)
	stdin, err := child.StdinPipe()
	require.NoError(t, err)
	out, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = stdin.Close(); _ = child.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "URL "), "reference child: %q", line)
	return referenceProfile(t, strings.TrimSpace(strings.TrimPrefix(line, "URL ")))
}

// referenceProfile is the target profile of the default world served at url, written as a
// team would for its platform (what batchcert serve -profile-out writes).
func referenceProfile(t *testing.T, url string) *scenarios.Target {
	t.Helper()
	yaml := fmt.Sprintf(`name: reference-out-of-process
baseURL: %s
transport: rest
profile: doc-strict
apps:
  primary: {appId: app-primary, secret: "${P}"}
  secondary: {appId: app-secondary, secret: "${S}"}
  unauthorized: {appId: app-other, secret: "${O}"}
  norights: {appId: app-norights, secret: "${N}"}
  frozen: {appId: app-frozen, secret: "${F}"}
  load: {appId: app-other, secret: "${O}"}
fixtures:
  deviceIds: [dev-trio-1, dev-trio-2, dev-sep-1]
  failDevice: dev-trio-3
  noanswerDevice: dev-sep-5
  offlineDevice: dev-sep-6
  deviceType: WaterMeter
  manufacturerId: acme
  model: WM-100
  location: lab-a
  serviceId: Switch
  method: SET
  tagName: floor
  boundTag: {name: region, value: eu-west}
  groups:
    small: {name: trio, id: grp-trio, size: 3}
    large: {name: septet, id: grp-septet, size: 7}
limits:
  throttle: {limit: 100, window: 1m}
  taskLimit: 10
  timeScale: %d
`, url, timeScale)
	target, err := scenarios.ParseTarget("reference.yaml", []byte(yaml))
	require.NoError(t, err)
	return target
}

var secrets = map[string]string{"P": "primary-secret", "S": "secondary-secret", "O": "other-secret", "N": "norights-secret", "F": "frozen-secret"}

func lookup(name string) (string, bool) { v, ok := secrets[name]; return v, ok }

// teamSuite is what a team writes: its suite embeds certsuite.Suite.
type teamSuite struct {
	certsuite.Suite
}

// TestTeamSuiteConformant: the clean reference, out of process and without its control API,
// passes every check of the testify suite (the scenarios needing clock control skip).
func TestTeamSuiteConformant(t *testing.T) {
	if testing.Short() {
		t.Skip("certifies a whole platform")
	}
	s := &teamSuite{}
	s.Target, s.Secrets = startReference(t, "clean"), lookup
	// Time-scaled and without clock control, the scenarios that wait for tasks to finish
	// skip, so the MUST coverage gate cannot hold in a test this short; every check that runs
	// must pass, and a run that checked nothing is still never conformant.
	s.Gate = batchcert.Gate{Coverage: batchcert.GateNone}
	suite.Run(t, s)
}

// TestTeamSuiteUnderFault: under a fault the team's go test fails, and the failure carries the
// evidence. The faulty run happens in a child go test (a failing subtest cannot be observed
// from inside its own test); this test reads the child's output.
func TestTeamSuiteUnderFault(t *testing.T) {
	if testing.Short() {
		t.Skip("certifies a whole platform")
	}
	if url := os.Getenv(faultEnv); url != "" {
		s := &teamSuite{}
		s.Target, s.Secrets = referenceProfile(t, url), lookup
		s.Scenarios = regexp.MustCompile(`^details-paging$`)
		suite.Run(t, s)
		return
	}
	target := startReference(t, "create-201")
	child := exec.Command(os.Args[0], "-test.run", "^TestTeamSuiteUnderFault$", "-test.v")
	child.Env = append(os.Environ(), faultEnv+"="+target.BaseURL)
	out, err := child.CombinedOutput()
	require.Error(t, err, "the team's go test passed against a faulty platform:\n%s", out)
	text := string(out)
	assert.Contains(t, text, "--- FAIL: TestTeamSuiteUnderFault/TestChecks/", "a failing check is a failing subtest")
	assert.Contains(t, text, "RSP.create.taskID", "the failure names the requirement the fault breaks")
	assert.Contains(t, text, "reproduce: curl", "the failure carries the evidence")
	assert.NotContains(t, text, "primary-secret", "secrets never appear")
}

// TestTeamSuiteWithProbes: with Load the team's suite runs the whole certify pipeline, the
// suite then the throttle probe, the task-limit race and a capacity step, and each probe's
// checks are subtests too; here on the embedded reference (its clock driven through the
// control API, so the probes take seconds).
func TestTeamSuiteWithProbes(t *testing.T) {
	if testing.Short() {
		t.Skip("certifies a whole platform")
	}
	p, err := certify.StartReference(refplatform.DefaultConfig())
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	s := &teamSuite{}
	s.Platform, s.Load = p, &certify.Load{}
	suite.Run(t, s)
	res := s.Results
	require.NotNil(t, res)
	require.NotNil(t, res.Load, "the probes did not run")
	assert.NotNil(t, res.Load.Throttle, "no throttle probe")
	assert.NotNil(t, res.Load.TaskLimit, "no task-limit race")
	assert.NotNil(t, res.Load.Capacity, "no capacity step")
	scenariosSeen := map[string]bool{}
	for _, c := range res.Checks {
		scenariosSeen[c.Scenario] = true
	}
	for _, sc := range []string{"load/throttle", "load/tasklimit", "load/capacity"} {
		assert.True(t, scenariosSeen[sc], "no check of %s among the subtests", sc)
	}
	assert.Equal(t, batchcert.Conformant, res.Verdict, "the clean reference with its probes: %v", res.VerdictReasons)
}
