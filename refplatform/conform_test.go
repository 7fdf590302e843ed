package refplatform

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/batchcert/batchcert/openapi"
)

var (
	validatorOnce sync.Once
	validator     *openapi.Validator
	validatorErr  error
)

// conformingTransport routes every response the tests get through the openapi package's
// validator and fails the test on any response violation: the reference platform must
// conform to the contract it is the reference of. Requests are not judged (the bad-input
// tests send invalid ones on purpose); calls outside the contract's routes are skipped.
type conformingTransport struct {
	t    testing.TB
	next http.RoundTripper
}

func newConformingTransport(t testing.TB, next http.RoundTripper) http.RoundTripper {
	validatorOnce.Do(func() { validator, validatorErr = openapi.NewValidator() })
	if validatorErr != nil {
		t.Fatalf("openapi validator: %v", validatorErr)
	}
	return &conformingTransport{t: t, next: next}
}

func (c *conformingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		reqBody = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if _, err := validator.Operation(req); err == nil {
		clone := req.Clone(context.Background())
		clone.Body = io.NopCloser(bytes.NewReader(reqBody))
		if vs := validator.ValidateResponse(context.Background(), clone, reqBody, resp.StatusCode, resp.Header, body); len(vs) > 0 {
			c.t.Errorf("%s %s -> %d %s: response violates the contract: %v", req.Method, req.URL.Path, resp.StatusCode, body, vs)
		}
	}
	return resp, nil
}
