package contracts

import (
	_ "embed"
	"fmt"
	"sync"

	"gopkg.in/yaml.v3"
)

// sourcesYAML holds each catalog entry's statement and source (sources.yaml), kept apart from
// requirements.yaml so that the catalog's rules and its provenance can change independently.
//
//go:embed sources.yaml
var sourcesYAML []byte

// Source is where a requirement comes from: the vendor page, the table (or section) on it,
// and the row.
type Source struct {
	Page  string `yaml:"page" json:"page"`
	Table string `yaml:"table" json:"table"`
	Row   string `yaml:"row" json:"row"`
}

// Sourced is a catalog entry's statement (the docs' words, or the harness reading a silent
// point rests on) with its source.
type Sourced struct {
	Statement string `yaml:"statement" json:"statement"`
	Source    Source `yaml:"source" json:"source"`
}

var sources = sync.OnceValues(func() (map[string]Sourced, error) {
	out := map[string]Sourced{}
	if err := yaml.Unmarshal(sourcesYAML, &out); err != nil {
		return nil, fmt.Errorf("sources.yaml: %w", err)
	}
	return out, nil
})

// Sources returns every entry of sources.yaml by requirement (or ambiguity) id. It reads only
// the embedded file: a clone of the repository traces every verdict to the docs.
func Sources() (map[string]Sourced, error) { return sources() }

// SourceOf returns the statement and source of one requirement or ambiguity id.
func SourceOf(id string) (Sourced, bool) {
	all, err := sources()
	if err != nil {
		return Sourced{}, false
	}
	s, ok := all[id]
	return s, ok
}
