package netkeeper

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/privnet"
	"github.com/podman-swarm/podman-swarm/netns"
)

// envEnter makes the test binary act as `swarm netns enter`, as the loader's re-exec.
const envEnter = "SWARM_NETKEEPER_TEST_ENTER"

func TestMain(m *testing.M) {
	if os.Getenv(envEnter) == "1" {
		targets, err := netns.ParseTargets(os.Args[1:])
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(2)
		}
		rules, _ := io.ReadAll(os.Stdin)
		if !netns.EnterAll(context.Background(), rules, targets, os.Stdout) {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The keeper with the real loader: a process in a network namespace of its own stands for
// the pod's infra container, a script for podman (ps answers its PID, unshare runs its
// command as it is: the test is root of its private user namespace already).
func TestKeeperLoadsARealNamespace(t *testing.T) {
	if !privnet.Enter(t, "nft", "nsenter", "unshare") {
		return
	}
	infra := exec.Command("unshare", "-n", "sleep", "300")
	if err := infra.Start(); err != nil {
		t.Fatalf("start a process in a new network namespace: %v", err)
	}
	t.Cleanup(func() { infra.Process.Kill(); infra.Wait() })
	pid := strconv.Itoa(infra.Process.Pid)
	own, _ := os.Readlink("/proc/self/ns/net")
	for i := 0; ; i++ {
		if its, _ := os.Readlink("/proc/" + pid + "/ns/net"); its != "" && its != own {
			break
		}
		if i > 500 {
			t.Fatal("the infra process never got a network namespace of its own")
		}
		time.Sleep(10 * time.Millisecond)
	}
	dir := t.TempDir()
	podman := filepath.Join(dir, "podman")
	script := "#!/bin/sh\ncase \"$1\" in\nps) echo '" + pid + " swarm-default_p true' ;;\nunshare) shift; exec \"$@\" ;;\nesac\n"
	if err := os.WriteFile(podman, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envEnter, "1")

	w := &world{in: podInput("10.42.0.5"), pods: []string{"swarm-default_p"}}
	k, _ := startKeeper(t, w, &netns.Loader{Podman: podman, Enter: []string{os.Args[0]}}, time.Hour)
	waitRules(t, pid, "10.42.0.5 . tcp . 80")
	w.set(func(w *world) { w.in = podInput("10.42.0.6") })
	k.Poke()
	rs := waitRules(t, pid, "10.42.0.6 . tcp . 80")
	if strings.Contains(rs, "10.42.0.5") {
		t.Errorf("the old rules are still there:\n%s", rs)
	}
}

// waitRules waits until the namespace of pid has rules containing want.
func waitRules(t *testing.T, pid, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := exec.Command("nsenter", "--net=/proc/"+pid+"/ns/net", "nft", "list", "ruleset").CombinedOutput()
		if err != nil {
			t.Fatalf("list the ruleset: %v: %s", err, out)
		}
		if strings.Contains(string(out), want) {
			return string(out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the namespace never got %q:\n%s", want, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
