package apiclient

import "encoding/json"

// CreateTimeout is the timeout, in minutes, a createBatchTask body asks for; 0 when it names
// none (or none that is a whole number of a sane size). The run's ledgers read it to know
// when a task has certainly ended.
func CreateTimeout(body []byte) int {
	var b struct {
		Timeout json.Number `json:"timeout"`
	}
	if json.Unmarshal(body, &b) != nil {
		return 0
	}
	n, err := b.Timeout.Int64()
	if err != nil || n < 0 || n > 1<<20 {
		return 0
	}
	return int(n)
}
