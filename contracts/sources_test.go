package contracts

import (
	"strings"
	"testing"
)

// TestEveryEntryHasItsSource: every requirement and ambiguity of the catalog carries a
// statement and a source (page, table, row), and sources.yaml names nothing the catalog does
// not hold, so a clone of this repository alone explains each verdict.
func TestEveryEntryHasItsSource(t *testing.T) {
	t.Parallel()
	cat, err := Catalog()
	if err != nil {
		t.Fatal(err)
	}
	all, err := Sources()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range cat.Requirements {
		ids[r.ID] = true
	}
	for _, a := range cat.Ambiguities() {
		ids[a.ID] = true
	}
	for id := range ids {
		s, ok := all[id]
		switch {
		case !ok:
			t.Errorf("%s has no entry in sources.yaml", id)
		case strings.TrimSpace(s.Statement) == "":
			t.Errorf("%s: no statement", id)
		case s.Source.Page == "" || s.Source.Table == "" || s.Source.Row == "":
			t.Errorf("%s: incomplete source %+v", id, s.Source)
		}
	}
	for id, s := range all {
		if !ids[id] {
			t.Errorf("sources.yaml names %s, which the catalog does not hold", id)
		}
		// Nothing outside the repository is needed to read an entry: no statement sends the
		// reader to a file beside it.
		for _, text := range []string{s.Statement, s.Source.Page, s.Source.Table, s.Source.Row} {
			if strings.Contains(text, "../") || strings.Contains(text, "seed.txt") || strings.Contains(text, "api-reference.md") {
				t.Errorf("%s refers outside the repository: %q", id, text)
			}
		}
	}
	if s, ok := SourceOf("ERR.create.200.105001"); !ok || !strings.Contains(s.Statement, "105001") || s.Source.Row != "200/105001" {
		t.Errorf("ERR.create.200.105001: %+v", s)
	}
}
