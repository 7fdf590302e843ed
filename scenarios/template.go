package scenarios

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// vars are a scenario's variables: the target's fixtures, the scenario's own vars, captures.
type vars map[string]any

// funcs is the small func map of scenario templates. Functions that need the run (secret,
// token, uniq) are bound per run by (*scenarioRun).funcMap.
var baseFuncs = template.FuncMap{
	"repeat": func(s string, n int) string {
		if n < 0 || n > 1<<20 {
			return ""
		}
		return strings.Repeat(s, n)
	},
	"add":  func(a, b int) int { return a + b },
	"atoi": func(s string) (int, error) { return strconv.Atoi(strings.TrimSpace(s)) },
	"sub":  func(a, b int) int { return a - b },
	// pad cuts or pads s with 'x' to exactly n characters (unique names of a given length).
	"pad": func(s string, n int) string {
		if n < 0 || n > 1<<20 {
			return ""
		}
		if len(s) >= n {
			return s[len(s)-n:]
		}
		return s + strings.Repeat("x", n-len(s))
	},
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"first": func(v any) any {
		if l, ok := v.([]any); ok && len(l) > 0 {
			return l[0]
		}
		if l, ok := v.([]string); ok && len(l) > 0 {
			return l[0]
		}
		return ""
	},
}

// wholeVar matches a string that is nothing but one variable reference: "{{.deviceIds}}".
var wholeVar = regexp.MustCompile(`^\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$`)

// render executes s as a template over v.
func render(s string, v vars, funcs template.FuncMap) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New("").Option("missingkey=error").Funcs(funcs).Parse(s)
	if err != nil {
		return "", fmt.Errorf("template %q: %w", s, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, map[string]any(v)); err != nil {
		return "", fmt.Errorf("template %q: %w", s, err)
	}
	return b.String(), nil
}

// renderValue templates every string leaf of a YAML value. A leaf that is exactly one variable
// reference takes the variable's value with its type.
func renderValue(x any, v vars, funcs template.FuncMap) (any, error) {
	switch t := x.(type) {
	case string:
		if m := wholeVar.FindStringSubmatch(t); m != nil {
			val, ok := v[m[1]]
			if !ok {
				return nil, fmt.Errorf("template %q: no variable %q", t, m[1])
			}
			return val, nil
		}
		return render(t, v, funcs)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			r, err := renderValue(e, v, funcs)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			r, err := renderValue(e, v, funcs)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	default:
		return jsonable(x), nil
	}
}

// renderInt templates s and reads an integer.
func renderInt(s string, v vars, funcs template.FuncMap) (int, error) {
	r, err := render(s, v, funcs)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(r))
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer: %w", r, err)
	}
	return n, nil
}

// pointer resolves an RFC 6901 JSON pointer in a decoded JSON document.
func pointer(doc any, p string) (any, bool) {
	if p == "" {
		return doc, true
	}
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	cur := doc
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// sameJSON compares two values as JSON: numbers by value, whatever their Go types.
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var na, nb any
	if json.Unmarshal(ja, &na) != nil || json.Unmarshal(jb, &nb) != nil {
		return false
	}
	ca, _ := json.Marshal(na)
	cb, _ := json.Marshal(nb)
	return string(ca) == string(cb)
}
