package refplatform

import (
	"fmt"
	"strings"
	"testing"
)

func init() { moreDeviations = append(moreDeviations, multiDeviations) }

// threeDevices is a DeviceList param of three fast devices of the default world.
func threeDevices() map[string]any {
	return map[string]any{"type": "DeviceList", "deviceList": []string{"dev-lone", "dev-trio-1", "dev-trio-2"}}
}

// detailsSummary lists a details answer's totalCount and the device ids on the page.
func detailsSummary(t *testing.T, e *env, caller, rawQuery string) string {
	m := e.details(caller, rawQuery).json(t)
	var devs []string
	l, _ := m["taskDetails"].([]any)
	for _, s := range l {
		sm, _ := s.(map[string]any)
		p, _ := sm["param"].(map[string]any)
		devs = append(devs, fmt.Sprint(p["deviceId"]))
	}
	return fmt.Sprint(m["totalCount"], "[", strings.Join(devs, " "), "]")
}

func multiDeviations() []deviation {
	twoTags := func(b map[string]any) { b["tags"] = []Tag{{Name: "floor", Value: "3"}, {Name: "owner", Value: "ops"}} }
	return []deviation{
		{fault: FaultTagsFirstOnly, reason: "of two tags, select=tags answers the first, and the second pair stays free",
			observe: func(t *testing.T, e *env) string {
				b := taskBody("app-primary", "two-tags", nil)
				twoTags(b)
				id := e.mustCreate("app-primary", b)
				tags, _ := e.query("app-primary", id, "select=tags").json(t)["tags"].([]any)
				again := taskBody("app-primary", "second-tag-again", nil)
				again["tags"] = []Tag{{Name: "owner", Value: "ops"}}
				return fmt.Sprint(len(tags), " ", outcome(t, e.create("app-primary", again)))
			}, clean: "2 105201", faulty: "1 ok"},
		{fault: FaultDeviceListFirstTwo, reason: "a task on three listed devices has subtasks for the first two",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "three", threeDevices()))
				v := e.query("app-primary", id, "").json(t)
				p, _ := v["param"].(map[string]any)
				l, _ := p["deviceList"].([]any)
				return fmt.Sprint(len(l), " ", v["totalCnt"], " ", detailsSummary(t, e, "app-primary", "taskId="+id+"&deviceId=dev-trio-2"))
			}, clean: "3 3 1[dev-trio-2]", faulty: "3 2 0[]"},
		{fault: FaultDetailsLastPageDropped, reason: "3 subtasks in pages of 1: page 2 answers empty; in pages of 3, page 0 does",
			observe: func(t *testing.T, e *env) string {
				id := e.mustCreate("app-primary", taskBody("app-primary", "pages", threeDevices()))
				return detailsSummary(t, e, "app-primary", "pageSize=1&pageNo=1&taskId="+id) + " " +
					detailsSummary(t, e, "app-primary", "pageSize=1&pageNo=2&taskId="+id) + " " +
					detailsSummary(t, e, "app-primary", "pageSize=3&taskId="+id) + " " +
					detailsSummary(t, e, "app-primary", "pageSize=2&pageNo=1&taskId="+id)
			}, clean: "3[dev-trio-2] 3[dev-lone] 3[dev-trio-1 dev-trio-2 dev-lone] 3[dev-lone]",
			faulty: "3[dev-trio-2] 3[] 3[] 3[dev-lone]"},
		{fault: FaultTagBindingPerApp, reason: "a pair app-primary used is free for app-secondary; the world's bound pair stays bound",
			observe: func(t *testing.T, e *env) string {
				b := taskBody("app-primary", "mine", nil)
				b["tags"] = []Tag{{Name: "floor", Value: "7"}}
				e.mustCreate("app-primary", b)
				same := taskBody("app-primary", "mine-again", nil)
				same["tags"] = []Tag{{Name: "floor", Value: "7"}}
				other := taskBody("app-secondary", "theirs", nil)
				other["tags"] = []Tag{{Name: "floor", Value: "7"}}
				world := taskBody("app-secondary", "world", nil)
				world["tags"] = []Tag{{Name: "region", Value: "eu-west"}}
				return fmt.Sprint(outcome(t, e.create("app-primary", same)), " ", outcome(t, e.create("app-secondary", other)), " ",
					outcome(t, e.create("app-secondary", world)))
			}, clean: "105201 105201 105201", faulty: "105201 ok 105201"},
		{fault: FaultDetailsByTaskName, reason: "app-primary's task answers the subtasks of app-secondary's newer task of the same name",
			observe: func(t *testing.T, e *env) string {
				mine := e.mustCreate("app-primary", taskBody("app-primary", "twin", threeDevices()))
				theirs := e.mustCreate("app-secondary", taskBody("app-secondary", "twin", nil))
				return fmt.Sprint(e.query("app-primary", mine, "").json(t)["totalCnt"], " ",
					detailsSummary(t, e, "app-primary", "taskId="+mine), " ", detailsSummary(t, e, "app-secondary", "taskId="+theirs))
			}, clean: "3 3[dev-trio-1 dev-trio-2 dev-lone] 1[dev-lone]", faulty: "3 1[dev-lone] 1[dev-lone]"},
		{fault: FaultGroupListFirstOnly, reason: "a task on septet and trio (by name and by id) has subtasks on septet's devices only",
			observe: func(t *testing.T, e *env) string {
				byName := e.mustCreate("app-primary", taskBody("app-primary", "names", map[string]any{"type": "GroupList", "groupList": []string{"septet", "trio"}}))
				byID := e.mustCreate("app-primary", taskBody("app-primary", "ids", map[string]any{"type": "GroupIdList", "groupList": []string{"grp-septet", "grp-trio"}}))
				return fmt.Sprint(e.query("app-primary", byName, "").json(t)["totalCnt"], " ", e.query("app-primary", byID, "").json(t)["totalCnt"], " ",
					detailsSummary(t, e, "app-primary", "taskId="+byName+"&deviceId=dev-trio-1"))
			}, clean: "10 10 1[dev-trio-1]", faulty: "7 7 0[]"},
		{fault: FaultTagsByTaskName, reason: "app-primary's task answers the tags of app-secondary's newer task of the same name",
			observe: func(t *testing.T, e *env) string {
				mine := taskBody("app-primary", "twin", nil)
				mine["tags"] = []Tag{{Name: "floor", Value: "mine"}}
				theirs := taskBody("app-secondary", "twin", nil)
				theirs["tags"] = []Tag{{Name: "floor", Value: "theirs"}}
				id := e.mustCreate("app-primary", mine)
				other := e.mustCreate("app-secondary", theirs)
				return fmt.Sprint(e.query("app-primary", id, "select=tags").json(t)["tags"], " ",
					e.query("app-secondary", other, "select=tags").json(t)["tags"])
			}, clean: "[map[tagName:floor tagValue:mine]] [map[tagName:floor tagValue:theirs]]",
			faulty: "[map[tagName:floor tagValue:theirs]] [map[tagName:floor tagValue:theirs]]"},
	}
}
