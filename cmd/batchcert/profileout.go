package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/batchcert/batchcert/refplatform"
	"github.com/batchcert/batchcert/scenarios"
)

// servedProfile is the target profile of a reference platform served out of process, as a
// vendor would write it for their own platform: where it is, its CA, the roles of its
// applications (secrets as ${VAR} references), fixtures taken from the world it serves, and its
// declared limits. control is there only when the control API is on.
type servedProfile struct {
	world   *refplatform.World
	cfg     refplatform.Config
	url     string
	control string
	caFile  string
}

// secretVar is the environment variable a role's secret is read from.
func secretVar(role string) string {
	if role == "unauthorized" {
		role = "other" // the variable the README and the reference profile have always named
	}
	return "BATCHCERT_SECRET_" + strings.ToUpper(role)
}

// roles picks the world's applications for the profile's roles.
func (p servedProfile) roles() map[string]refplatform.App {
	out := map[string]refplatform.App{}
	used := map[string]bool{}
	pick := func(role string, ok func(a refplatform.App) bool) {
		for _, a := range p.world.Apps {
			if !used[a.ID] && ok(a) {
				out[role], used[a.ID] = a, true
				return
			}
		}
	}
	pick("primary", func(a refplatform.App) bool { return a.BatchRights && !a.Frozen && len(a.ActsFor) > 0 })
	if _, ok := out["primary"]; !ok {
		pick("primary", func(a refplatform.App) bool { return a.BatchRights && !a.Frozen })
	}
	prim := out["primary"]
	actsFor := map[string]bool{}
	for _, id := range prim.ActsFor {
		actsFor[id] = true
	}
	pick("secondary", func(a refplatform.App) bool { return actsFor[a.ID] && a.BatchRights && !a.Frozen })
	pick("unauthorized", func(a refplatform.App) bool { return !actsFor[a.ID] && a.BatchRights && !a.Frozen })
	pick("norights", func(a refplatform.App) bool { return !a.BatchRights && !a.Frozen })
	pick("frozen", func(a refplatform.App) bool { return a.Frozen })
	pick("load", func(a refplatform.App) bool { return !actsFor[a.ID] && a.BatchRights && !a.Frozen })
	if _, ok := out["load"]; !ok {
		// No app is left over: the unauthorized role's app takes the bursts (it acts for no
		// one, so using up its quota and slots spares primary's).
		if u, ok := out["unauthorized"]; ok {
			out["load"] = u
		}
	}
	return out
}

// roleOf is the first role that names the same application as role (whose variable it reads).
func roleOf(roles map[string]refplatform.App, role string) string {
	for _, r := range []string{"primary", "secondary", "unauthorized", "norights", "frozen", "load"} {
		if a, ok := roles[r]; ok && a.ID == roles[role].ID {
			return r
		}
	}
	return role
}

// fast reports whether a device finishes a command quickly: online, answering, first delivery.
func fast(d refplatform.Device) bool {
	return d.Online && d.DropFirst == 0 && d.Behaviour == refplatform.BehaviourSuccess && d.Latency <= 10*time.Second
}

func finishes(d refplatform.Device) bool {
	return d.Online && d.DropFirst == 0 && d.Behaviour != refplatform.BehaviourNoAnswer && d.Latency <= 10*time.Second
}

// render writes the profile as commented YAML.
func (p servedProfile) render() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# The target profile of a batchcert reference platform served out of process (batchcert serve")
	w("# -profile-out). Secrets are ${VAR} references: export each variable before a run.")
	w("name: reference-served")
	w("baseURL: %s", p.url)
	w("transport: rest")
	if p.caFile != "" {
		w("tls:")
		w("  caFile: %s   # the platform's certificate (reused across restarts with the same -tls dir)", p.caFile)
	}
	roles := p.roles()
	w("apps:")
	for _, role := range []string{"primary", "secondary", "unauthorized", "norights", "frozen", "load"} {
		if a, ok := roles[role]; ok {
			w("  %s: {appId: %s, secret: \"${%s}\"}", role, a.ID, secretVar(roleOf(roles, role)))
		}
	}
	w("fixtures:")
	var quick []string
	fail, noanswer, offline := "", "", ""
	for _, d := range p.world.Devices {
		if fast(d) && len(quick) < 3 {
			quick = append(quick, d.ID)
		}
		switch {
		case !d.Online && offline == "":
			offline = d.ID
		case d.Online && d.Behaviour == refplatform.BehaviourNoAnswer && noanswer == "":
			noanswer = d.ID
		case d.Online && d.Behaviour == refplatform.BehaviourFail && fail == "":
			fail = d.ID
		}
	}
	if len(quick) > 0 {
		w("  deviceIds: [%s]   # devices that answer fast: tasks on them finish in seconds", strings.Join(quick, ", "))
	}
	if fail != "" {
		w("  failDevice: %s", fail)
	}
	if noanswer != "" {
		w("  noanswerDevice: %s", noanswer)
	}
	if offline != "" {
		w("  offlineDevice: %s", offline)
	}
	// A device type and a location whose every device finishes fast.
	type key struct{ t, m, model string }
	byType, byLoc := map[key][]refplatform.Device{}, map[string][]refplatform.Device{}
	groups := map[string][]refplatform.Device{}
	groupID := map[string]string{}
	for _, d := range p.world.Devices {
		byType[key{d.DeviceType, d.ManufacturerID, d.Model}] = append(byType[key{d.DeviceType, d.ManufacturerID, d.Model}], d)
		byLoc[d.Location] = append(byLoc[d.Location], d)
		for i, g := range d.Groups {
			groups[g] = append(groups[g], d)
			if i < len(d.GroupIDs) {
				groupID[g] = d.GroupIDs[i]
			}
		}
	}
	allFinish := func(ds []refplatform.Device) bool {
		for _, d := range ds {
			if !finishes(d) {
				return false
			}
		}
		return len(ds) > 0
	}
	var types []key
	for k, ds := range byType {
		if allFinish(ds) {
			types = append(types, k)
		}
	}
	sort.Slice(types, func(i, j int) bool {
		return len(byType[types[i]]) > len(byType[types[j]]) || (len(byType[types[i]]) == len(byType[types[j]]) && types[i].t < types[j].t)
	})
	if len(types) > 0 {
		k := types[0]
		w("  deviceType: %s\n  manufacturerId: %s\n  model: %s", k.t, k.m, k.model)
	}
	var locs []string
	for l, ds := range byLoc {
		if allFinish(ds) && l != "" {
			locs = append(locs, l)
		}
	}
	sort.Strings(locs)
	if len(locs) == 0 {
		// No location where every device finishes fast: the one where most do (its task may
		// then last until its timeout).
		best, share := "", 0.0
		for _, l := range sortedKeys(byLoc) {
			c := 0
			for _, d := range byLoc[l] {
				if finishes(d) {
					c++
				}
			}
			if f := float64(c) / float64(len(byLoc[l])); l != "" && f > share {
				best, share = l, f
			}
		}
		if best != "" {
			locs = []string{best}
		}
	}
	if len(locs) > 0 {
		w("  location: %s", locs[0])
	}
	w("  serviceId: Switch   # the reference accepts any command of any service")
	w("  method: SET")
	bound := map[string]bool{}
	for _, t := range p.world.BoundTags {
		bound[t.Name] = true
	}
	var free []string
	for _, n := range p.world.TagNames {
		if !bound[n] {
			free = append(free, n)
		}
	}
	if len(free) > 0 {
		w("  tagName: %s", free[0])
	}
	if len(free) > 1 {
		w("  tagNames: [%s]   # registered tag names for tasks with several tags", strings.Join(free, ", "))
	}
	if len(p.world.BoundTags) > 0 {
		w("  boundTag: {name: %s, value: %s}", p.world.BoundTags[0].Name, p.world.BoundTags[0].Value)
	}
	var small, large string
	names := sortedKeys(groups)
	for _, g := range names {
		if allFinish(groups[g]) && (small == "" || len(groups[g]) > len(groups[small])) {
			small = g
		}
	}
	for _, g := range names {
		if g != small && (large == "" || len(groups[g]) > len(groups[large])) {
			large = g
		}
	}
	if small != "" || large != "" {
		w("  groups:")
		if small != "" {
			w("    small: {name: %s, id: %s, size: %d}   # every device finishes fast", small, groupID[small], len(groups[small]))
		}
		if large != "" {
			w("    large: {name: %s, id: %s, size: %d}", large, groupID[large], len(groups[large]))
		}
	}
	th := p.cfg.Throttle
	if th.Limit == 0 {
		th = refplatform.DefaultThrottle
	}
	taskLimit := p.cfg.TaskLimit
	if taskLimit == 0 {
		taskLimit = refplatform.DefaultTaskLimit
	}
	w("limits:")
	w("  throttle: {limit: %d, window: %gs}   # platform time", th.Limit, th.Window.Seconds())
	w("  taskLimit: %d", taskLimit)
	if ts := p.cfg.TimeScale; ts != 0 && ts != 1 {
		w("  timeScale: %g   # platform seconds per real second (served with -time-scale)", ts)
	}
	w("profile: doc-strict")
	w("graphql: {url: /graphql}")
	if p.control != "" {
		w("control:\n  url: %s", p.control)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeProfile writes the served profile to path and checks that batchcert reads it back.
func (p servedProfile) write(path string) error {
	text := p.render()
	if _, err := scenarios.ParseTarget(path, []byte(text)); err != nil {
		return fmt.Errorf("-profile-out: the profile written does not read back: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("-profile-out: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return fmt.Errorf("-profile-out: %w", err)
	}
	return os.Rename(tmp, path)
}
