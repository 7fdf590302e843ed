package main

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/batchcert/batchcert/refplatform"
)

// TestREADMEFaultCount: the README's selftest row names as many faults as the reference has.
func TestREADMEFaultCount(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`each of its (\d+) faults`).FindSubmatch(b)
	if m == nil {
		t.Fatal("README: no 'each of its N faults' in the selftest row")
	}
	if n, _ := strconv.Atoi(string(m[1])); n != len(refplatform.Faults()) {
		t.Errorf("README says %d faults, the reference has %d", n, len(refplatform.Faults()))
	}
}
