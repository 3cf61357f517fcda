package reconcile

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestRig proves the loop against real systemd and podman: it builds the test server, the
// swarm binary (for probes) and this package's test binary, copies them into a node of the
// end-to-end rig (test/e2e/rig; booting one node if none is up, and taking it down after)
// and runs TestInNode there as the rig's user. Run it as root with SWARM_E2E=1; with the
// variable set, a rig that cannot be brought up fails the test. SWARM_E2E_NODE picks the
// node (default 1); SWARM_E2E_RIG names another script with rig's interface (up, down,
// pid, user, cp-in, image) to run it with.
func TestRig(t *testing.T) {
	if os.Getenv("SWARM_E2E") != "1" {
		t.Skip("set SWARM_E2E=1 (as root) to run against real systemd in the e2e rig")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	rig := os.Getenv("SWARM_E2E_RIG")
	if rig == "" {
		rig = filepath.Join(root, "test", "e2e", "rig")
	}
	node := os.Getenv("SWARM_E2E_NODE")
	if node == "" {
		node = "1"
	}
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %q: %v\n%s", name, args, err, out)
		}
	}
	if err := exec.Command(rig, "pid", node).Run(); err != nil {
		t.Logf("the rig is not up (%v): booting one node", err)
		run(rig, "up", "1")
		node = "1"
		t.Cleanup(func() {
			if out, err := exec.Command(rig, "down").CombinedOutput(); err != nil {
				t.Errorf("rig down: %v\n%s", err, out)
			}
		})
	}
	tmp := t.TempDir()
	run("go", "build", "-o", filepath.Join(tmp, "testserver"), "./contrib/testserver")
	run("go", "build", "-o", filepath.Join(tmp, "swarm"), "./cmd/swarm")
	run("go", "test", "-c", "-o", filepath.Join(tmp, "reconcile.test"), "./reconcile")
	run(rig, "image", node, "web-e2e", filepath.Join(tmp, "testserver"))
	run(rig, "cp-in", node, filepath.Join(tmp, "swarm"), nodeSwarmBinary)
	run(rig, "cp-in", node, filepath.Join(tmp, "reconcile.test"), "/home/swarm/reconcile.test")

	// The node may go away under the test (the rig is shared): a deadline ends the wait
	// for output that would never come.
	deadline, ok := t.Deadline()
	if !ok {
		deadline = time.Now().Add(15 * time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(-30*time.Second))
	defer cancel()
	cmd := exec.CommandContext(ctx, rig, "user", node, "env", "SWARM_E2E_INNODE=1",
		"/home/swarm/reconcile.test", "-test.run", "^TestInNode$", "-test.v", "-test.timeout", "15m")
	cmd.WaitDelay = 10 * time.Second
	logw := &lineLogger{t: t}
	cmd.Stdout, cmd.Stderr = logw, logw
	err = cmd.Run()
	logw.flush()
	if err != nil {
		t.Fatalf("TestInNode in node %s: %v", node, err)
	}
}

// lineLogger passes what it is written to t.Log, a line at a time.
type lineLogger struct {
	t    *testing.T
	mu   sync.Mutex
	part []byte
}

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.part = append(l.part, b...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.t.Log(string(l.part[:i]))
		l.part = l.part[i+1:]
	}
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.part) > 0 {
		l.t.Log(string(l.part))
		l.part = nil
	}
}

// nodeSwarmBinary is where TestRig puts the swarm binary in the node, for the probes.
const nodeSwarmBinary = "/home/swarm/swarm"
