package refplatform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// ControlHandler is the control API (JSON, on its own listener):
//
//	POST /control/reset                 fresh tasks, tokens, throttle, injected faults, counters
//	POST /control/advance {"seconds":N} move the clock forward N seconds
//	POST /control/fault {"operation":"createBatchTask","count":N,"status":500,"code":"50252"}
//	GET  /control/counters              calls per operation, tasks, throttled, ...
//	GET  /control/now                   the platform's time
//	GET  /control/faults                the named faults and which are on
func (s *Server) ControlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /control/reset", func(w http.ResponseWriter, r *http.Request) {
		s.Reset()
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /control/advance", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Seconds *float64 `json:"seconds"`
		}
		if err := decodeControl(r, &req); err != nil || req.Seconds == nil ||
			*req.Seconds < 0 || *req.Seconds > math.MaxInt64/float64(time.Second) {
			controlError(w, http.StatusBadRequest, "want {\"seconds\": N} with N >= 0")
			return
		}
		if err := s.Advance(time.Duration(*req.Seconds * float64(time.Second))); err != nil {
			controlError(w, http.StatusConflict, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, nowBody(s.Now()))
	})
	mux.HandleFunc("POST /control/fault", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Operation string `json:"operation"`
			Count     int    `json:"count"`
			Status    int    `json:"status"`
			Code      string `json:"code"`
		}
		if err := decodeControl(r, &req); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := s.SetFault(req.Operation, req.Count, req.Status, req.Code); err != nil {
			controlError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /control/counters", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Counters())
	})
	mux.HandleFunc("GET /control/now", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, nowBody(s.Now()))
	})
	mux.HandleFunc("GET /control/faults", func(w http.ResponseWriter, r *http.Request) {
		type entry struct {
			Fault
			On bool `json:"on"`
		}
		var out []entry
		for _, f := range Faults() {
			out = append(out, entry{Fault: f, On: s.p.fault(f.Name)})
		}
		writeJSON(w, http.StatusOK, out)
	})
	return mux
}

func nowBody(t time.Time) map[string]string {
	return map[string]string{"now": t.UTC().Format(time.RFC3339Nano)}
}

func decodeControl(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<16))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}

func controlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
