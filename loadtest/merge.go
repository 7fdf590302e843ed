package loadtest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/batchcert/batchcert"
)

// MergedReport is the report of one or more results files, e.g. of a distributed run whose
// load generators each wrote their own.
type MergedReport struct {
	// Metrics is vegeta's report over every result (latencies from the actual send time, as
	// `vegeta report` prints them).
	Metrics vegeta.Metrics
	// Steps are per capacity step (per vegeta attack name), latencies from the intended send
	// time when the files carry it (IntendedHeader), else from the actual send time. OK is
	// left false: Merge does not know the SLO.
	Steps []batchcert.CapacityStep
}

// Merge decodes results files (gob, JSON or CSV, detected as vegeta does) and merges them into
// one report, in constant memory whatever the files' length.
func Merge(readers ...io.Reader) (*MergedReport, error) {
	rep := &MergedReport{}
	steps := map[string]*stepStats{}
	for i, rd := range readers {
		dec := vegeta.DecoderFor(rd)
		if dec == nil {
			return nil, fmt.Errorf("merge results file %d: unknown encoding", i+1)
		}
		for {
			var r vegeta.Result
			if err := dec.Decode(&r); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("merge results file %d: %w", i+1, err)
			}
			rep.Metrics.Add(&r)
			st := steps[r.Attack]
			if st == nil {
				rate, _ := strconv.ParseFloat(strings.TrimPrefix(r.Attack, attackPrefix), 64)
				st = newStepStats(rate)
				steps[r.Attack] = st
			}
			intended := r.Timestamp
			if ns, err := strconv.ParseInt(r.Headers.Get(IntendedHeader), 10, 64); err == nil {
				intended = time.Unix(0, ns)
			}
			st.add(&r, intended)
		}
	}
	rep.Metrics.Close()
	for _, st := range steps {
		s := st.step(CapacityConfig{})
		s.OK = false
		rep.Steps = append(rep.Steps, s)
	}
	slices.SortFunc(rep.Steps, func(a, b batchcert.CapacityStep) int {
		switch {
		case a.Rate < b.Rate:
			return -1
		case a.Rate > b.Rate:
			return 1
		}
		return 0
	})
	return rep, nil
}
