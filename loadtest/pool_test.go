package loadtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/refplatform"
)

// TestCapacityPool: a capacity step (poolApps: three apps of the reference world, each with
// its own throttle) whose rate is three apps' quotas together is split over a
// pool of the three, each with its own token and its own queried task, so that none is loaded
// past its throttle. The reference's clock stands still, so each app's window never refills:
// its limit caps every call it makes in the test, and any call past it would answer 403/1010009
// and count as an error. The same load on one app (over the throttle, allowed) is refused.
func TestCapacityPool(t *testing.T) {
	t.Parallel()
	const (
		quota = 50.0 // req/s per app, declared: 21 calls per 420 ms
		rate  = 3 * quota
		dur   = 400 * time.Millisecond // 60 queries: 20 per app, and the create of its task
	)
	throttle := refplatform.WithThrottle(refplatform.ThrottleConfig{Limit: 21, Window: 420 * time.Millisecond, Type: refplatform.ThrottleFixed})
	pool := []PoolApp{{Alias: "primary", Quota: quota}, {Alias: "secondary", Quota: quota}, {Alias: "other", Quota: quota}}
	cfg := CapacityConfig{Rates: []float64{rate}, StepDuration: dur, SLOp99: 10 * time.Second, Pool: pool}

	plan, err := DescribeCapacity(cfg)
	require.NoError(t, err)
	assert.Contains(t, plan.Steps[0], "other (33.3 %)", "the plan names the split")

	_, tgt, _ := startReference(t, throttle)
	tgt.Apps = poolApps
	res, _, err := SearchCapacity(context.Background(), tgt, cfg)
	require.NoError(t, err)
	require.Len(t, res.Steps, 1)
	assert.Equal(t, []string{"primary", "secondary", "other"}, res.Apps)
	st := res.Steps[0]
	// A slow machine may send fewer than the 60 planned within the step; never more.
	assert.LessOrEqual(t, st.Requests, 60, "the step's requests")
	assert.Zero(t, st.ErrorRate, "a call of the pool's was throttled: an app was loaded past its quota")

	// The control: the same 60 queries as one app (the pool's quota check overridden) are
	// throttled past its 21 calls.
	_, tgt, _ = startReference(t, throttle)
	tgt.Apps = poolApps
	one := cfg
	one.Pool, one.AllowOverThrottle = []PoolApp{{Alias: "primary", Quota: quota}}, true
	res, _, err = SearchCapacity(context.Background(), tgt, one)
	require.NoError(t, err)
	n := res.Steps[0].Requests
	if n <= 20 {
		t.Skipf("the shared machine was too slow to reach one app's limit: %d requests", n)
	}
	assert.InDelta(t, float64(n-20)/float64(n), res.Steps[0].ErrorRate, 1e-9, "one app: every call past its 21st (the create's included) throttled")

	// Past the pool's quotas without AllowOverThrottle: a usage error, before any call.
	over := cfg
	over.Rates = []float64{rate + 1}
	_, err = DescribeCapacity(over)
	var ee *batchcert.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, batchcert.ExitUsage, ee.Code)
	assert.True(t, errors.Is(err, ErrOverThrottle), "%v", err)
}

// TestCapacityPoolCreatePlan: a create search over a pool fits the task limit per app: the
// busiest app's part of the creates.
func TestCapacityPoolCreatePlan(t *testing.T) {
	t.Parallel()
	cfg := CapacityConfig{Operation: OpCreate, Rates: []float64{40}, StepDuration: 500 * time.Millisecond, TaskLimit: 10,
		Pool: []PoolApp{{Alias: "a"}, {Alias: "b"}}}
	_, err := DescribeCapacity(cfg)
	require.NoError(t, err, "20 creates over two apps: 10 each")
	cfg.Pool = cfg.Pool[:1]
	_, err = DescribeCapacity(cfg)
	assert.ErrorIs(t, err, ErrOverTaskLimit, "20 creates on one app")
}
