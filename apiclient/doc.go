// Package apiclient is batchcert's one client of the platform's API: the docs' paths and
// error codes, the HTTP client (TLS, header cap, no redirects, connection model with its
// handshake cost), login, refresh and the token cache, reading an error code in either body
// shape, and redaction of every credential. The certification suite (package scenarios) and
// the load probes (package loadtest) both call the platform through it, so a header, an auth
// or a TLS change is made here once.
package apiclient
