package refplatform

import "slices"

// The multiplicity faults: deviations that only show with several tags on one task, a device
// list of more than two, a details page that ends exactly at the last subtask, or two
// applications' tasks side by side. A suite that uses one of each never sees them.
const (
	FaultTagsFirstOnly          = "tags-first-only"
	FaultDeviceListFirstTwo     = "devicelist-first-two"
	FaultDetailsLastPageDropped = "details-last-page-dropped"
	FaultTagBindingPerApp       = "tag-binding-per-app"
	FaultDetailsByTaskName      = "details-by-taskname"
	FaultTagsByTaskName         = "tags-by-taskname"
	FaultGroupListFirstOnly     = "grouplist-first-only"
)

// deviceListBatch is how many devices of a DeviceList fault devicelist-first-two fans out.
const deviceListBatch = 2

func init() {
	registerFaults(map[string]string{
		FaultTagsFirstOnly: "create keeps only the first TagDTO2 of its tags list: query with select=tags answers one tag, " +
			"and only the first pair is bound (RULE.tags-list, RULE.tags-bound)",
		FaultDeviceListFirstTwo: "a DeviceList task gets subtasks for the first 2 devices of its list only (the fan-out reads one " +
			"batch and never the next), while query echoes the whole list (RSP.query.totalCnt)",
		FaultDetailsLastPageDropped: "details answers the last page empty when totalCount is a multiple of pageSize " +
			"(an off-by-one in the page count) (FLD.details.pageNo)",
		FaultTagBindingPerApp: "a (tagName, tagValue) pair a task used is bound for its own application only: another " +
			"application may use it again (RULE.tags-bound: 'used on the platform')",
		FaultDetailsByTaskName: "details finds a task's subtasks by its taskName, which is unique per application only " +
			"(AMB.R9): two applications' tasks of one name share the subtasks of the newer one (RULE.task-isolation)",
		FaultGroupListFirstOnly: "a GroupList or GroupIdList task targets the devices of the first group of its list only " +
			"(the list read as one group), while query echoes the whole list (FLD.create.param.groupList)",
		FaultTagsByTaskName: "query with select=tags answers the tags of the newest task of the task's name, whichever " +
			"application's (a tag index keyed by taskName, unique per application only) (RULE.tags-list, RULE.task-isolation)",
	})
}

// multiFaults are the engine-level multiplicity faults in force, and what they keep.
type multiFaults struct {
	tagsFirstOnly, deviceListFirstTwo, groupListFirstOnly, tagsPerApp, detailsByName, tagsByName bool
	// appBound holds, under tag-binding-per-app, the pairs each application's tasks used.
	appBound map[string]map[Tag]bool
	// byName holds, under details-by-taskname or tags-by-taskname, the newest task of each
	// name, of any app.
	byName map[string]*task
}

// applyMultiFaults switches the engine's multiplicity faults on in a fresh state.
func (p *platform) applyMultiFaults(st *state) {
	st.engine.multi = multiFaults{
		tagsFirstOnly:      p.fault(FaultTagsFirstOnly),
		deviceListFirstTwo: p.fault(FaultDeviceListFirstTwo),
		groupListFirstOnly: p.fault(FaultGroupListFirstOnly),
		tagsPerApp:         p.fault(FaultTagBindingPerApp),
		detailsByName:      p.fault(FaultDetailsByTaskName),
		tagsByName:         p.fault(FaultTagsByTaskName),
		appBound:           map[string]map[Tag]bool{},
		byName:             map[string]*task{},
	}
}

// readTags is the tags list create reads: all of it, or its first entry under tags-first-only.
func (m *multiFaults) readTags(tags []Tag) []Tag {
	if m.tagsFirstOnly && len(tags) > 1 {
		return tags[:1]
	}
	return tags
}

// fanOut is the devices a task's subtasks go to: devs; under devicelist-first-two only those
// of the list's first two entries, under grouplist-first-only only those of its first group.
func (m *multiFaults) fanOut(p *taskParam, devs []*Device) []*Device {
	keep := func(d *Device) bool { return true }
	switch {
	case m.deviceListFirstTwo && p.Type == TypeDeviceList && p.DeviceList != nil && len(*p.DeviceList) > deviceListBatch:
		first := map[string]bool{}
		for _, id := range (*p.DeviceList)[:deviceListBatch] {
			first[id] = true
		}
		keep = func(d *Device) bool { return first[d.ID] }
	case m.groupListFirstOnly && (p.Type == TypeGroupList || p.Type == TypeGroupIDList) && p.GroupList != nil && len(*p.GroupList) > 1:
		first, gs := (*p.GroupList)[0], func(d *Device) []string { return d.Groups }
		if p.Type == TypeGroupIDList {
			gs = func(d *Device) []string { return d.GroupIDs }
		}
		keep = func(d *Device) bool { return slices.Contains(gs(d), first) }
	default:
		return devs
	}
	var out []*Device
	for _, d := range devs {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

// tagBound reports whether a create of app may not use the pair tg (AMB.R4): it is bound on
// the platform, or, under tag-binding-per-app, was used by one of app's tasks. The caller
// holds e.mu.
func (e *engine) tagBound(app string, tg Tag) bool {
	return e.bound[tg] || e.multi.appBound[app][tg]
}

// admitted records what admitting t binds beyond the task table: its tag pairs (AMB.R4;
// fault tag-pair-not-bound binds none, tag-binding-per-app binds them for t's app only), and
// under details-by-taskname or tags-by-taskname its name. The caller holds e.mu.
func (e *engine) admitted(t *task) {
	if e.multi.detailsByName || e.multi.tagsByName {
		e.multi.byName[t.name] = t
	}
	if e.tagsUnbound {
		return
	}
	for _, tg := range t.tags {
		if !e.multi.tagsPerApp {
			e.bound[tg] = true
			continue
		}
		if e.multi.appBound[t.app] == nil {
			e.multi.appBound[t.app] = map[Tag]bool{}
		}
		e.multi.appBound[t.app][tg] = true
	}
}

// detailsOf is the task whose subtasks details answers for t: t, or under details-by-taskname
// the newest task of t's name, whichever application's.
func (e *engine) detailsOf(t *task) *task {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := e.multi.byName[t.name]; e.multi.detailsByName && n != nil {
		return n
	}
	return t
}

// tagsOf is the tags query answers for t with select=tags: t's, or under tags-by-taskname
// those of the newest task of t's name, whichever application's.
func (e *engine) tagsOf(t *task) []Tag {
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := e.multi.byName[t.name]; e.multi.tagsByName && n != nil {
		return n.tags
	}
	return t.tags
}

// lastPageDropped reports whether, under details-last-page-dropped, page pageNo of n entries
// answers empty: it is the last page and n is a multiple of pageSize.
func (p *platform) lastPageDropped(pageNo, pageSize, n int) bool {
	return p.fault(FaultDetailsLastPageDropped) && n > 0 && n%pageSize == 0 && pageNo == n/pageSize-1
}
