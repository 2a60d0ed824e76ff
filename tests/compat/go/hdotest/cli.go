package hdotest

import (
	"os"
	"path/filepath"
	"testing"
)

// ReferenceCLIVersion is the reference `temporal` CLI the compatibility tests run as a client
// (it embeds server 1.29.1); scripts/install-deps installs it.
const ReferenceCLIVersion = "1.5.1"

// TemporalCLI returns the reference `temporal` CLI binary: HDO_TEMPORAL_CLI when set, else the
// copy scripts/install-deps installs (REFERENCE_CLI_DIR, or
// ${XDG_CACHE_HOME:-~/.cache}/hdo/temporal-cli-1.5.1), else ~/go/bin/temporal. It fails the
// test when none is there.
func TemporalCLI(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("HDO_TEMPORAL_CLI"); bin != "" {
		return bin
	}
	var candidates []string
	if dir := os.Getenv("REFERENCE_CLI_DIR"); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "temporal"))
	}
	if cache, err := os.UserCacheDir(); err == nil {
		candidates = append(candidates, filepath.Join(cache, "hdo", "temporal-cli-"+ReferenceCLIVersion, "temporal"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, "go", "bin", "temporal"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return c
		}
	}
	t.Fatalf("no reference temporal CLI in %v: run scripts/install-deps, or set HDO_TEMPORAL_CLI", candidates)
	return ""
}
