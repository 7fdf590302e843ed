package refplatform

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// This file holds the faults of issue 15's class 3, formats and values: answers whose every
// member has the right name and the right value, but not the form or the domain the docs fix.

// The format faults.
const (
	// FaultStartTimeLocal8h writes startTime in the platform's local time (UTC+8) and labels it
	// 'Z': the classic server that formats time.Now() without converting it to UTC.
	FaultStartTimeLocal8h = "starttime-local-8h"
	// FaultErrorCharsetLatin1 labels error answers (only) application/json;charset=ISO-8859-1:
	// an error filter of the web framework with its own default encoding.
	FaultErrorCharsetLatin1 = "error-charset-latin1"
	// FaultCountersFloat writes a query answer's Integer members as JSON numbers with a fraction
	// (3.0): a serializer that keeps every number as a double.
	FaultCountersFloat = "counters-float"
	// FaultProgressOver1000 answers progress 1000 + completeCnt while the last subtasks are
	// being completed: a progress bar that counts completed subtasks twice at the end.
	FaultProgressOver1000 = "progress-over-1000"
	// FaultDetailsErrorPlain answers a subtask's error as its bare description instead of the
	// string holding {"error_code","error_desc"} the docs fix: the code is lost.
	FaultDetailsErrorPlain = "details-error-plain"
)

// ErrorCharsetLatin1 is the Content-Type fault error-charset-latin1 gives error answers.
const ErrorCharsetLatin1 = "application/json;charset=ISO-8859-1"

func init() {
	registerFaults(map[string]string{
		FaultStartTimeLocal8h:   "query answers startTime in the platform's local time UTC+8, labelled Z: 8 h after the task was created (INV.startTime-created)",
		FaultErrorCharsetLatin1: "error answers, and only they, carry Content-Type application/json;charset=ISO-8859-1 (RULE.content-type-charset)",
		FaultCountersFloat:      "query answers its Integer members (counters, progress, successRate, timeout) as numbers with a fraction, 3.0 instead of 3 (RSP.integer-literal)",
		FaultProgressOver1000:   "while a task is Running with at least one subtask complete, progress is answered as 1000 + its permillage: above the documented 0..1000 (RSP.query.progress, INV.progress)",
		FaultDetailsErrorPlain:  "details answers a failed subtask's error as the bare description text instead of a string holding {\"error_code\",\"error_desc\"} (RSP.details.taskDetails.error-json)",
	})
}

// formatsView applies the format faults that change a query answer's values; the readings
// applied after it still render them.
func (p *platform) formatsView(v *TaskView, t *task, c counters) {
	if p.fault(FaultStartTimeLocal8h) {
		v.StartTime = t.start.UTC().Add(8 * time.Hour).Format(StartTimeLayout)
	}
	if p.fault(FaultProgressOver1000) && c.status == StatusRunning && c.completeCnts > 0 {
		v.Progress += 1000
	}
}

// integerMembers are the members of a query answer the docs type Integer.
var integerMembers = []string{"timeout", "progress", "totalCnt", "successCnt", "failCnt", "timeoutCnt",
	"expiredCnt", "completeCnt", "successRate"}

// readingIntegerIntegral is the AMB.R13 mode: Integer members written with a zero fraction.
const readingIntegerIntegral = "integral"

// formatsAnswer renders a query answer under fault counters-float or reading AMB.R13=integral
// (the same answer: a fault under doc-strict, a reading the lenient profile accepts); without
// either, v as is.
func (p *platform) formatsAnswer(v any) any {
	if !p.fault(FaultCountersFloat) && p.reading(ReadingIntegerForm) != readingIntegerIntegral {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return v
	}
	for _, k := range integerMembers {
		if n, err := strconv.Atoi(string(m[k])); err == nil {
			m[k] = json.RawMessage(strconv.Itoa(n) + ".0")
		}
	}
	return m
}

// formatsSubtaskError is a subtask's error string under fault details-error-plain.
func (p *platform) formatsSubtaskError(e string) string {
	if e == "" || !p.fault(FaultDetailsErrorPlain) {
		return e
	}
	var body ErrorBody
	if json.Unmarshal([]byte(e), &body) != nil {
		return e
	}
	return body.Desc
}

// formatsErrorWriter is the writer an error answer is written to: under fault
// error-charset-latin1 it relabels the answer's Content-Type.
func (p *platform) formatsErrorWriter(w http.ResponseWriter) http.ResponseWriter {
	if !p.fault(FaultErrorCharsetLatin1) {
		return w
	}
	return latin1Writer{w}
}

type latin1Writer struct{ http.ResponseWriter }

func (w latin1Writer) WriteHeader(status int) {
	w.Header().Set("Content-Type", ErrorCharsetLatin1)
	w.ResponseWriter.WriteHeader(status)
}

// stampDate sets the answer's Date header from the platform's clock (RFC 9110 §6.6.1: an
// origin server with a clock sends its time), so a client can relate the times the platform
// writes (startTime) to when it answered, whatever the clock's scale or advances.
func (p *platform) stampDate(w http.ResponseWriter) {
	w.Header().Set("Date", p.clock.Now().UTC().Format(http.TimeFormat))
}
