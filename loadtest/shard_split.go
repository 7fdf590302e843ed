package loadtest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
)

// MaxShards bounds a distributed run's shard count.
const MaxShards = 1000

// PoolApp is one application a capacity search may load, with its declared quota.
type PoolApp struct {
	// Alias names the app in Target.Apps.
	Alias string
	// Quota is the rate the app may be loaded at, in requests per second (the declared
	// throttle: limit / window); zero declares none.
	Quota float64
}

// ShardApp is one app's part of a shard: the share of the search's total rate the shard sends
// as that app.
type ShardApp struct {
	Alias string  `json:"alias"`
	Share float64 `json:"share"`
}

// Split is a capacity search's pool split over its shards: Shards[i] are shard i's apps.
type Split struct {
	Shards [][]ShardApp
	// Shared names the apps that more than one shard loads (only with SplitOptions.ShareApps).
	Shared []string
}

// Share is the part of the total rate shard i sends.
func (s Split) Share(i int) float64 {
	var sum float64
	for _, a := range s.Shards[i] {
		sum += a.Share
	}
	return sum
}

// SplitOptions are the choices SplitPool leaves to the caller.
type SplitOptions struct {
	// AllowOverQuota lets the top rate exceed the pool's declared quotas (-allow-over-throttle).
	AllowOverQuota bool
	// ShareApps lets several shards load one app when there are more shards than apps. Each
	// shard logs in on its own, and a platform whose login supersedes the app's previous token
	// (AMB.R10, RULE.token-latest) then refuses all but the last shard's calls: set it only for
	// a platform whose tokens live side by side.
	ShareApps bool
}

// SplitPool splits a pool of apps over count shards so that no app is loaded above its quota
// in aggregate: every app gets a share of the total rate in proportion to its quota (equal
// shares when no app declares one), and each shard sends its apps' shares. With at least as
// many apps as shards every app stays whole on one shard (its own logins, its own tokens),
// balanced by quota; otherwise apps are cut across shards, which needs ShareApps. A top rate
// above the sum of the quotas is ErrOverThrottle unless AllowOverQuota. Errors are usage
// errors that name the app or the count.
func SplitPool(pool []PoolApp, count int, topRate float64, opt SplitOptions) (Split, error) {
	if count < 1 || count > MaxShards {
		return Split{}, batchcert.Usagef("shard split: %d shards: want 1..%d", count, MaxShards)
	}
	if len(pool) == 0 {
		return Split{}, batchcert.Usagef("shard split: no app to load")
	}
	seen := map[string]bool{}
	declared := 0
	var total float64
	for _, a := range pool {
		switch {
		case a.Alias == "":
			return Split{}, batchcert.Usagef("shard split: an app of the pool has no alias")
		case seen[a.Alias]:
			return Split{}, batchcert.Usagef("shard split: app %q listed twice", a.Alias)
		case a.Quota < 0 || math.IsNaN(a.Quota) || math.IsInf(a.Quota, 0):
			return Split{}, batchcert.Usagef("shard split: app %q: quota %v: want a positive rate, or 0 for none", a.Alias, a.Quota)
		}
		seen[a.Alias] = true
		if a.Quota > 0 {
			declared++
		}
		total += a.Quota
	}
	if declared != 0 && declared != len(pool) {
		return Split{}, batchcert.Usagef("shard split: %d of %d apps declare a quota: declare one for every app or for none", declared, len(pool))
	}
	weights := make([]float64, len(pool))
	for i, a := range pool {
		weights[i] = 1 / float64(len(pool))
		if declared > 0 {
			weights[i] = a.Quota / total
		}
	}
	if declared > 0 && topRate > total*(1+1e-9) && !opt.AllowOverQuota {
		return Split{}, batchcert.Usagef("shard split: %w: %.6g req/s is more than the %d apps' quotas allow together (%.6g req/s); add apps or set -allow-over-throttle",
			ErrOverThrottle, topRate, len(pool), total)
	}
	if count <= len(pool) {
		return wholeApps(pool, weights, count), nil
	}
	if !opt.ShareApps {
		return Split{}, batchcert.Usagef("shard split: %d shards but %d apps: each shard logs in on its own, and a login supersedes the app's earlier token (AMB.R10), so shards must not share an app; list at least %d apps", count, len(pool), count)
	}
	return cutApps(pool, weights, count), nil
}

// wholeApps gives each app to one shard: the largest share first, to the least loaded shard
// (lowest index on a tie), so the shards' rates differ by at most one app's share.
func wholeApps(pool []PoolApp, weights []float64, count int) Split {
	order := make([]int, len(pool))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(weights[b], weights[a]) })
	sp := Split{Shards: make([][]ShardApp, count)}
	load := make([]float64, count)
	for _, i := range order {
		least := 0
		for s := range load {
			if load[s] < load[least]-1e-12 {
				least = s
			}
		}
		load[least] += weights[i]
		sp.Shards[least] = append(sp.Shards[least], ShardApp{Alias: pool[i].Alias, Share: weights[i]})
	}
	return sp
}

// cutApps lays the apps' shares end to end on [0, 1) and gives shard i the interval
// [i/count, (i+1)/count): equal rates, apps cut where the intervals cut them.
func cutApps(pool []PoolApp, weights []float64, count int) Split {
	sp := Split{Shards: make([][]ShardApp, count)}
	users := map[string]int{}
	var at float64
	for i, a := range pool {
		lo, hi := at, at+weights[i]
		at = hi
		for s := 0; s < count; s++ {
			slo, shi := float64(s)/float64(count), float64(s+1)/float64(count)
			if part := math.Min(hi, shi) - math.Max(lo, slo); part > 1e-12 {
				sp.Shards[s] = append(sp.Shards[s], ShardApp{Alias: a.Alias, Share: part})
				users[a.Alias]++
			}
		}
	}
	for _, a := range pool {
		if users[a.Alias] > 1 {
			sp.Shared = append(sp.Shared, a.Alias)
		}
	}
	return sp
}

// String says which shard loads which apps, e.g. for the plan.
func (s Split) String() string {
	var b strings.Builder
	for i, apps := range s.Shards {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "shard %d:", i)
		for _, a := range apps {
			fmt.Fprintf(&b, " %s %.3g %%", a.Alias, 100*a.Share)
		}
	}
	if len(s.Shared) > 0 {
		fmt.Fprintf(&b, " (shared by several shards: %s)", strings.Join(s.Shared, ", "))
	}
	return b.String()
}

// weightedTargeter interleaves the targeters of a shard's apps in proportion to their shares
// (smooth weighted round robin: deterministic, and no app runs ahead of its share by more than
// one request). vegeta calls a targeter from every worker, hence the lock.
type weightedTargeter struct {
	mu      sync.Mutex
	tr      []vegeta.Targeter
	weights []float64
	current []float64
}

func newWeightedTargeter(tr []vegeta.Targeter, weights []float64) vegeta.Targeter {
	if len(tr) == 1 {
		return tr[0]
	}
	w := &weightedTargeter{tr: tr, weights: weights, current: make([]float64, len(tr))}
	return w.next
}

func (w *weightedTargeter) next(t *vegeta.Target) error {
	w.mu.Lock()
	var sum float64
	best := 0
	for i, wt := range w.weights {
		w.current[i] += wt
		sum += wt
		if w.current[i] > w.current[best] {
			best = i
		}
	}
	w.current[best] -= sum
	tr := w.tr[best]
	w.mu.Unlock()
	return tr(t)
}
