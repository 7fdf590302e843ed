package refplatform

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Delivery timing of the task engine.
const (
	// DeliveryDelay is how long after a task starts its command reaches an online device.
	DeliveryDelay = 2 * time.Second
	// RetransmitInterval is how long the platform waits before retransmitting a dropped
	// delivery (param.maxRetransmit times at most).
	RetransmitInterval = 30 * time.Second
	// DefaultTaskLimit is the documented limit of unfinished tasks per application (AMB.10).
	DefaultTaskLimit = 10
)

// Task statuses (RSP.query.status) and subtask statuses (AMB.R8).
const (
	StatusPending    = "Pending"
	StatusRunning    = "Running"
	StatusComplete   = "Complete"
	StatusTimeout    = "Timeout"
	StatusWaitResult = "WaitResult"
	StatusSuccess    = "Success"
	StatusFail       = "Fail"
)

// StartTimeLayout is startTime's format: UTC yyyyMMdd'T'HHmmss'Z' (AMB.11).
const StartTimeLayout = "20060102T150405Z"

// engine holds the tasks. Their state is never stored: it is computed from the clock on every
// read, from times fixed when the task was created.
type engine struct {
	world *World
	limit int
	// nonAtomic (fault tasklimit-nonatomic) releases the lock between the limit check and
	// the insert.
	nonAtomic bool
	// dupNames (fault taskname-duplicate-accepted) skips the task-name check.
	dupNames bool
	// slotKept (fault tasklimit-slot-kept) never frees a finished task's slot.
	slotKept bool
	// tagsUnbound (fault tag-pair-not-bound) does not bind the tag pairs a task used.
	tagsUnbound bool
	// namesGlobal (fault taskname-unique-global) checks task names across all applications.
	namesGlobal bool

	// limitGlobal (fault tasklimit-global) counts every application's unfinished tasks.
	limitGlobal bool
	// race is the window fault tasklimit-nonatomic opens between the check and the insert.
	race raceGate

	// multi holds the multiplicity faults (faults_multi.go).
	multi multiFaults
	// gaps holds the engine-level faults of faults_gaps.go.
	gaps gapEngine

	mu         sync.Mutex
	tasks      map[string]*task
	unfinished map[string][]*task // per owning app; finished ones pruned on each create
	names      map[string]map[string]bool
	bound      map[Tag]bool
	callbacks  []*task // tasks with a callbackUrl and subtasks not yet notified
}

// task is one batch task. Everything but notified is fixed at creation.
type task struct {
	id, app, operator, name, taskType string
	timeout                           int // minutes, as create was given it
	start, end, finish                time.Time
	complete                          bool // finish is a Complete, not a Timeout
	param                             taskParam
	tags                              []Tag
	subs                              []subtask
	notified                          []bool // guarded by engine.mu
	// reads and completeReads count query reads, for the lagging-replica faults
	// (progress-regress, status-regress).
	reads, completeReads atomic.Int64
}

// subtask is one device's share of a task.
type subtask struct {
	device, commandID string
	deliverAt         time.Time // zero: never delivered (offline, or every delivery dropped)
	answerAt          time.Time // zero: never answers
	result            string    // StatusSuccess or StatusFail
}

func newEngine(w *World, limit int) *engine {
	e := &engine{
		world:      w,
		limit:      limit,
		tasks:      map[string]*task{},
		unfinished: map[string][]*task{},
		names:      map[string]map[string]bool{},
		bound:      map[Tag]bool{},
		race:       raceGate{waiting: map[string]int{}, open: map[string]bool{}},
	}
	for _, t := range w.BoundTags {
		e.bound[t] = true
	}
	return e
}

// targets resolves param to the devices it names, in world order (AMB.R3: 101001 when a
// referenced resource does not exist).
func (e *engine) targets(p *taskParam) ([]*Device, *apiError) {
	notFound := errAt(http.StatusOK, CodeResourceMissing)
	w := e.world
	var match func(d *Device) bool
	switch p.Type {
	case TypeDeviceList:
		want := map[string]bool{}
		for _, id := range *p.DeviceList {
			if w.Device(id) == nil {
				return nil, notFound
			}
			want[id] = true
		}
		match = func(d *Device) bool { return want[d.ID] }
	case TypeDeviceType:
		match = func(d *Device) bool {
			// AMB.8=optional: a left-out manufacturerId or model matches every value.
			return d.DeviceType == *p.DeviceType && (p.ManufacturerID == nil || d.ManufacturerID == *p.ManufacturerID) &&
				(p.Model == nil || d.Model == *p.Model)
		}
	case TypeDeviceArea:
		match = func(d *Device) bool { return d.Location == *p.DeviceLocation }
	case TypeGroupList, TypeGroupIDList:
		byID := p.Type == TypeGroupIDList
		want := map[string]bool{}
		for _, g := range *p.GroupList {
			if !groupKnown(w, g, byID) {
				return nil, notFound
			}
			want[g] = true
		}
		match = func(d *Device) bool {
			gs := d.Groups
			if byID {
				gs = d.GroupIDs
			}
			for _, g := range gs {
				if want[g] {
					return true
				}
			}
			return false
		}
	default: // Broadcast
		match = func(*Device) bool { return true }
	}
	var out []*Device
	for i := range w.Devices {
		if match(&w.Devices[i]) {
			out = append(out, &w.Devices[i])
		}
	}
	if len(out) == 0 {
		return nil, notFound
	}
	return out, nil
}

func groupKnown(w *World, g string, byID bool) bool {
	for i := range w.Devices {
		gs := w.Devices[i].Groups
		if byID {
			gs = w.Devices[i].GroupIDs
		}
		for _, x := range gs {
			if x == g {
				return true
			}
		}
	}
	return false
}

// create admits a task for req.AppID, or answers why not. The tag, name and limit checks and
// the insert happen under one lock, so the limit holds under any concurrency (RULE.tasklimit).
func (e *engine) create(req *createRequest, operator string, now time.Time) (*task, *apiError) {
	if e.nonAtomic {
		e.race.lastArrival.Store(time.Now().UnixNano()) // before the lock: it is on its way
	}
	req.Tags = e.multi.readTags(req.Tags)
	for _, tg := range req.Tags {
		if !e.world.tagNames[tg.Name] {
			return nil, errAt(http.StatusNotFound, CodeTagNotExist) // AMB.R4
		}
	}
	devs, aerr := e.targets(&req.Param)
	devs, aerr = e.gapTargets(&req.Param, devs, aerr)
	if aerr != nil {
		return nil, aerr
	}
	t := newTask(req, operator, e.multi.fanOut(&req.Param, devs), now)

	e.mu.Lock()
	for _, tg := range req.Tags {
		if e.tagBound(req.AppID, tg) {
			e.mu.Unlock()
			return nil, errAt(http.StatusBadRequest, CodeTagUsed) // AMB.R4
		}
	}
	if !e.dupNames && e.nameTaken(req.AppID, req.TaskName) {
		e.mu.Unlock()
		return nil, errAt(http.StatusOK, CodeTaskNameExists) // AMB.R9
	}
	live := e.unfinished[req.AppID][:0]
	for _, u := range e.unfinished[req.AppID] {
		if now.Before(u.finish) || e.slotKept {
			live = append(live, u)
		}
	}
	e.unfinished[req.AppID] = live
	held := e.gaps.heldSlots(live, now)
	if e.limitGlobal {
		held = e.unfinishedEverywhereLocked(now) // checked and inserted under one lock
	}
	if held >= e.limit {
		e.mu.Unlock()
		return nil, errAt(http.StatusOK, CodeTaskLimit) // AMB.10
	}
	if e.nonAtomic {
		e.raceWindow(req.AppID)
	}
	e.tasks[t.id] = t
	e.unfinished[req.AppID] = append(e.unfinished[req.AppID], t)
	if e.names[req.AppID] == nil {
		e.names[req.AppID] = map[string]bool{}
	}
	e.names[req.AppID][req.TaskName] = true
	e.admitted(t)
	if t.param.CallbackURL != nil {
		e.callbacks = append(e.callbacks, t)
	}
	e.mu.Unlock()
	return t, nil
}

// raceGate makes fault tasklimit-nonatomic's race happen by construction, not by scheduling
// luck (a create takes microseconds, so a burst's creates rarely overlap by themselves): a
// create that passed the limit check waits, with the lock released, until limit+1 creates of
// its app have passed it, or no create has arrived for raceQuiet, and only then inserts.
// Concurrent creates so over-admit on a loaded machine too; a lone create waits raceQuiet.
type raceGate struct {
	lastArrival atomic.Int64    // when the last create entered engine.create (Unix ns)
	waiting     map[string]int  // creates of the app that passed the check and wait to insert
	open        map[string]bool // limit+1 have passed: every waiting create may insert
}

// raceQuiet is how long a gap between creates ends the window; raceWait bounds any wait.
const (
	raceQuiet = 100 * time.Millisecond
	raceWait  = 2 * time.Second
)

// raceWindow holds a create of app between the limit check and the insert (e.mu held on entry
// and on return).
func (e *engine) raceWindow(app string) {
	g := &e.race
	g.waiting[app]++
	if g.waiting[app] >= e.limit+1 {
		g.open[app] = true
	}
	deadline := time.Now().Add(raceWait)
	for !g.open[app] && time.Now().Before(deadline) &&
		time.Since(time.Unix(0, g.lastArrival.Load())) < raceQuiet {
		e.mu.Unlock()
		time.Sleep(time.Millisecond)
		e.mu.Lock()
	}
	if g.waiting[app]--; g.waiting[app] == 0 {
		g.open[app] = false
	}
}

// nameTaken reports whether app already has a task called name (AMB.R9); under fault
// taskname-unique-global, whether any application has. The caller holds e.mu.
func (e *engine) nameTaken(app, name string) bool {
	if !e.namesGlobal {
		return e.names[app][name]
	}
	for _, names := range e.names {
		if names[name] {
			return true
		}
	}
	return false
}

func newTask(req *createRequest, operator string, devs []*Device, now time.Time) *task {
	t := &task{
		id: randomHex(12), app: req.AppID, operator: operator, name: req.TaskName,
		taskType: req.TaskType, timeout: req.Timeout, param: req.Param, tags: req.Tags,
		start: now, end: now.Add(time.Duration(req.Timeout) * time.Minute),
		subs: make([]subtask, len(devs)), notified: make([]bool, len(devs)),
	}
	retransmits := 0
	if req.Param.MaxRetransmit != nil {
		retransmits = *req.Param.MaxRetransmit
	}
	t.complete = true
	var last time.Time
	for i, d := range devs {
		s := subtask{device: d.ID, commandID: randomHex(16)}
		if d.Online && d.DropFirst <= retransmits {
			s.deliverAt = now.Add(DeliveryDelay + time.Duration(d.DropFirst)*RetransmitInterval)
			if d.Behaviour != BehaviourNoAnswer {
				s.answerAt = s.deliverAt.Add(d.Latency)
				s.result = StatusSuccess
				if d.Behaviour == BehaviourFail {
					s.result = StatusFail
				}
			}
		}
		if s.answerAt.IsZero() || s.answerAt.After(t.end) {
			t.complete = false
		} else if s.answerAt.After(last) {
			last = s.answerAt
		}
		t.subs[i] = s
	}
	t.finish = t.end
	if t.complete {
		t.finish = last
	}
	return t
}

// get returns the task with id, or nil.
func (e *engine) get(id string) *task {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tasks[id]
}

// subStatus is subtask i's status at now, and whether it expired (AMB.R8).
func (t *task) subStatus(i int, now time.Time) (status string, expired bool) {
	at := now
	if at.After(t.end) {
		at = t.end
	}
	over := !now.Before(t.end)
	s := &t.subs[i]
	switch {
	case s.deliverAt.IsZero() || s.deliverAt.After(at):
		return StatusPending, over
	case !s.answerAt.IsZero() && !s.answerAt.After(at):
		return s.result, false
	case over:
		return StatusTimeout, false
	}
	return StatusWaitResult, false
}

// counters are a task's counts at one instant.
type counters struct {
	status                                               string
	total, success, fail, timeout, expired, completeCnts int
}

// state computes the task's status and counters at now.
func (t *task) state(now time.Time) counters {
	c := counters{total: len(t.subs)}
	delivered := false
	for i := range t.subs {
		st, exp := t.subStatus(i, now)
		switch {
		case exp:
			c.expired++
		case st == StatusSuccess:
			c.success++
		case st == StatusFail:
			c.fail++
		case st == StatusTimeout:
			c.timeout++
		}
		if st != StatusPending {
			delivered = true
		}
	}
	c.completeCnts = c.success + c.fail + c.timeout
	switch {
	case !now.Before(t.finish) && t.complete:
		c.status = StatusComplete
	case !now.Before(t.finish):
		c.status = StatusTimeout
	case delivered:
		c.status = StatusRunning
	default:
		c.status = StatusPending
	}
	return c
}

// permille is n/total in permille, rounded down (AMB.3); percent when the fault asks for it.
func permille(n, total int, percent bool) int {
	if total == 0 {
		return 0
	}
	if percent {
		return n * 100 / total
	}
	return n * 1000 / total
}

// subtaskResult is what a final subtask carries in details and callbacks.
func subtaskResult(status string) (output, errText string) {
	switch status {
	case StatusSuccess:
		return `{"result":"SUCCESS"}`, ""
	case StatusFail:
		return "", `{"error_code":"DEVICE_FAIL","error_desc":"The device failed to execute the command."}`
	case StatusTimeout:
		return "", `{"error_code":"TIMEOUT","error_desc":"The device did not answer before the task timed out."}`
	}
	return "", ""
}

// callback is one subtask result to push to a task's callbackUrl.
type callback struct {
	url  string
	body CallbackBody
}

// CallbackBody is what the platform POSTs to a task's callbackUrl for each subtask result.
type CallbackBody struct {
	TaskID    string `json:"taskId"`
	DeviceID  string `json:"deviceId"`
	CommandID string `json:"commandId"`
	Status    string `json:"status"`
	Output    string `json:"output,omitempty"`
	Error     string `json:"error,omitempty"`
}

// dueCallbacks marks every subtask that became final since the last sweep and returns the
// results to push. Expired subtasks were never executed: they are marked, not pushed.
func (e *engine) dueCallbacks(now time.Time) []callback {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []callback
	keep := e.callbacks[:0]
	for _, t := range e.callbacks {
		left := 0
		for i := range t.subs {
			if t.notified[i] {
				continue
			}
			st, exp := t.subStatus(i, now)
			switch {
			case exp:
				t.notified[i] = true
			case st == StatusSuccess || st == StatusFail || st == StatusTimeout:
				t.notified[i] = true
				o, er := subtaskResult(st)
				out = append(out, callback{url: *t.param.CallbackURL, body: CallbackBody{
					TaskID: t.id, DeviceID: t.subs[i].device, CommandID: t.subs[i].commandID,
					Status: st, Output: o, Error: er}})
			default:
				left++
			}
		}
		if left > 0 {
			keep = append(keep, t)
		}
	}
	e.callbacks = keep
	return out
}

// taskCount returns how many tasks exist.
func (e *engine) taskCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.tasks)
}
