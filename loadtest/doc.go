// Package loadtest holds batchcert's load probes: the throttle probe (RULE.throttle), the
// task-limit race (RULE.tasklimit) and the capacity search. Each fills one part of the shared
// batchcert.LoadResults model and, for the two rules, returns checks with MUST severity.
//
// Every probe is measured, never assumed: the throttle probe finds the threshold, the window's
// length and type, whether rejected calls count and whether apps are isolated by calling the
// target; the race fires concurrent creates and counts what was admitted; the capacity search
// drives open-model load with vegeta (github.com/tsenart/vegeta/v12/lib) and measures latency
// from each request's intended send time, so a stalled server cannot hide its queueing
// (coordinated omission). It loads query, or create (unique task names, within the target's
// task limit; the reference is reset between steps). Each step keeps at most InFlightBound
// requests in flight (workers and connections alike), so the generator's memory stays flat
// however long the target stalls.
//
// Safety: every probe is bounded by rate, duration and request count, and says so before it
// starts (Plan.String, the Describe functions). A rate above the declared throttle needs
// AllowOverThrottle. Cancelling the context stops a probe; what was measured so far is
// returned, marked partial.
//
// Time: the probes read and wait through the harness's one clock, apiclient.Clock (the suite
// waits on it too). apiclient.RealClock is wall time; apiclient.AdvanceClock is the reference
// platform's clock, advanced instead of slept through; tests drive a manual clock shared with
// the server, so windows of a minute take no real time.
//
// The package calls the API over HTTP only (login, query, create, and the reference
// platform's control API for reset and advance); it imports no other batchcert package than
// the shared vocabulary.
package loadtest
