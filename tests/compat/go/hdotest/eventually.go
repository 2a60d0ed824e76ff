package hdotest

import (
	"testing"
	"time"
)

// SettleTimeout bounds how long a visibility assertion may wait for its answer. The reference
// server writes visibility asynchronously (a list right after a write may not show it yet); hdo
// answers at once, so there the first attempt already holds.
const SettleTimeout = 10 * time.Second

// Settle calls check until it returns nil or deadline passes (at least once) and returns check's
// last error. A check that never holds is an error; it is not a way to skip an assertion.
func Settle(deadline time.Time, check func() error) error {
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Eventually is Settle with a timeout that fails the test when check never holds.
func Eventually(t testing.TB, timeout time.Duration, check func() error) {
	t.Helper()
	if err := Settle(time.Now().Add(timeout), check); err != nil {
		t.Fatalf("still failing after %v: %v", timeout, err)
	}
}
