package certify

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/reports"
)

// ReportOptions configure WriteReports.
type ReportOptions struct {
	// Credentials are every secret and token the run knows: they are redacted from the results
	// before anything is written, and the written files are scanned for them and withheld if
	// one is still found. Values shorter than reports.MinSecretLen are ignored.
	Credentials []string
	// JUnitShould is how junit.xml writes a failed SHOULD check (reports.JUnitShouldNote, the
	// default, or reports.JUnitShouldFailure).
	JUnitShould string
}

// WriteReports writes every report of res to dir (results.json, junit.xml, report.html,
// summary.md) and returns their paths. A file still holding a credential after redaction is
// withheld (removed), and the error says so.
func WriteReports(dir string, res *batchcert.Results, o ReportOptions) ([]string, error) {
	var creds []string
	for _, c := range o.Credentials {
		if len(c) >= reports.MinSecretLen {
			creds = append(creds, c)
		}
	}
	Redact(res, creds)
	paths, err := reports.WriteAll(dir, res)
	if err == nil && o.JUnitShould == reports.JUnitShouldFailure {
		var buf bytes.Buffer
		if err = reports.WriteJUnitWith(&buf, res, reports.JUnitOptions{Should: o.JUnitShould}); err == nil {
			err = reports.WriteFileAtomic(filepath.Join(dir, reports.Files[reports.FormatJUnit]), buf.Bytes())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("write reports: %w", err)
	}
	if err := reports.Withhold(dir, paths, creds); err != nil {
		return paths, err
	}
	return paths, nil
}

// Redact removes every credential from what the reports render of res: check messages,
// violations and evidence, the verdict's reasons and why the run is incomplete. Values
// shorter than reports.MinSecretLen are ignored (they would match by chance).
func Redact(res *batchcert.Results, credentials []string) {
	redact := func(s string) string {
		for _, v := range credentials {
			if len(v) >= reports.MinSecretLen {
				s = strings.ReplaceAll(s, v, "***")
			}
		}
		return s
	}
	for i := range res.Checks {
		ch := &res.Checks[i]
		ch.Message = redact(ch.Message)
		for j := range ch.Violations {
			ch.Violations[j].Message = redact(ch.Violations[j].Message)
		}
		for j, e := range ch.Evidence {
			ch.Evidence[j] = batchcert.Evidence{Request: redact(e.Request), Response: redact(e.Response), Curl: redact(e.Curl),
				Script: redact(e.Script)}
		}
	}
	for i, r := range res.VerdictReasons {
		res.VerdictReasons[i] = redact(r)
	}
	res.IncompleteReason = redact(res.IncompleteReason)
}
