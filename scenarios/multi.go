package scenarios

// Fixtures with multiplicity. A platform that keeps only the first of several tags, fans a
// device list out to its first few devices, drops a details page or lets two applications'
// tasks share state looks right to a suite that only ever uses one tag, one device, one page
// and one application. The multi-* scenarios use several of each; the needs here let a profile
// that declares fewer say so, and those scenarios are SKIPPED naming the missing fixture.

// multiNeedTexts say which fixture a multiplicity need stands for, for the SKIP reason.
var multiNeedTexts = map[string]string{
	"severalDevices": "severalDevices (fixtures.deviceIds with 2 to 250 devices: one details page holds them all)",
	"tagNames":       "tagNames (fixtures.tagNames with at least 2 registered tag names)",
}

// maxPageSize is details' largest pageSize (FLD.details.pageSize).
const maxPageSize = 250

// multiNeeds adds the multiplicity needs a target meets to has.
func multiNeeds(has map[string]bool, f Fixtures) {
	has["severalDevices"] = len(f.DeviceIDs) >= 2 && len(f.DeviceIDs) <= maxPageSize
	has["tagNames"] = len(f.TagNames) >= 2
}

// needText is a need as a SKIP reason names it.
func needText(n string) string {
	if t, ok := multiNeedTexts[n]; ok {
		return t
	}
	return n
}

// multiVars adds the multiplicity variables: tagNames (the list), deviceCount (how many
// deviceIds: the subtasks of a task on them), lastDeviceId (the last of them, which a
// first-element-only or truncating platform loses first) and lastDevicePage (the last page of
// such a task's details in pages of 1).
func multiVars(v vars, f Fixtures) {
	v["tagNames"] = toAny(f.TagNames)
	v["deviceCount"] = len(f.DeviceIDs)
	if n := len(f.DeviceIDs); n > 0 {
		v["lastDeviceId"], v["lastDevicePage"] = f.DeviceIDs[n-1], n-1
	}
}
