package loadtest

import (
	"time"
)

// Task is a task a probe created that may still be unfinished when the probe returns: until
// it ends (by its timeout at the latest) it holds one of its app's task slots (AMB.10), which
// a run right after this one must know of, or it undercounts the app's unfinished tasks and
// meets a 105001 it did not provoke. The race and the capacity search tell them to their
// config's Unfinished.
type Task struct {
	// Alias is the Target.Apps alias that created it, App its appId.
	Alias, App string
	ID         string
	// Created is the real time the create was answered.
	Created time.Time
	// Timeout is the task's timeout in minutes of platform time, as its create asked (0: not
	// known).
	Timeout int
}
