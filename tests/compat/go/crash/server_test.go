//go:build crash

package crash

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	// readyTimeout bounds a (re)start: the reference dev server needs several seconds on a busy
	// 2-core machine, hdo well under one.
	readyTimeout = 120 * time.Second
	// exitTimeout bounds the wait for a SIGKILLed or SIGINTed process to be reaped.
	exitTimeout = 20 * time.Second
)

// server is the process under test: hdo (`hdo server start-dev`, or `hdo server start` on the
// store HDO_CRASH_CONFIG names) or the reference (`temporal server start-dev`), always on the same
// gRPC port and store so that a restart after SIGKILL is the same server to its clients.
type server struct {
	kind        string // "hdo" or "reference"
	bin         string
	db          string
	logPath     string
	port        int
	httpPort    int // reference only
	metricsPort int // reference only
	hostPort    string
	incarnation int
	cmd         *exec.Cmd
	exited      chan struct{}
}

// serverKind reads HDO_CRASH_SERVER: "hdo" (default) or "reference".
func serverKind(t *testing.T) string {
	switch k := os.Getenv("HDO_CRASH_SERVER"); k {
	case "", "hdo":
		return "hdo"
	case "reference":
		return "reference"
	default:
		t.Fatalf("HDO_CRASH_SERVER=%q: want hdo or reference", k)
		return ""
	}
}

// referenceCLI finds the reference `temporal` CLI (v1.5.1): TEMPORAL_CLI, then where
// scripts/record-golden installs it, then $HOME/go/bin, then PATH.
func referenceCLI(t *testing.T) string {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p
	}
	var candidates []string
	if cache, err := os.UserCacheDir(); err == nil {
		candidates = append(candidates, filepath.Join(cache, "hdo", "temporal-cli-1.5.1", "temporal"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, "go", "bin", "temporal"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode()&0o111 != 0 {
			return c
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p
	}
	t.Fatal("HDO_CRASH_SERVER=reference: no temporal CLI found; set TEMPORAL_CLI (scripts/record-golden installs v1.5.1)")
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// newServer picks the server, its ports and its SQLite file, and starts it.
func newServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	s := &server{kind: serverKind(t), logPath: filepath.Join(dir, "server.log")}
	if s.kind == "hdo" {
		s.bin = hdotest.Binary(t)
		s.db = filepath.Join(dir, "hdo.db")
		if config := os.Getenv("HDO_CRASH_CONFIG"); config != "" {
			s.db = "the store of " + config
		}
	} else {
		s.bin = referenceCLI(t)
		s.db = filepath.Join(dir, "reference.db")
		s.httpPort = freePort(t)
		s.metricsPort = freePort(t)
	}
	s.port = freePort(t)
	s.hostPort = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	t.Cleanup(s.stop)
	s.start(t)
	return s
}

func (s *server) args() []string {
	port := strconv.Itoa(s.port)
	if s.kind == "hdo" {
		// HDO_CRASH_CONFIG: an hdo.yaml naming a PostgreSQL or MySQL store (tests/compat/on-store
		// writes it); the server restarts on the same database instead of the same file.
		if config := os.Getenv("HDO_CRASH_CONFIG"); config != "" {
			return []string{"server", "start", "--config", config, "--ip", "127.0.0.1", "--port", port,
				"--metrics-port", "-1"}
		}
		return []string{"server", "start-dev", "--ip", "127.0.0.1", "--port", port, "--db-filename", s.db}
	}
	args := []string{"server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", port,
		"--http-port", strconv.Itoa(s.httpPort), "--metrics-port", strconv.Itoa(s.metricsPort),
		"--db-filename", s.db, "--log-level", "warn"}
	if os.Getenv("HDO_CRASH_REFERENCE_PRAGMAS") == "default" {
		return args
	}
	// WAL without fsync, as scripts/record-golden starts it (with the default pragmas the reference
	// is several times slower). SIGKILL ends the process, not the machine: every write() the
	// reference made before the kill is in the page cache and survives it, so synchronous=off
	// takes nothing away from what this test checks.
	return append(args, "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=off")
}

// start runs a new incarnation on the same port and file and waits until it answers
// DescribeNamespace("default").
func (s *server) start(t *testing.T) {
	t.Helper()
	s.incarnation++
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close() // the child has its own descriptor
	fmt.Fprintf(log, "=== incarnation %d: %s %s\n", s.incarnation, s.bin, strings.Join(s.args(), " "))
	cmd := exec.Command(s.bin, s.args()...)
	cmd.Stdout = log
	cmd.Stderr = log
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", s.kind, err)
	}
	s.cmd = cmd
	exited := make(chan struct{})
	s.exited = exited
	go func() { _ = cmd.Wait(); close(exited) }()
	if err := s.waitReady(); err != nil {
		t.Fatalf("%s incarnation %d (pid %d) on %s: %v\n%s", s.kind, s.incarnation, cmd.Process.Pid, s.hostPort, err, s.logTail(40))
	}
	t.Logf("%s incarnation %d: pid %d serving %s (db %s) after %v", s.kind, s.incarnation, cmd.Process.Pid,
		s.hostPort, s.db, time.Since(began).Round(time.Millisecond))
}

func (s *server) waitReady() error {
	conn, err := grpc.NewClient(s.hostPort, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	svc := workflowservice.NewWorkflowServiceClient(conn)
	deadline := time.Now().Add(readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("exited before serving (%v)", s.cmd.ProcessState)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, last = svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
		cancel()
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not serving within %v: %v", readyTimeout, last)
}

// kill9 sends SIGKILL to the server process itself (hdo and the temporal CLI run the server in
// their own process: no wrapper, no children), reaps it, and checks that nothing answers on the
// port any more, i.e. that the process killed was the one serving.
func (s *server) kill9(t *testing.T) {
	t.Helper()
	pid := s.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
	select {
	case <-s.exited:
	case <-time.After(exitTimeout):
		t.Fatalf("pid %d still running %v after SIGKILL", pid, exitTimeout)
	}
	if ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("pid %d did not die of SIGKILL: %v", pid, s.cmd.ProcessState)
	}
	if c, err := net.DialTimeout("tcp", s.hostPort, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after pid %d was killed: the pid was not the server", s.hostPort, pid)
	}
	t.Logf("%s incarnation %d: pid %d killed with SIGKILL", s.kind, s.incarnation, pid)
}

// stop ends the last incarnation at test end: SIGINT, then SIGKILL. Its exit status is not
// checked: clean shutdown is other tests' business.
func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(exitTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// logTail returns the last n lines of every incarnation's output.
func (s *server) logTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "server log (" + s.logPath + ", last lines):\n" + strings.Join(lines, "\n")
}
