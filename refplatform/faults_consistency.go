package refplatform

import "time"

// The consistency faults: answers that are each valid alone but contradict the platform's other
// answers about the same task: pages that overlap or skip at a boundary, a details index that
// lags the task, a filtered count that ignores its filter, counters that file a subtask under
// another status than details gives it.
const (
	FaultDetailsPageOverlap    = "details-page-overlap"
	FaultDetailsPageSkip       = "details-page-skip"
	FaultDetailsIndexLag       = "details-index-lag"
	FaultDetailsFilterCountAll = "details-filter-count-all"
	FaultTimeoutCountedAsFail  = "timeout-counted-as-fail"
)

// DetailsIndexLag is how far the details index of fault details-index-lag is behind the task.
const DetailsIndexLag = 30 * time.Second

func init() {
	registerFaults(map[string]string{
		FaultDetailsPageOverlap: "every details page after the first starts one subtask early, so it repeats the last " +
			"subtask of the page before (an offset computed from a 1-based page number) (RULE.details-paging)",
		FaultDetailsPageSkip: "every details page after the first starts one subtask late, so the subtask at each page " +
			"boundary is on no page (RULE.details-paging)",
		FaultDetailsIndexLag: "details reads subtasks from an index 30 s behind the task: a task that just finished still " +
			"lists subtasks WaitResult or Pending (RULE.details-agree)",
		FaultDetailsFilterCountAll: "with a status filter, details answers the filtered subtasks but a totalCount of every " +
			"subtask of the task (the count ignores the filter) (RULE.details-agree, RULE.details-paging)",
		FaultTimeoutCountedAsFail: "query counts timed-out subtasks in failCnt and answers timeoutCnt 0, while details lists " +
			"them Timeout (RULE.details-agree, RSP.query.timeoutCnt)",
	})
}

// detailsClock is the instant details reads a task's subtasks at: now, or under fault
// details-index-lag the index's instant, DetailsIndexLag earlier.
func (p *platform) detailsClock(now time.Time) time.Time {
	if p.fault(FaultDetailsIndexLag) {
		return now.Add(-DetailsIndexLag)
	}
	return now
}

// detailsTotal is the totalCount details answers for n matching subtasks of t: n, or under
// fault details-filter-count-all every subtask of t when a status filter was given.
func (p *platform) detailsTotal(n int, t *task, status string) int {
	if status != "" && p.fault(FaultDetailsFilterCountAll) {
		return len(t.subs)
	}
	return n
}

// pageSpan is the part [from, to) of n matching subtasks page pageNo of size pageSize holds;
// the caller has checked pageNo <= n/pageSize. Faults details-page-overlap and
// details-page-skip move every page after the first by one subtask.
func (p *platform) pageSpan(pageNo, pageSize, n int) (from, to int) {
	from = pageNo * pageSize
	if pageNo > 0 {
		switch {
		case p.fault(FaultDetailsPageOverlap):
			from--
		case p.fault(FaultDetailsPageSkip):
			from++
		}
	}
	from = min(from, n)
	return from, min(from+pageSize, n)
}

// timeoutAsFail applies fault timeout-counted-as-fail to v, the answer for counters c.
func (p *platform) timeoutAsFail(v *TaskView, c counters) {
	if p.fault(FaultTimeoutCountedAsFail) {
		v.FailCnt, v.TimeoutCnt = c.fail+c.timeout, 0
	}
}

// More consistency faults: a query cache behind the live details, and a startTime that is the
// task's last change rather than its creation.
const (
	FaultQueryCountersStale  = "query-counters-stale"
	FaultStartTimeLastUpdate = "starttime-last-update"
	QueryCacheLag            = 30 * time.Second
)

func init() {
	registerFaults(map[string]string{
		FaultQueryCountersStale: "query answers status and counters from a cache refreshed 30 s behind, while details is " +
			"live: a subtask details already lists Success is not yet in successCnt (RULE.details-agree)",
		FaultStartTimeLastUpdate: "query answers as startTime the instant of the task's latest subtask change instead of " +
			"its creation (an updated-at column read for created-at) (RULE.task-stable)",
	})
}

// queryClock is the instant query computes a task's status and counters at: now, or under
// fault query-counters-stale the cache's instant, QueryCacheLag earlier.
func (p *platform) queryClock(now time.Time) time.Time {
	if p.fault(FaultQueryCountersStale) {
		return now.Add(-QueryCacheLag)
	}
	return now
}

// consistencyView applies fault starttime-last-update to v, the answer for t at now.
func (p *platform) consistencyView(v *TaskView, t *task, now time.Time) {
	if !p.fault(FaultStartTimeLastUpdate) {
		return
	}
	last := t.start
	for _, s := range t.subs {
		for _, at := range []time.Time{s.deliverAt, s.answerAt} {
			if !at.IsZero() && !at.After(now) && !at.After(t.end) && at.After(last) {
				last = at
			}
		}
	}
	v.StartTime = last.UTC().Format(StartTimeLayout)
}
