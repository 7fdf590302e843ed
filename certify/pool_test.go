package certify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/certify"
	"github.com/batchcert/batchcert/loadtest"
	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// poolPlatform is the reference as a real platform (its control API not used: real time, its
// 100-per-minute throttle per app) whose profile lists a pool of three of its apps.
func poolPlatform(t *testing.T) *certify.Platform {
	t.Helper()
	ref, err := certify.StartReference(refplatform.DefaultConfig())
	require.NoError(t, err)
	t.Cleanup(func() { _ = ref.Close() })
	target := *ref.Target
	target.Control = nil
	apps := target.Apps
	apps.Pool = []*scenarios.App{target.Apps.Primary, target.Apps.Secondary, target.Apps.Unauthorized}
	target.Apps = apps
	return &certify.Platform{Target: &target, Secrets: ref.Secrets}
}

// TestCapacityOverThePool: on a real platform the default capacity step runs at 90 % of the
// pool's declared throttle together, split across its apps so that none is loaded past its
// own: three apps carry 4.5 req/s where one app's quota is 1.67 req/s, and no call is
// throttled.
func TestCapacityOverThePool(t *testing.T) {
	if testing.Short() {
		t.Skip("a real-time capacity step")
	}
	t.Parallel()
	p := poolPlatform(t)
	res := certify.NewLoadResults(p, "load capacity")
	var progress strings.Builder
	require.NoError(t, certify.Probe(context.Background(), p, certify.ProbeCapacity, certify.Load{StepDuration: 2e9, SLOp99: 5e9, Progress: &progress}, res))
	c := res.Load.Capacity
	require.NotNil(t, c, "no capacity result:\n%s", progress.String())
	assert.ElementsMatch(t, []string{"pool.0", "pool.1", "pool.2"}, c.Apps, "the search loads the pool's apps")
	require.Len(t, c.Steps, 1)
	assert.InDelta(t, 4.5, c.Steps[0].Rate, 0.01, "90 %% of three apps' 100 per minute")
	assert.Zero(t, c.Steps[0].ErrorRate, "a call failed or was throttled within the pool's quotas:\n%s", progress.String())
	assert.Contains(t, progress.String(), "of the pool's 3 apps together")
	for _, ch := range res.Checks {
		assert.Equal(t, batchcert.Pass, ch.Outcome, "%s: %s", ch.ID, ch.Message)
	}
}

// TestCapacityPoolRefusals: a rate above the pool's quotas together is refused before any
// call unless AllowOverThrottle, with the reason, and a pool app whose secret is not set is a
// usage error naming it.
func TestCapacityPoolRefusals(t *testing.T) {
	t.Parallel()
	p := poolPlatform(t)
	res := certify.NewLoadResults(p, "load capacity")
	err := certify.Probe(context.Background(), p, certify.ProbeCapacity, certify.Load{Rates: []float64{10}}, res)
	require.Error(t, err, "10 req/s over three apps of 1.67 req/s each ran")
	assert.True(t, errors.Is(err, loadtest.ErrOverThrottle), "error %v: want ErrOverThrottle", err)
	_, err = certify.Plans(p.Target, false, certify.Load{Rates: []float64{10}, AllowOverThrottle: true})
	assert.NoError(t, err, "-allow-over-throttle goes past the quotas")

	target := *p.Target
	apps := target.Apps
	apps.Pool = append(append([]*scenarios.App{}, apps.Pool[:2]...), &scenarios.App{AppID: "app-other", Secret: "${BATCHCERT_TEST_POOL_UNSET}"})
	target.Apps = apps
	err = certify.CheckProfile(&target, p.Secrets)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "apps.pool.2.secret")
}
