package hdotest

import (
	"os"
	"testing"
)

// External reports whether HDO_TARGET names an already running server under test (e.g. the
// reference `temporal server start-dev`) instead of a fresh hdo per test.
func External() bool { return os.Getenv("HDO_TARGET") != "" }

// Target returns the gRPC address of the server under test: HDO_TARGET when set, else the
// address of a fresh hdo started with Start(t, extraArgs...). extraArgs apply to hdo only; a test
// that needs them on an external server (e.g. an extra namespace) must set that up itself.
func Target(t *testing.T, extraArgs ...string) string {
	t.Helper()
	if hp := os.Getenv("HDO_TARGET"); hp != "" {
		return hp
	}
	return Start(t, extraArgs...).HostPort
}
