package reports

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// textEscaper escapes a string as report.html's template does, which is more than
// html.EscapeString: html/template also escapes '+' and NUL.
var textEscaper = template.Must(template.New("secret").Parse("{{.}}"))

// MinSecretLen is the shortest secret ScanForSecrets accepts: a shorter string would match by
// chance and prove nothing.
const MinSecretLen = 6

// Withhold is the last line before a run's reports are released: it scans dir for every
// credential the run knows (ScanForSecrets: the profile's secrets and every access and refresh
// token issued during the run) and, when one is found, removes the files the run wrote
// (paths), so that no copy of them is left; the error says so, or names the files it could not
// remove. No unredacted copy is kept anywhere.
func Withhold(dir string, paths, credentials []string) error {
	// Only the files the run wrote: an output folder may hold anything else (a repository's
	// own fixtures), which is neither the run's to judge nor to remove.
	err := scanFiles(dir, paths, credentials)
	if err == nil {
		return nil
	}
	var left []string
	for _, p := range paths {
		if rmErr := os.Remove(p); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			left = append(left, p)
		}
	}
	what := "the reports were removed; no unredacted copy is kept"
	if len(left) > 0 {
		what = "these reports could not be removed, delete them: " + strings.Join(left, ", ")
	}
	return fmt.Errorf("reports withheld (%s): %w", what, err)
}

// ScanForSecrets reports whether any file under dir contains any of secrets (or tokens), raw or in the forms
// a report could carry it: JSON-escaped, HTML/XML-escaped (as html.EscapeString and as html/template write it), URL-encoded (query and path) and
// base64. Empty secrets are ignored. The error names the file, the secret's index in secrets and
// the form found, never the secret itself, so it is safe to log.
func ScanForSecrets(dir string, secrets []string) error {
	return scanFiles(dir, nil, secrets)
}

// scanFiles is ScanForSecrets over the named files only, or every file under dir when files
// is nil.
func scanFiles(dir string, files, secrets []string) error {
	type form struct {
		secret int
		name   string
		text   []byte
	}
	var forms []form
	for i, s := range secrets {
		if s == "" {
			continue
		}
		if len(s) < MinSecretLen {
			return fmt.Errorf("scan for secrets: secret %d is shorter than %d bytes", i, MinSecretLen)
		}
		js, _ := json.Marshal(s)
		var tmpl strings.Builder
		if err := textEscaper.Execute(&tmpl, s); err != nil {
			return fmt.Errorf("scan for secrets: %w", err)
		}
		variants := map[string]string{
			"html-template": tmpl.String(),
			"raw":           s,
			"json-escaped":  strings.Trim(string(js), `"`),
			"html-escaped":  html.EscapeString(s),
			"query-escape":  url.QueryEscape(s),
			"path-escape":   url.PathEscape(s),
			"base64":        base64.StdEncoding.EncodeToString([]byte(s)),
			"base64url":     base64.RawURLEncoding.EncodeToString([]byte(s)),
		}
		for _, name := range []string{"raw", "json-escaped", "html-escaped", "html-template", "query-escape", "path-escape", "base64", "base64url"} {
			forms = append(forms, form{secret: i, name: name, text: []byte(variants[name])})
		}
	}
	var found []error
	check := func(path string) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		seen := map[int]bool{}
		for _, f := range forms {
			if seen[f.secret] {
				continue
			}
			if at := bytes.Index(data, f.text); at >= 0 {
				seen[f.secret] = true
				found = append(found, fmt.Errorf("secret %d found in %s (%s, byte %d)", f.secret, path, f.name, at))
			}
		}
		return nil
	}
	var err error
	if files != nil {
		for _, f := range files {
			if err = check(f); err != nil {
				break
			}
		}
	} else {
		err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !d.Type().IsRegular() {
				return nil
			}
			return check(path)
		})
	}
	if err != nil {
		return fmt.Errorf("scan for secrets: %w", err)
	}
	return errors.Join(found...)
}
