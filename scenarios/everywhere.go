package scenarios

import (
	"fmt"
	"strings"
)

// burstNotRun is why the steps after a burst or race that was not run are not run either:
// they expect the state the burst makes (a spent throttle quota, a full task limit), and
// without it a correct platform would answer them otherwise.
func burstNotRun(st Step, err error) string {
	return fmt.Sprintf("not run: step %q before it was not run (%s)", st.Name, strings.TrimPrefix(err.Error(), notRunPrefix))
}
