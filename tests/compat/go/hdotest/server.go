// Package hdotest starts a real hdo dev server for the compatibility tests: the binary named by
// HDO_BIN, on a free port, with a SQLite file in a temporary folder. The server is stopped with
// SIGINT when the test ends and must exit 0.
package hdotest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var startedLine = regexp.MustCompile(`msg="server started".* grpc_address=([^ ]+)`)

// Server is a running hdo process.
type Server struct {
	// HostPort is the gRPC address clients dial, e.g. 127.0.0.1:41234.
	HostPort string
	// DBFilename is the SQLite file the server uses.
	DBFilename string
	cmd        *exec.Cmd
	stderr     *strings.Builder
}

// Binary returns the hdo binary under test, or fails the test when HDO_BIN is unset.
func Binary(t *testing.T) string {
	bin := os.Getenv("HDO_BIN")
	if bin == "" {
		t.Fatal("HDO_BIN is not set: run these tests through ctest (make test), or set HDO_BIN to an hdo binary")
	}
	return bin
}

// Start runs `hdo server start-dev --port 0` on a new SQLite file and waits until it listens.
func Start(t *testing.T, extraArgs ...string) *Server {
	t.Helper()
	return StartOn(t, filepath.Join(t.TempDir(), "hdo.db"), extraArgs...)
}

// StartOn runs `hdo server start-dev --port 0` on the given SQLite file (e.g. the file of a
// server stopped earlier in the test) and waits until it listens.
func StartOn(t *testing.T, db string, extraArgs ...string) *Server {
	t.Helper()
	args := append([]string{"server", "start-dev", "--port", "0", "--db-filename", db}, extraArgs...)
	cmd := exec.Command(Binary(t), args...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting hdo: %v", err)
	}
	s := &Server{DBFilename: db, cmd: cmd, stderr: &strings.Builder{}}
	found := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(pipe)
		for scanner.Scan() {
			line := scanner.Text()
			s.stderr.WriteString(line + "\n")
			if m := startedLine.FindStringSubmatch(line); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case addr, ok := <-found:
		if !ok {
			t.Fatalf("hdo exited before listening:\n%s", s.stderr.String())
		}
		s.HostPort = addr
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("hdo did not start within 60s:\n%s", s.stderr.String())
	}
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop sends SIGINT and requires a clean exit.
func (s *Server) Stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("hdo did not stop cleanly: %v\n%s", err, s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		t.Errorf("hdo did not stop within 30s of SIGINT")
	}
}

// Kill ends the server with SIGKILL (a crash: nothing is flushed or closed) and waits for it.
func (s *Server) Kill(t *testing.T) {
	t.Helper()
	if s.cmd.ProcessState != nil {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	_ = s.cmd.Wait()
}
