// Package selftest proves the certification suite catches broken platforms: it certifies the
// clean reference platform (which must come out CONFORMANT), then the reference with each of
// its named faults switched on (each must come out NONCONFORMANT: at least one MUST check
// FAIL), and returns the kill matrix, fault by fault, with the checks that caught it.
//
// The package does not run the suite itself: the caller supplies Config.Certify, which starts
// a reference platform with the given faults and certifies it (cmd/batchcert wires it to
// package scenarios). That keeps this package free of the suite's dependencies and lets its
// tests drive it with a fake.
package selftest
