package selftest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/batchcert/batchcert"
)

// WriteMatrix prints the kill matrix as a table (fault, KILLED or SURVIVED, the checks that
// caught it), then the clean run's verdict, the kill rate and what each survivor models.
func WriteMatrix(w io.Writer, st *batchcert.SelfTest) error {
	if st == nil {
		return fmt.Errorf("selftest: no matrix to write")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tRESULT\tKILLS\tCAUGHT BY")
	for _, k := range st.Faults {
		fmt.Fprintln(tw, line(k))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("selftest: write matrix: %w", err)
	}
	var b strings.Builder
	clean := "CONFORMANT"
	if !st.CleanConformant {
		clean = "NOT CONFORMANT (the matrix means nothing until it is)"
	}
	fmt.Fprintf(&b, "\nclean reference: %s\n", clean)
	killed, total := Killed(st)
	fmt.Fprintf(&b, "kill rate: %d/%d (%s)\n", killed, total, percent(killed, total))
	fmt.Fprintf(&b, "killed by exactly one independent check: %d\n", SingleKills(st))
	if n := SingleObservations(st); n > 0 {
		fmt.Fprintf(&b, "killed in exactly one observation (one answer or burst): %d\n", n)
	}
	if killed < total {
		b.WriteString("\nsurvivors (deviations the suite does not catch):\n")
		for _, k := range st.Faults {
			if !k.Killed {
				fmt.Fprintf(&b, "  %s: %s\n", k.Fault, k.Description)
			}
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("selftest: write matrix: %w", err)
	}
	return nil
}

// line is one row of the matrix, tab-separated.
func line(k batchcert.FaultKill) string {
	if !k.Killed {
		return k.Fault + "\t" + Survived + "\t0\t-"
	}
	result := "KILLED"
	if k.ShouldOnly {
		result = "KILLED (SHOULD only)"
	}
	return k.Fault + "\t" + result + "\t" + strconv.Itoa(k.Kills) + "\t" + strings.Join(k.CaughtBy, ", ")
}

func percent(n, total int) string {
	if total == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(total))
}

// SingleObservations counts the killed faults whose catching checks all judge one answer or
// one burst (FaultKill.Observations 1).
func SingleObservations(st *batchcert.SelfTest) int {
	n := 0
	if st != nil {
		for _, k := range st.Faults {
			if k.Killed && k.Observations == 1 {
				n++
			}
		}
	}
	return n
}

// SingleKills counts the killed faults that exactly one independent check catches.
func SingleKills(st *batchcert.SelfTest) int {
	n := 0
	if st != nil {
		for _, k := range st.Faults {
			if k.Killed && k.Kills == 1 {
				n++
			}
		}
	}
	return n
}
