package main

import (
	"flag"
	"sort"
	"strings"

	"github.com/batchcert/batchcert"
)

// referenceFlagNames are the flags that configure the embedded reference platform; with
// -target they would silently do nothing, so they are usage errors like -fault.
var referenceFlagNames = map[string]bool{"world": true, "time-scale": true, "throttle-limit": true, "throttle-window": true,
	"throttle-type": true, "throttle-rejected-count": true, "task-limit": true}

// referenceOnly rejects reference-only flags given with -target.
func (tf *targetFlags) referenceOnly() error {
	if tf.fs == nil {
		return nil
	}
	var set []string
	tf.fs.Visit(func(f *flag.Flag) {
		if referenceFlagNames[f.Name] {
			set = append(set, "-"+f.Name)
		}
	})
	if len(set) == 0 {
		return nil
	}
	sort.Strings(set)
	return batchcert.Usagef("%s applies to the embedded reference platform, not to -target %s", strings.Join(set, ", "), tf.file)
}
