// Package refplatform is batchcert's reference platform: a faithful, embedded implementation
// of the batch-task northbound API (login, refreshToken, createBatchTask, queryBatchTask,
// queryTaskDetails) exactly as docs/design.md reads the vendor's pages.
//
// It is the harness's default target and its test double, and it can be broken on purpose:
// named faults (Faults, WithFaults) switch on real wrong code paths, and the control API
// (its own listener, never the platform port) injects error answers, advances the clock and
// resets the state.
//
// The world (applications, devices, groups, tags) comes from YAML (LoadWorld; the embedded
// default is world.yaml). The task engine keeps no timers: a task's state is computed from the
// clock on every read, so a ScaledClock or a ManualClock drives a task from Pending to
// Complete or Timeout deterministically. Only callbacks (callbackUrl) need a goroutine: the
// server's pump, or an Advance, pushes each final subtask result once.
//
// The platform port also serves the GraphQL facade at /graphql (package gqlfacade): its
// resolvers call this package's REST handler in-process, so both transports share one engine.
//
// Decisions where the docs are silent (beyond docs/design.md):
//   - unknown JSON fields in request bodies are ignored (and not echoed);
//   - a create body with a Content-Type other than application/json answers 400/50400; a
//     missing Content-Type is accepted;
//   - duplicated app_key/Authorization headers, or duplicated query parameters, are invalid
//     input (create 400/50400, query/details 400/100022);
//   - a wrong method on a known path answers the operation's invalid-input code; an unknown
//     path answers 404 with error body 100022;
//   - 100028 is answered by create only (query has no such row);
//   - subtask callbacks are sent for Success, Fail and Timeout; expired subtasks are never
//     executed and send nothing;
//   - progress is completeCnt/totalCnt and successRate successCnt/totalCnt, both in permille
//     rounded down (AMB.3, AMB.5).
package refplatform
