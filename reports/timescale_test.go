package reports

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/batchcert/batchcert"
)

// scaledResults is the realistic run on a test platform whose clock runs 60 times fast
// (limits.timeScale 60): the profile's 10 min window passed in 10 s of the probe's time.
func scaledResults() *batchcert.Results {
	r := sampleResults()
	t := r.Load.Throttle
	t.DeclaredWindow, t.MeasuredWindow = 10*time.Second, 10020*time.Millisecond
	t.TimeScale, t.PlatformDeclaredWindow, t.PlatformMeasuredWindow = 60, 10*time.Minute, 601200*time.Millisecond
	return r
}

// TestThrottlePlatformTime: on a scaled clock every report gives the throttle's windows in
// platform time (the docs' rule's time) and in real time (the probe's), each labelled; a
// real clock's reports say nothing of platform time.
func TestThrottlePlatformTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		format, reason string
		want           []string
	}{
		{FormatMarkdown, "the headline leads with platform time and names the scale", []string{
			"Throttle: declared 100 per 10m0s, measured 100 per 10m1s of platform time (fixed window, 8 concurrent); in real time at timeScale 60: declared per 10s, measured per 10.02s",
		}},
		{FormatHTML, "the table has a column per time, and a note says which the rule speaks of", []string{
			`<tr><th></th><th>Limit</th><th>Window (platform time)</th><th>Window (real time)</th></tr>`,
			`<tr><td>Declared</td><td class="n">100</td><td>10m0s</td><td>10s</td></tr>`,
			`<td>10m1s, fixed</td><td>10.02s</td></tr>`,
			`limits.timeScale 60, platform seconds per real second`,
			`limit 100 / 10m0s platform (10s real)`,
			`time since probe start (s, real time)`,
		}},
		{FormatJSON, "results.json keeps both, the platform windows apart", []string{
			`"declaredWindowNs": 10000000000`, `"timeScale": 60`,
			`"platformDeclaredWindowNs": 600000000000`, `"platformMeasuredWindowNs": 601200000000`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			out := renderString(t, tc.format, scaledResults())
			if tc.format == FormatMarkdown {
				out = strings.Join(strings.Fields(out), " ") // lines wrap at 80 columns
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("%s: %s lacks %q", tc.reason, tc.format, want)
				}
			}
			if real := renderString(t, tc.format, sampleResults()); strings.Contains(strings.ToLower(real), "platform time") ||
				strings.Contains(real, "timeScale") {
				t.Errorf("%s of a real clock speaks of platform time", tc.format)
			}
		})
	}
}

// TestThrottlePlatformTimeJSON: a scaled run's results.json validates against the schema and
// reads back unchanged.
func TestThrottlePlatformTimeJSON(t *testing.T) {
	t.Parallel()
	want := scaledResults()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, want); err != nil {
		t.Fatal(err)
	}
	if errs := schemaErrors(t, buf.Bytes()); len(errs) > 0 {
		t.Fatalf("a scaled run's results do not validate:\n%s", strings.Join(errs, "\n"))
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Load.Throttle, want.Load.Throttle) {
		t.Errorf("round trip changed the throttle result:\n got %+v\nwant %+v", got.Load.Throttle, want.Load.Throttle)
	}
}
