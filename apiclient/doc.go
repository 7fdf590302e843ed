// Package apiclient is batchcert's one client of the platform's API: the docs' paths and
// error codes, the HTTP client (TLS, header cap, no redirects, connection model with its
// handshake cost), login, refresh and the token cache, reading an error code in either body
// shape, redaction of every credential, and the harness's one Clock (real time, or the
// reference's clock, advanced instead of slept through). It is also the one client of the
// reference platform's control API (Control: reset, the clock, injected faults). The
// certification suite (package scenarios) and the load probes (package loadtest) both call
// the platform and its control API through it and wait on its Clock, so a header, an auth, a
// TLS or a timing change is made here once.
package apiclient
