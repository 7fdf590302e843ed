package scenarios

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/batchcert/batchcert/refplatform"
)

// worldValues are the names the reference's default world gives its fixtures: applications,
// secrets, devices, their types, makers, models and locations, groups and tags. A scenario or a
// probe that names one of them works on the reference only.
func worldValues() map[string]bool {
	w := refplatform.DefaultWorld()
	out := map[string]bool{}
	add := func(s ...string) {
		for _, v := range s {
			if v != "" {
				out[v] = true
			}
		}
	}
	for _, a := range w.Apps {
		add(a.ID, a.Secret)
	}
	for _, d := range w.Devices {
		add(d.ID, d.DeviceType, d.ManufacturerID, d.Model, d.Location)
		add(d.Groups...)
		add(d.GroupIDs...)
	}
	for _, n := range w.TagNames {
		if n != "env" { // also the shell's env(1), which reproducer scripts call
			add(n)
		}
	}
	for _, t := range w.BoundTags {
		add(t.Name, t.Value)
	}
	return out
}

// tokens splits a literal into the words a fixture value would stand as.
var tokenSep = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func worldHits(lit string, world map[string]bool) []string {
	var hits []string
	for _, tok := range tokenSep.Split(lit, -1) {
		if world[tok] {
			hits = append(hits, tok)
		}
	}
	return hits
}

// TestNoWorldFixturesInScenarios: no fixture value of the reference's world appears in the
// suite's scenario files or in the runner's code (tests aside); every fixture comes from the
// target profile.
func TestNoWorldFixturesInScenarios(t *testing.T) {
	world := worldValues()
	var found []string
	yamls, _ := filepath.Glob("suite/*.yaml")
	for _, f := range yamls {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.ScalarNode {
				for _, h := range worldHits(n.Value, world) {
					found = append(found, f+":"+strconv.Itoa(n.Line)+": "+h)
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(&doc)
	}
	gos, _ := filepath.Glob("*.go")
	for _, f := range gos {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		var sc scanner.Scanner
		sc.Init(fset.AddFile(f, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := sc.Scan()
			if tok == token.EOF {
				break
			}
			if tok != token.STRING {
				continue
			}
			s, err := strconv.Unquote(lit)
			if err != nil {
				s = lit
			}
			for _, h := range worldHits(s, world) {
				found = append(found, fset.Position(pos).String()+": "+h)
			}
		}
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("a fixture of the reference's world in scenario code: %s", f)
	}
}

// TestWorldHitsFindsAFixture shows the scan finds what it looks for.
func TestWorldHitsFindsAFixture(t *testing.T) {
	world := worldValues()
	if h := worldHits(`{"deviceList": ["dev-lone"]}`, world); len(h) != 1 || h[0] != "dev-lone" {
		t.Fatalf("hits %v, want [dev-lone]", h)
	}
	if h := worldHits(`no-such-device-{{uniq}}`, world); len(h) != 0 {
		t.Fatalf("hits %v, want none", h)
	}
}
