package scenarios

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestExampleProfileDocumentsEveryField: targets/example.yaml reads back as a target profile,
// and names every field of target.schema.json (commented out or not), so a vendor copying it
// sees each one with what it is for.
func TestExampleProfileDocumentsEveryField(t *testing.T) {
	data, err := os.ReadFile("targets/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseTarget("targets/example.yaml", data); err != nil {
		t.Fatalf("example.yaml does not read as a target profile: %v", err)
	}
	var schema map[string]any
	if err := json.Unmarshal(targetSchemaJSON, &schema); err != nil {
		t.Fatal(err)
	}
	var fields []string
	var walk func(prefix string, node map[string]any)
	walk = func(prefix string, node map[string]any) {
		props, _ := node["properties"].(map[string]any)
		for name, sub := range props {
			fields = append(fields, name)
			if m, ok := sub.(map[string]any); ok {
				walk(prefix+name+".", m)
			}
		}
	}
	walk("", schema)
	text := string(data)
	for _, f := range fields {
		if !strings.Contains(text, f+":") && !strings.Contains(text, f+" ") {
			t.Errorf("example.yaml does not document the field %q", f)
		}
	}
}
