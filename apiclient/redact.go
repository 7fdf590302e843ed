package apiclient

import (
	"regexp"
	"strings"
)

// Redacted replaces every credential in output.
const Redacted = "***"

// credentialPatterns find credentials by their place: a token or secret member of a JSON
// body, a query or form parameter, a bearer header.
var credentialPatterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`("(?:accessToken|refreshToken|secret|access_token|refresh_token)"\s*:\s*)"(?:[^"\\]|\\.)*"`), `$1"` + Redacted + `"`},
	{regexp.MustCompile(`((?:^|[?&\s])(?:secret|refreshToken|accessToken)=)[^&\s']*`), "${1}" + Redacted},
	{regexp.MustCompile(`(?i)(Bearer\s+)[^\s'"]+`), "${1}" + Redacted},
}

// Redact removes from s every known value (secrets, issued tokens; empty ones are skipped)
// and every credential found by its place.
func Redact(s string, known ...string) string {
	for _, v := range known {
		if v != "" {
			s = strings.ReplaceAll(s, v, Redacted)
		}
	}
	for _, p := range credentialPatterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}
