package certify

import (
	"slices"
	"strings"
	"time"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/loadtest"
)

// ShardConfig is one shard of a distributed capacity search against p: the same capacity
// configuration as one process's (l), over the profile's pool of apps (PoolOf), each app's
// quota the declared throttle, writing its shard files to dir.
func ShardConfig(p *Platform, t loadtest.Target, l Load, index, count int, startAt time.Time, dir string) (loadtest.ShardConfig, error) {
	if l.Rates == nil {
		l.Rates = DefaultRates
	}
	cc, err := capacityConfig(p.Target, false, l)
	if err != nil {
		return loadtest.ShardConfig{}, err
	}
	cc.MaxRequests, cc.ResetBetweenSteps, cc.DeclaredThrottle, cc.Results = 0, false, 0, nil // the split holds each app to its quota
	return loadtest.ShardConfig{Capacity: cc, Index: index, Count: count, StartAt: startAt, Pool: PoolOf(p, t), Dir: dir,
		Describe: batchcert.Target{Name: p.Target.Name, URL: p.Target.BaseURL, Transport: "rest"},
		Profile:  p.Target.Profile}, nil
}

// PoolOf is the apps a sharded capacity search loads, each with the declared throttle as its
// quota: the profile's apps.pool when it lists one, else every app of t that may call the API
// (primary, secondary, then the others by alias).
func PoolOf(p *Platform, t loadtest.Target) []loadtest.PoolApp {
	if pool := profilePool(p.Target); len(pool) > 0 {
		return pool
	}
	quota := declaredRate(p.Target.Limits)
	var pool []loadtest.PoolApp
	for _, alias := range aliases(t.Apps) {
		pool = append(pool, loadtest.PoolApp{Alias: alias, Quota: quota})
	}
	return pool
}

// aliases orders apps: primary, secondary, then any others by name (the pool's apps left out).
func aliases(apps map[string]loadtest.App) []string {
	var rest []string
	for a := range apps {
		if a != "primary" && a != "secondary" && !strings.HasPrefix(a, "pool.") {
			rest = append(rest, a)
		}
	}
	slices.Sort(rest)
	var out []string
	for _, a := range append([]string{"primary", "secondary"}, rest...) {
		if _, ok := apps[a]; ok {
			out = append(out, a)
		}
	}
	return out
}
