package cluster

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// oldBinaryEnv names a swarm binary of the previous release (cluster
// protocol 1), built for instance with
//
//	git worktree add /tmp/oldsrc d13c1ff && (cd /tmp/oldsrc && go build -o /tmp/swarm-old ./cmd/swarm)
//
// TestOldReleaseBinary runs it only when it is set.
const oldBinaryEnv = "SWARM_OLD_BINARY"

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freePort returns a TCP port on loopback that nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A real agent of the previous release joins a node of this one: the old
// agent leads, this node does not, the old agent reads what this node writes
// (it schedules a Deployment written here) and this node reads what the old
// agent writes (the assignments). The store keys and values are the agent's;
// this test only needs a Deployment the old agent accepts.
func TestOldReleaseBinary(t *testing.T) {
	bin := os.Getenv(oldBinaryEnv)
	if bin == "" {
		t.Skip("set " + oldBinaryEnv + " to a swarm binary of the previous release to run it against this one")
	}
	logs := &logCapture{}
	cfg := fastConfig("n0", t.TempDir())
	cfg.Logger = logs.logger()
	n0 := start(t, cfg)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out := &lockedBuffer{}
	cmd := exec.CommandContext(ctx, bin, "agent", "--runtime", "none", "--no-auth",
		"--state-dir", t.TempDir(), "--node-name", "old-1",
		"--bind", "127.0.0.1:"+strconv.Itoa(freePort(t)), "--api-listen", "127.0.0.1:"+strconv.Itoa(freePort(t)),
		"--join", n0.Addr(), "--join-token", n0.JoinToken(), "--dead-grace", "1h")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = cmd.Wait()
		t.Logf("old agent's log:\n%s", out.String())
	}()

	waitFor(t, 20*time.Second, "the old agent is a member that leads", func() bool {
		for _, m := range n0.Members() {
			if m.Name == "old-1" && m.State == StateAlive && m.protocol == protocolV1 {
				return n0.Leader() == "old-1" && !n0.IsLeader()
			}
		}
		return false
	})

	deployment := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"compat","namespace":"default"},` +
		`"spec":{"replicas":2,"selector":{"matchLabels":{"app":"compat"}},` +
		`"template":{"metadata":{"labels":{"app":"compat"}},"spec":{"containers":[{"name":"c","image":"localhost/none:latest"}]}}}}`
	if _, err := n0.Put("deployment/default/compat", []byte(deployment)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 40*time.Second, "the old agent's assignments of the Deployment written here", func() bool {
		count := 0
		for _, e := range n0.List("assignment/default/compat-") {
			if e.Version.Node == "old-1" {
				count++
			}
		}
		return count == 2
	})
	if n0.IsLeader() {
		t.Fatal("this node leads beside the old agent")
	}
	if got := logs.records(t, "node old-1 runs an older podman-swarm (cluster protocol 1"); len(got) != 1 {
		t.Fatalf("error records about old-1: %v", got)
	}
	if c := strings.Count(out.String(), "drop entry message"); c != 0 {
		t.Fatalf("the old agent dropped %d entry messages", c)
	}
	t.Logf("the old agent dropped %d push/pull states (the first one, sent before this node knew it, is expected)",
		strings.Count(out.String(), "drop push/pull state"))
}
