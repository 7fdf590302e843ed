package scenarios

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/batchcert/batchcert"
	"github.com/batchcert/batchcert/apiclient"
)

// Reproducers. Each failure's evidence carries a bash script that replays the scenario's
// requests up to the failing exchange against the target's base URL: it logs every app it
// needs in from the secret's environment variable (never printing it), carries the values
// the scenario captured (a task id from a create answer) from answer to request, and ends by
// telling whether the last answer shows the failure again. For the in-process reference, the
// script names the `batchcert serve` command that starts the same platform (world, faults,
// readings) and replays the control calls (reset, clock advances, injected faults) too.

// DefaultServeURL and DefaultServeControlURL are where `batchcert serve` listens by default:
// a reproducer of the in-process reference replays against them.
const (
	DefaultServeURL        = "http://127.0.0.1:8743"
	DefaultServeControlURL = "http://127.0.0.1:8744"
)

// maxReplay caps the requests one script replays; a scenario is bounded, this bounds the
// script of a burst.
const maxReplay = 400

// minCarried is the shortest answer value carried into later requests by variable: a
// shorter one (a status, a count) would match ordinary text.
const minCarried = 6

// replayStep is one call the scenario made, in order: an exchange or a control call.
type replayStep struct {
	step    string
	ex      *Exchange
	alias   string
	managed bool
	// control calls: path and JSON body, on the control URL.
	controlPath, controlBody string
}

// record logs an exchange of the scenario for its reproducers.
func (r *scenarioRun) record(ex *Exchange, alias string, managed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.replay) < maxReplay {
		r.replay = append(r.replay, replayStep{ex: ex, alias: alias, managed: managed})
	}
}

// recordControl logs the control calls a control step makes.
func (r *scenarioRun) recordControl(st Step, c *ControlStep) {
	if c == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	add := func(path string, v any) {
		body := "{}"
		if v != nil {
			b, _ := json.Marshal(v)
			body = string(b)
		}
		if len(r.replay) < maxReplay {
			r.replay = append(r.replay, replayStep{step: st.Name, controlPath: path, controlBody: body})
		}
	}
	if c.Reset {
		add(apiclient.PathControlReset, nil)
	}
	if c.Advance > 0 {
		add(apiclient.PathControlAdvance, map[string]int{"seconds": c.Advance})
	}
	if c.Fault != nil {
		add(apiclient.PathControlFault, c.Fault.control())
	}
}

// attachReproducers adds a script to the evidence of every failed check: the replay of the
// scenario up to the exchange the evidence shows.
func (r *scenarioRun) attachReproducers() {
	for i := range r.checks {
		c := &r.checks[i]
		if c.Outcome != batchcert.Fail || len(c.Evidence) == 0 {
			continue
		}
		upTo := r.replayIndex(c.Evidence[0])
		if upTo < 0 {
			continue
		}
		c.Evidence[0].Script = r.script(c, upTo)
	}
}

// replayIndex finds the logged exchange an evidence shows: the last one rendering to it.
func (r *scenarioRun) replayIndex(e batchcert.Evidence) int {
	for i := len(r.replay) - 1; i >= 0; i-- {
		if ex := r.replay[i].ex; ex != nil && r.s.redact.evidence(ex).Request == e.Request {
			return i
		}
	}
	return -1
}

// lit and ref build shell words: lit is single-quoted text, ref a "${NAME}" expansion.
func lit(s string) string { return shellQuote(s) }
func ref(name string) string {
	return `"${` + name + `}"`
}

// script renders the reproducer of check c: the replay of r.replay[0..upTo].
func (r *scenarioRun) script(c *batchcert.Check, upTo int) string {
	s, t := r.s, r.s.target
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("#!/usr/bin/env bash")
	w("# batchcert reproducer for %s", c.ID)
	w("# It replays scenario %s (%s) up to the failing exchange, then tells whether the", r.sc.Name, r.sc.File)
	w("# answer shows the failure again. The check failed with:")
	for _, line := range strings.Split(firstLine(c.Message), "\n") {
		w("#   %s", line)
	}
	base, control := t.BaseURL, ""
	if s.cfg.ServeCommand != "" {
		base, control = DefaultServeURL, DefaultServeControlURL
		w("#")
		w("# The target was the in-process reference platform. Start the same platform first:")
		w("#   %s", s.cfg.ServeCommand)
		w("# and point BATCHCERT_BASE_URL and BATCHCERT_CONTROL_URL at it if its addresses differ.")
	} else if t.Control != nil {
		control = t.Control.URL
	}
	w("set -euo pipefail")
	w(`# RUN makes the names the run made unique again (task names must not repeat).`)
	w(`RUN="${BATCHCERT_RUN_ID:-r$(date +%%s)$$}"`)
	w(`BASE="${BATCHCERT_BASE_URL:-%s}"`, strings.TrimSuffix(base, "/"))
	if control != "" {
		w(`CONTROL="${BATCHCERT_CONTROL_URL:-%s}"`, apiclient.ControlBase(control))
	}
	curl := []string{"curl", "-sS", "--max-time", "30"}
	if t.TLS.Insecure {
		curl = append(curl, "-k")
	}
	if t.TLS.CAFile != "" {
		curl = append(curl, "--cacert", shellQuote(t.TLS.CAFile))
	}
	if t.TLS.CertFile != "" {
		curl = append(curl, "--cert", shellQuote(t.TLS.CertFile), "--key", shellQuote(t.TLS.KeyFile))
	}
	w("CURL=(%s)", strings.Join(curl, " "))
	w(`answer=$(mktemp); trap 'rm -f "$answer"' EXIT`)
	w(`# call METHOD URL [curl args]: the answer's body goes to $answer, its status to $STATUS.`)
	w(`call() { local m=$1 u=$2; shift 2; STATUS=$("${CURL[@]}" -o "$answer" -w '%%{http_code}' -X "$m" "$u" "$@"); }`)
	w(`# show: the status and the body (login answers: the status only, they carry tokens).`)
	w(`show() { echo "HTTP $STATUS"; if [ "${1:-}" != quiet ]; then cat "$answer"; echo; fi; }`)
	w(`# field NAME: a top-level string field of the answer.`)
	w(`field() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$answer" | head -n 1; }`)

	if control != "" {
		// The run reset the platform before the scenario (and the reset forgets tokens: the
		// logins come after it).
		w(`call POST "$CONTROL%s" -H 'Content-Type: application/json' --data-binary '{}'; show quiet`, apiclient.PathControlReset)
	}
	steps := r.replay[:upTo+1]
	// Log in every app a managed request uses, from its secret's variable.
	aliases := map[string]bool{}
	for _, st := range steps {
		if st.ex != nil && st.managed {
			aliases[st.alias] = true
		}
	}
	secretVars := r.secretVars()
	for _, alias := range sortedKeys(aliases) {
		a, err := s.client.auth.App(alias)
		if err != nil {
			continue
		}
		v := secretVars[alias]
		w(`: "${%s:?export %s, the secret of %s (apps.%s.secret)}"`, v, v, a.AppID, alias)
		w(`call POST "$BASE/iocm/app/sec/v1.1.0/login" --data-urlencode %s --data-urlencode "secret=${%s}"`,
			shellQuote("appId="+a.AppID), v)
		w(`show quiet; TOKEN_%s=$(field accessToken)`, shellVar(alias))
	}
	// carried are the values of earlier answers later requests use: value -> variable.
	carried := map[string]string{}
	var order []string
	for i, st := range steps {
		if st.ex == nil {
			w("# step %q: control %s", st.step, st.controlPath)
			w(`call POST "$CONTROL%s" -H 'Content-Type: application/json' --data-binary %s; show quiet`,
				st.controlPath, shellQuote(st.controlBody))
			continue
		}
		ex := st.ex
		method, u, hdr, body := ex.Method, ex.URL, ex.ReqHeader, ex.ReqBody
		if ex.GraphQL != nil {
			method, u, hdr, body = "POST", ex.GraphQL.URL, ex.GraphQL.ReqHeader, ex.GraphQL.ReqBody
		}
		pu, err := url.Parse(u)
		if err != nil {
			continue
		}
		target := pu.Path
		if pu.RawQuery != "" {
			target += "?" + pu.RawQuery
		}
		sub := func(text string) string { return r.substitute(text, carried, order, st.alias) }
		w("# %d. %s %s (as %s)", i+1, method, pu.Path, st.alias)
		args := []string{"call", method, `"$BASE"` + sub(target)}
		keys := make([]string, 0, len(hdr))
		for k := range hdr {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range hdr[k] {
				if strings.EqualFold(k, "Authorization") && st.managed {
					args = append(args, "-H", `"Authorization: Bearer ${TOKEN_`+shellVar(st.alias)+`}"`)
					continue
				}
				args = append(args, "-H", sub(k+": "+v))
			}
		}
		if len(body) > 0 {
			args = append(args, "--data-binary", sub(string(body)))
		}
		w("%s", strings.Join(args, " "))
		quiet := ""
		if strings.HasPrefix(pu.Path, "/iocm/app/sec/") {
			quiet = " quiet"
		}
		w("show%s", quiet)
		if i == upTo {
			break
		}
		// Carry this answer's values forward when a later request uses them.
		for _, kv := range topStrings(ex.RespBody) {
			if len(kv[1]) < minCarried || carried[kv[1]] != "" || r.secretOrToken(kv[1]) {
				continue
			}
			if !usedLater(kv[1], steps[i+1:]) {
				continue
			}
			name := fmt.Sprintf("V%d_%s", i+1, shellVar(kv[0]))
			carried[kv[1]] = name
			order = append(order, kv[1])
			w(`%s=$(field %s)`, name, kv[0])
		}
	}
	last := steps[upTo].ex
	r.verdictLines(w, last, c)
	return r.scrub(b.String())
}

// verdictLines end a script: whether the last answer has the failing answer's status,
// error_code and shape.
func (r *scenarioRun) verdictLines(w func(string, ...any), ex *Exchange, c *batchcert.Check) {
	status, body := ex.Status, ex.RespBody
	if ex.GraphQL != nil {
		status, body = ex.GraphQL.Status, ex.GraphQL.RespBody
	}
	code, _ := r.s.contract.ErrorCode(body)
	var present, absent []string
	for _, kv := range topKeys(body) {
		present = append(present, kv)
	}
	has := map[string]bool{}
	for _, k := range present {
		has[k] = true
	}
	for _, v := range c.Violations {
		if k := strings.Split(strings.TrimPrefix(v.Pointer, "/"), "/")[0]; strings.HasPrefix(v.Pointer, "/") && k != "" && !has[k] {
			absent = append(absent, k)
			has[k] = true
		}
	}
	w("# The failing answer was HTTP %d, error_code %q, with top-level fields [%s] and without [%s].",
		status, code, strings.Join(present, " "), strings.Join(absent, " "))
	w(`again=yes`)
	w(`[ "$STATUS" = %s ] || again=no`, shellQuote(fmt.Sprint(status)))
	if code != "" {
		w(`grep -Eq '"error_code"[[:space:]]*:[[:space:]]*"?%s"?' "$answer" || again=no`, code)
	} else {
		w(`! grep -q '"error_code"' "$answer" || again=no`)
	}
	for _, k := range present {
		w(`grep -q %s "$answer" || again=no`, shellQuote(`"`+k+`"`))
	}
	for _, k := range absent {
		w(`! grep -q %s "$answer" || again=no`, shellQuote(`"`+k+`"`))
	}
	w(`if [ "$again" = yes ]; then echo "REPRODUCED: %s"; else echo "NOT REPRODUCED: the answer differs from the failing one"; exit 1; fi`,
		strings.ReplaceAll(c.ID, `"`, `'`))
}

// substitute renders text as a shell word: single-quoted literal pieces, with the carried
// values, the apps' secrets and (for alias) its token replaced by variable expansions.
func (r *scenarioRun) substitute(text string, carried map[string]string, order []string, alias string) string {
	type repl struct{ val, name string }
	var rs []repl
	for _, v := range order {
		rs = append(rs, repl{v, carried[v]})
	}
	vars := r.secretVars()
	for _, a := range r.s.client.auth.Aliases() {
		app, _ := r.s.client.auth.App(a)
		if app.Secret != "" && vars[a] != "" {
			rs = append(rs, repl{app.Secret, vars[a]}, repl{url.QueryEscape(app.Secret), vars[a]})
		}
		if tok := r.s.client.auth.Held(a).Access; tok != "" && a == alias {
			rs = append(rs, repl{tok, "TOKEN_" + shellVar(a)})
		}
	}
	if r.s.runID != "" {
		rs = append(rs, repl{r.s.runID, "RUN"})
	}
	sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].val) > len(rs[j].val) })
	var out strings.Builder
	for text != "" {
		at, which := -1, -1
		for i, x := range rs {
			if x.val == "" {
				continue
			}
			if k := strings.Index(text, x.val); k >= 0 && (at < 0 || k < at) {
				at, which = k, i
			}
		}
		if at < 0 {
			out.WriteString(lit(text))
			break
		}
		if at > 0 {
			out.WriteString(lit(text[:at]))
		}
		out.WriteString(ref(rs[which].name))
		text = text[at+len(rs[which].val):]
	}
	if out.Len() == 0 {
		return "''"
	}
	return out.String()
}

// secretVars maps each app alias to the environment variable its secret comes from.
func (r *scenarioRun) secretVars() map[string]string {
	out := map[string]string{}
	for alias, a := range r.s.target.apps() {
		if n := secretName(a); n != "" {
			out[alias] = n
		}
	}
	return out
}

// secretOrToken tells whether v is a secret or a token the run knows.
func (r *scenarioRun) secretOrToken(v string) bool {
	return r.s.redact.redact(v) != v
}

// scrub is the last line of defence: no secret or token the run knows stays in a script.
func (r *scenarioRun) scrub(s string) string {
	for _, sec := range r.s.redact.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	r.s.redact.mu.Lock()
	defer r.s.redact.mu.Unlock()
	for _, tok := range r.s.redact.tokens {
		s = strings.ReplaceAll(s, tok, redacted)
	}
	return s
}

// usedLater tells whether a later exchange's request carries v.
func usedLater(v string, later []replayStep) bool {
	for _, st := range later {
		if st.ex == nil {
			continue
		}
		ex := st.ex
		if strings.Contains(ex.URL, v) || strings.Contains(string(ex.ReqBody), v) ||
			(ex.GraphQL != nil && strings.Contains(string(ex.GraphQL.ReqBody), v)) {
			return true
		}
		for _, vs := range ex.ReqHeader {
			for _, h := range vs {
				if strings.Contains(h, v) {
					return true
				}
			}
		}
	}
	return false
}

// topStrings are the top-level string fields of a JSON object, sorted by name.
func topStrings(body []byte) [][2]string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	var out [][2]string
	for _, k := range sortedAnyKeys(m) {
		if s, ok := m[k].(string); ok && isPlain(k) {
			out = append(out, [2]string{k, s})
		}
	}
	return out
}

// topKeys are the top-level field names of a JSON object, sorted.
func topKeys(body []byte) []string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	var out []string
	for _, k := range sortedAnyKeys(m) {
		if isPlain(k) {
			out = append(out, k)
		}
	}
	return out
}

// isPlain tells whether a field name can go into a sed pattern and a shell variable as is.
func isPlain(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// shellVar makes a name usable in a shell variable name.
func shellVar(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
