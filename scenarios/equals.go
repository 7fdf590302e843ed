package scenarios

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// maxDifferences caps the differences one equals expectation reports.
const maxDifferences = 20

// equals compares an answer with a variable's value (expectation equals), member for member,
// and names every difference by JSON pointer.
func (r *scenarioRun) equals(e *Equals, doc any) []string {
	want, ok := r.vars[e.Var]
	if !ok {
		return []string{"equals: no variable " + e.Var}
	}
	var diffs []string
	diff("", jsonable(want), doc, &diffs)
	if len(diffs) > maxDifferences {
		diffs = append(diffs[:maxDifferences], fmt.Sprintf("%d more differences", len(diffs)-maxDifferences))
	}
	for i, d := range diffs {
		diffs[i] = "differs from " + e.Var + ": " + d
	}
	return diffs
}

// diff appends the differences between want and got under ptr.
func diff(ptr string, want, got any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s is %s, expected %s", orRoot(ptr), short(got), short(want)))
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, dup := w[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := ptr + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inG:
				*out = append(*out, fmt.Sprintf("%s is missing, expected %s", p, short(wv)))
			case !inW:
				*out = append(*out, fmt.Sprintf("%s is %s, expected absent", p, short(gv)))
			default:
				diff(p, wv, gv, out)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s is %s, expected %s", orRoot(ptr), short(got), short(want)))
			return
		}
		for i := range w {
			diff(ptr+"/"+strconv.Itoa(i), w[i], g[i], out)
		}
	default:
		if !sameJSON(want, got) {
			*out = append(*out, fmt.Sprintf("%s is %s, expected %s", orRoot(ptr), short(got), short(want)))
		}
	}
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "the body"
	}
	return ptr
}
