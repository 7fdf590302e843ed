//go:build race

package selftest_test

// raceDetector: this test binary runs under the race detector.
const raceDetector = true
