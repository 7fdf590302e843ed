package contracts

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/batchcert/batchcert"
)

// SourceInvariant is the Violation.Source of an invariant violation.
const SourceInvariant = "invariant"

// StartTimeTolerance is how far startTime may lie from when create was called (INV.startTime):
// clocks of harness and platform differ, and the platform may stamp the task late.
const StartTimeTolerance = 10 * time.Minute

var compactTime = regexp.MustCompile(`^\d{8}T\d{6}Z$`)

var epochMillis = regexp.MustCompile(`^[0-9]{10,16}$`)

// CheckTask checks every INV.* invariant of a queried task under the profile's readings and
// returns every violation, each naming its INV.* requirement id and a JSON pointer.
func CheckTask(p Profile, o Observation) batchcert.Violations {
	c := checker{p: p, o: o, t: o.Task}
	c.hasTags = c.tagsPresent()
	c.completeCnt()
	c.rates()
	c.countersBounded()
	c.previous()
	c.finalState()
	c.tagsSelect()
	c.taskFrom()
	c.startTime()
	c.startTimeCreated()
	c.echo()
	return c.out
}

type checker struct {
	p   Profile
	o   Observation
	t   BatchTask
	out batchcert.Violations
	// hasTags is whether the body carries tags (from Raw when given).
	hasTags bool
}

func (c *checker) add(req, pointer, format string, args ...any) {
	c.out = append(c.out, batchcert.Violation{
		Source: SourceInvariant, Operation: "queryBatchTask", Requirement: req,
		Pointer: pointer, Message: fmt.Sprintf(format, args...),
	})
}

func (c *checker) completeCnt() {
	t := c.t
	sum := t.SuccessCnt + t.FailCnt + t.TimeoutCnt
	withExpired := sum + t.ExpiredCnt
	excluded, included := c.completeReadings()
	switch {
	case excluded && t.CompleteCnt == sum, included && t.CompleteCnt == withExpired:
		return
	case included && !excluded:
		c.add("INV.completeCnt", "/completeCnt", "completeCnt is %d, want successCnt %d + failCnt %d + timeoutCnt %d + expiredCnt %d = %d (reading AMB.R16 completeCnt %s)",
			t.CompleteCnt, t.SuccessCnt, t.FailCnt, t.TimeoutCnt, t.ExpiredCnt, withExpired, c.p.Value(ReadingCompleteCnt))
	default:
		want := fmt.Sprint(sum)
		if included {
			want = fmt.Sprintf("%d (or %d with expiredCnt %d, reading AMB.R16 completeCnt %s)", sum, withExpired, t.ExpiredCnt, c.p.Value(ReadingCompleteCnt))
		}
		refusal := ""
		if t.ExpiredCnt > 0 && t.CompleteCnt == withExpired {
			refusal = c.refused(ReadingCompleteCnt, CompleteCntIncluded)
		}
		c.add("INV.completeCnt", "/completeCnt", "completeCnt is %d, want successCnt %d + failCnt %d + timeoutCnt %d = %s%s",
			t.CompleteCnt, t.SuccessCnt, t.FailCnt, t.TimeoutCnt, want, refusal)
	}
}

// completeReadings says which counts of completeCnt the profile accepts (AMB.R16): the
// completeCnt row's (excluded) and the query example's, with the expired subtasks (included).
// A profile built without the catalog's readings takes the row's.
func (c *checker) completeReadings() (excluded, included bool) {
	excluded, included = c.p.Accepts(ReadingCompleteCnt, CompleteCntExcluded), c.p.Accepts(ReadingCompleteCnt, CompleteCntIncluded)
	if !excluded && !included {
		excluded = true
	}
	return excluded, included
}

// scales returns the rate scales the profile accepts (AMB.3).
func (c *checker) scales() []int {
	switch c.p.RateScale {
	case "percent":
		return []int{100}
	case Either:
		return []int{1000, 100}
	}
	return []int{1000}
}

func rate(num, den, scale int) int {
	if den <= 0 {
		return 0
	}
	return num * scale / den // non-negative operands: integer division rounds down
}

func (c *checker) rates() {
	t := c.t
	var progress []int
	for _, s := range c.scales() {
		progress = append(progress, rate(t.CompleteCnt, t.TotalCnt, s))
	}
	if !containsInt(progress, t.Progress) {
		c.add("INV.progress", "/progress", "progress is %d, want %s of completeCnt %d over totalCnt %d, rounded down (reading AMB.3 rateScale %s%s)",
			t.Progress, alternatives(progress), t.CompleteCnt, t.TotalCnt, c.p.RateScale, c.refused(ReadingRateScale, percentOnly(t.Progress, progress, rate(t.CompleteCnt, t.TotalCnt, 100))))
	}
	dens := map[string]int{"totalCnt": t.TotalCnt}
	switch c.p.SuccessRateDenominator {
	case "complete":
		dens = map[string]int{"completeCnt": t.CompleteCnt}
	case Either:
		dens["completeCnt"] = t.CompleteCnt
	}
	var want []int
	for _, s := range c.scales() {
		for _, d := range dens {
			want = append(want, rate(t.SuccessCnt, d, s))
		}
	}
	if !containsInt(want, t.SuccessRate) {
		c.add("INV.successRate", "/successRate", "successRate is %d, want %s: successCnt %d over totalCnt %d (completeCnt %d), rounded down (readings AMB.3 rateScale %s, AMB.5 denominator %s%s)",
			t.SuccessRate, alternatives(want), t.SuccessCnt, t.TotalCnt, t.CompleteCnt, c.p.RateScale, c.p.SuccessRateDenominator, c.successRateRefusal())
	}
}

func alternatives(vs []int) string {
	sort.Ints(vs)
	s := ""
	for i, v := range vs {
		if i > 0 && v == vs[i-1] {
			continue
		}
		if s != "" {
			s += " or "
		}
		s += strconv.Itoa(v)
	}
	return s
}

func containsInt(vs []int, v int) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

type counter struct {
	name string
	val  int
}

func counters(t BatchTask) []counter {
	return []counter{{"successCnt", t.SuccessCnt}, {"failCnt", t.FailCnt}, {"timeoutCnt", t.TimeoutCnt},
		{"expiredCnt", t.ExpiredCnt}, {"completeCnt", t.CompleteCnt}}
}

func (c *checker) countersBounded() {
	t := c.t
	if t.TotalCnt < 0 {
		c.add("INV.counters-bounded", "/totalCnt", "totalCnt is negative (%d)", t.TotalCnt)
	}
	for _, k := range counters(t) {
		if k.val < 0 || k.val > t.TotalCnt {
			c.add("INV.counters-bounded", "/"+k.name, "%s is %d, outside 0..totalCnt %d", k.name, k.val, t.TotalCnt)
		}
	}
	if sum := t.SuccessCnt + t.FailCnt + t.TimeoutCnt + t.ExpiredCnt; sum > t.TotalCnt {
		c.add("INV.counters-bounded", "", "successCnt + failCnt + timeoutCnt + expiredCnt = %d exceeds totalCnt %d", sum, t.TotalCnt)
	}
}

var statusRank = map[string]int{StatusPending: 0, StatusRunning: 1, StatusComplete: 2, StatusTimeout: 2}

func (c *checker) previous() {
	prev := c.o.Prev
	if prev == nil {
		return
	}
	t := c.t
	now := append(counters(t), counter{"totalCnt", t.TotalCnt}, counter{"progress", t.Progress})
	was := append(counters(*prev), counter{"totalCnt", prev.TotalCnt}, counter{"progress", prev.Progress})
	for i := range now {
		if now[i].val < was[i].val {
			c.add("INV.monotonic", "/"+now[i].name, "%s went down from %d to %d", now[i].name, was[i].val, now[i].val)
		}
	}
	r0, ok0 := statusRank[prev.Status]
	r1, ok1 := statusRank[t.Status]
	switch {
	case !ok0 || !ok1 || prev.Status == t.Status:
	case r1 < r0:
		c.add("INV.status-moves", "/status", "status went back from %s to %s", prev.Status, t.Status)
	case r0 == 2:
		c.add("INV.status-moves", "/status", "final status %s changed to %s", prev.Status, t.Status)
	}
}

func (c *checker) finalState() {
	t := c.t
	switch t.Status {
	case StatusComplete:
		if t.CompleteCnt != t.TotalCnt || t.ExpiredCnt != 0 {
			c.add("INV.final-state", "/status", "status Complete with completeCnt %d of totalCnt %d and expiredCnt %d; want every subtask complete and none expired",
				t.CompleteCnt, t.TotalCnt, t.ExpiredCnt)
		}
	case StatusTimeout:
		excluded, included := c.completeReadings()
		switch {
		case excluded && t.CompleteCnt+t.ExpiredCnt == t.TotalCnt, included && t.CompleteCnt == t.TotalCnt:
		case included && !excluded:
			c.add("INV.final-state", "/status", "status Timeout with completeCnt %d != totalCnt %d (reading AMB.R16 completeCnt %s: the expired are counted)",
				t.CompleteCnt, t.TotalCnt, c.p.Value(ReadingCompleteCnt))
		default:
			c.add("INV.final-state", "/status", "status Timeout with completeCnt %d + expiredCnt %d != totalCnt %d",
				t.CompleteCnt, t.ExpiredCnt, t.TotalCnt)
		}
	}
}

// tagsPresent reports whether the body carries a non-null tags member, from Raw when given.
func (c *checker) tagsPresent() bool {
	if c.o.Doc != nil {
		v, ok := c.o.Doc["tags"]
		return ok && v != nil
	}
	if c.o.Raw == nil {
		return c.t.Tags != nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(c.o.Raw, &m); err != nil {
		return c.t.Tags != nil
	}
	v, ok := m["tags"]
	return ok && string(v) != "null"
}

func (c *checker) tagsSelect() {
	present := c.hasTags
	switch {
	case !c.o.SelectTags && present:
		c.add("INV.tags-select", "/tags", "tags present although the query did not ask select=tags")
	case c.o.SelectTags && !present && c.o.Sent != nil && len(c.o.Sent.Tags) > 0:
		c.add("INV.tags-select", "/tags", "select=tags asked, the task was created with %d tags, but tags are absent", len(c.o.Sent.Tags))
	}
}

func (c *checker) taskFrom() {
	if c.t.TaskFrom != "Northbound" {
		c.add("INV.taskFrom", "/taskFrom", "taskFrom is %q, want \"Northbound\" for a task created through the API", c.t.TaskFrom)
	}
}

func (c *checker) startTime() {
	s := c.t.StartTime
	var at time.Time
	switch {
	case compactTime.MatchString(s):
		t, err := time.Parse(CompactTimeLayout, s)
		if err != nil {
			c.add("INV.startTime", "/startTime", "startTime %q is not a real date and time: %v", s, err)
			return
		}
		at = t
	case c.p.TimeFormat == Any:
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			at = t
		} else if epochMillis.MatchString(s) {
			ms, _ := strconv.ParseInt(s, 10, 64)
			at = time.UnixMilli(ms)
		} else {
			c.add("INV.startTime", "/startTime", "startTime %q is neither yyyyMMdd'T'HHmmss'Z', RFC 3339 nor epoch milliseconds", s)
			return
		}
	default:
		c.add("INV.startTime", "/startTime", "startTime %q is not UTC yyyyMMdd'T'HHmmss'Z' (reading AMB.11 timeFormat %s)", s, c.p.TimeFormat)
		return
	}
	if !c.o.CreatedAt.IsZero() {
		if d := at.Sub(c.o.CreatedAt); d > StartTimeTolerance || d < -StartTimeTolerance {
			c.add("INV.startTime", "/startTime", "startTime %s is %s away from when create was called (%s); tolerance %s",
				s, d.Round(time.Second), c.o.CreatedAt.UTC().Format(CompactTimeLayout), StartTimeTolerance)
		}
	}
}

func (c *checker) echo() {
	sent := c.o.Sent
	if sent == nil {
		return
	}
	t := c.t
	for _, f := range []struct{ name, got, want string }{
		{"appId", t.AppID, sent.AppID}, {"taskName", t.TaskName, sent.TaskName}, {"taskType", t.TaskType, sent.TaskType},
	} {
		if f.got != f.want {
			c.add("INV.echo", "/"+f.name, "%s is %q, create sent %q", f.name, f.got, f.want)
		}
	}
	var want []int
	switch c.p.TimeoutUnit {
	case "seconds":
		want = []int{sent.Timeout * 60}
	case Either:
		want = []int{sent.Timeout, sent.Timeout * 60}
	default:
		want = []int{sent.Timeout}
	}
	if !containsInt(want, t.Timeout) {
		refusal := ""
		if t.Timeout == sent.Timeout*60 && !c.p.Accepts(ReadingTimeoutUnit, "seconds") {
			refusal = "; " + c.p.Refusal(ReadingTimeoutUnit, "seconds")
		}
		c.add("INV.echo", "/timeout", "timeout is %d, want %s: create sent %d minutes (reading AMB.2 timeoutUnit %s%s)",
			t.Timeout, alternatives(want), sent.Timeout, c.p.TimeoutUnit, refusal)
	}
	got, sentParam := canonical(t.Param), canonical(sent.Param)
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range sentParam {
		keys[k] = true
	}
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !reflect.DeepEqual(got[k], sentParam[k]) {
			c.add("INV.echo", "/param/"+k, "param.%s is %s, create sent %s", k, short(got[k]), short(sentParam[k]))
		}
	}
	if c.rawParamHas(QueryParamFileIDMember) && !c.p.Accepts(ReadingQueryParam, QueryParamFileID) {
		c.add("INV.echo", "/param/"+QueryParamFileIDMember, "param.%s is present, create sent none (%s)",
			QueryParamFileIDMember, c.p.Refusal(ReadingQueryParam, QueryParamFileID))
	}
	if c.o.SelectTags && c.hasTags && !sameTags(t.Tags, sent.Tags) {
		c.add("INV.echo", "/tags", "tags are %s, create sent %s", short(t.Tags), short(sent.Tags))
	}
}

// canonical turns a Param into its JSON object form (what json.Marshal and Unmarshal into a
// map make of it), so values compare as JSON does; built directly, since it runs per answer.
func canonical(p Param) map[string]any {
	m := map[string]any{"type": p.Type}
	strs := func(k string, v []string) {
		if len(v) > 0 {
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			m[k] = l
		}
	}
	str := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	strs("deviceList", p.DeviceList)
	str("deviceType", p.DeviceType)
	str("manufacturerId", p.ManufacturerID)
	str("model", p.Model)
	str("deviceLocation", p.DeviceLocation)
	strs("groupList", p.GroupList)
	cmd := map[string]any{"serviceId": p.Command.ServiceID, "method": p.Command.Method}
	if len(p.Command.Paras) > 0 {
		var paras any
		if enc, err := json.Marshal(p.Command.Paras); err == nil && json.Unmarshal(enc, &paras) == nil {
			cmd["paras"] = paras
		}
	}
	m["command"] = cmd
	str("callbackUrl", p.CallbackURL)
	if p.MaxRetransmit != nil {
		m["maxRetransmit"] = float64(*p.MaxRetransmit)
	}
	str("groupTag", p.GroupTag)
	return m
}

func short(v any) string {
	if v == nil {
		return "absent"
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(enc) > 120 {
		return string(enc[:117]) + "..."
	}
	return string(enc)
}

// sameTags compares tag lists as sets of pairs: the docs do not promise an order.
func sameTags(a, b []Tag) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[Tag]int{}
	for _, t := range a {
		count[t]++
	}
	for _, t := range b {
		count[t]--
		if count[t] < 0 {
			return false
		}
	}
	return true
}

// refused is "; <refusal>" when the profile does not accept reading id's value; "" when value
// is "" or accepted.
func (c *checker) refused(id, value string) string {
	if value == "" || c.p.Accepts(id, value) {
		return ""
	}
	return "; " + c.p.Refusal(id, value)
}

// percentOnly is "percent" when got is no accepted value but is the percent one.
func percentOnly(got int, accepted []int, percent int) string {
	if got == percent && !containsInt(accepted, got) {
		return "percent"
	}
	return ""
}

// successRateRefusal names the reading a wrong successRate would be right under, when the
// profile does not allow it: AMB.3=percent or AMB.5=complete.
func (c *checker) successRateRefusal() string {
	t := c.t
	for _, s := range []int{1000, 100} {
		for den, value := range map[int]string{t.TotalCnt: "total", t.CompleteCnt: "complete"} {
			if rate(t.SuccessCnt, den, s) != t.SuccessRate {
				continue
			}
			if s == 100 && !c.p.Accepts(ReadingRateScale, "percent") {
				return c.refused(ReadingRateScale, "percent")
			}
			if value == "complete" && !c.p.Accepts(ReadingSuccessRateDen, "complete") {
				return c.refused(ReadingSuccessRateDen, "complete")
			}
		}
	}
	return ""
}

// TaskReadings returns the readings a task's counters need beyond doc-strict, as [id, value]
// pairs: progress or successRate in percent (AMB.3=percent), successRate over completeCnt
// (AMB.5=complete). A task that needs none, or that no reading explains, gives none.
func TaskReadings(t BatchTask) [][2]string {
	var out [][2]string
	if t.Progress != rate(t.CompleteCnt, t.TotalCnt, 1000) && t.Progress == rate(t.CompleteCnt, t.TotalCnt, 100) {
		out = append(out, [2]string{ReadingRateScale, "percent"})
	}
	if t.SuccessRate == rate(t.SuccessCnt, t.TotalCnt, 1000) {
		return out
	}
	for _, s := range []int{1000, 100} {
		for den, value := range map[int]string{t.TotalCnt: "total", t.CompleteCnt: "complete"} {
			if rate(t.SuccessCnt, den, s) != t.SuccessRate {
				continue
			}
			if s == 100 && (len(out) == 0 || out[0][0] != ReadingRateScale) {
				out = append(out, [2]string{ReadingRateScale, "percent"})
			}
			if value == "complete" && den != t.TotalCnt {
				out = append(out, [2]string{ReadingSuccessRateDen, "complete"})
			}
			return out
		}
	}
	return out
}

// rawParamHas reports whether the answer's param carries member key (members the Param type
// does not know are visible only in Raw).
func (c *checker) rawParamHas(key string) bool {
	if c.o.Doc != nil {
		param, _ := c.o.Doc["param"].(map[string]any)
		_, ok := param[key]
		return ok
	}
	var m struct {
		Param map[string]json.RawMessage `json:"param"`
	}
	if c.o.Raw == nil || json.Unmarshal(c.o.Raw, &m) != nil {
		return false
	}
	_, ok := m.Param[key]
	return ok
}
