package netns

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/internal/privnet"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netrules"
)

// envEnter makes the test binary act as `swarm netns enter`, as the loader's re-exec.
const envEnter = "SWARM_NETNS_TEST_ENTER"

func TestMain(m *testing.M) {
	if os.Getenv(envEnter) == "1" {
		targets, err := ParseTargets(os.Args[1:])
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(2)
		}
		rules, _ := readAll(os.Stdin)
		if !EnterAll(context.Background(), rules, targets, os.Stdout) {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func readAll(f *os.File) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(f)
	return b.Bytes(), err
}

func TestParseInfra(t *testing.T) {
	got := parseInfra("101 web-a true\n102 web-a false\n0 web-b true\n\ngarbage\n103 db true\n")
	if len(got) != 2 || got["web-a"] != 101 || got["db"] != 103 {
		t.Errorf("parseInfra = %v, want web-a 101 and db 103", got)
	}
}

func TestParseTargets(t *testing.T) {
	got, err := ParseTargets([]string{"web-a=101", "db=7"})
	if err != nil || len(got) != 2 || got[0] != (Target{Pod: "web-a", PID: 101}) || got[1] != (Target{Pod: "db", PID: 7}) {
		t.Errorf("ParseTargets = %v, %v", got, err)
	}
	for _, bad := range []string{"web", "=5", "web=x", "web=-1"} {
		if _, err := ParseTargets([]string{bad}); err == nil {
			t.Errorf("ParseTargets(%q) accepted it", bad)
		}
	}
}

func TestMissingSaysWhatToInstall(t *testing.T) {
	saved := toolDirs
	toolDirs = nil
	t.Cleanup(func() { toolDirs = saved })
	t.Setenv("PATH", t.TempDir())
	err := Missing()
	if err == nil {
		t.Fatal("Missing found nft on an empty PATH")
	}
	for _, want := range []string{"nft (package nftables)", "apt install nftables", "dnf install nftables"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Missing() = %q, want it to say %q", err, want)
		}
	}
}

// fakePodman writes a podman that answers ps from a file and runs unshare's command as it
// is (the test is already root of its private user namespace), logging each call.
func fakePodman(t *testing.T, ps string) (podman, calls string) {
	dir := t.TempDir()
	calls = filepath.Join(dir, "calls")
	psFile := filepath.Join(dir, "ps")
	if err := os.WriteFile(psFile, []byte(ps), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"$*\" >> " + calls + "\ncase \"$1\" in\nps) cat " + psFile + " ;;\nunshare) shift; exec \"$@\" ;;\nesac\n"
	podman = filepath.Join(dir, "podman")
	if err := os.WriteFile(podman, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return podman, calls
}

// startPod starts a process in a network namespace of its own, as a pod's infra container.
func startPod(t *testing.T) int {
	cmd := exec.Command("unshare", "-n", "sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start a process in a new network namespace: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd.Process.Pid
}

func rulesetOf(t *testing.T, pid int) string {
	out, err := exec.Command("nsenter", "--net=/proc/"+strconv.Itoa(pid)+"/ns/net", "nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("list the ruleset of PID %d: %v: %s", pid, err, out)
	}
	return string(out)
}

func TestLoadIntoNamespaces(t *testing.T) {
	if !privnet.Enter(t, "nft", "nsenter", "unshare") {
		return
	}
	a, b := startPod(t), startPod(t)
	// The namespace of a new process appears once unshare has made it; wait for both.
	for _, pid := range []int{a, b} {
		for i := 0; ; i++ {
			own, _ := os.Readlink("/proc/self/ns/net")
			its, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/net")
			if its != "" && its != own {
				break
			}
			if i > 500 {
				t.Fatalf("PID %d never got a network namespace of its own", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	podman, calls := fakePodman(t, strconv.Itoa(a)+" web-a true\n"+strconv.Itoa(a+100000)+" web-a false\n"+strconv.Itoa(b)+" db true\n")
	t.Setenv(envEnter, "1")
	l := Loader{Podman: podman, Enter: []string{os.Args[0]}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	rules := []byte(netrules.Render(netrules.Input{Pods: []netrules.Pod{{Name: "x/y", IP: "10.42.0.7", Address: "127.0.0.2",
		Ports: []manifest.PublishedPort{{ContainerPort: 80, HostPort: 20001}}}}}))
	if err := l.Load(ctx, rules, []string{"web-a", "db"}); err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, pid := range []int{a, b} {
		if rs := rulesetOf(t, pid); !strings.Contains(rs, "table ip swarm") || !strings.Contains(rs, "10.42.0.7") {
			t.Errorf("the namespace of PID %d lacks the rules:\n%s", pid, rs)
		}
	}
	if rs := rulesetOf(t, os.Getpid()); strings.Contains(rs, "swarm") {
		t.Errorf("the rules leaked into the test's own namespace:\n%s", rs)
	}
	log, _ := os.ReadFile(calls)
	if lines := strings.Split(strings.TrimSpace(string(log)), "\n"); len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "ps ") || !strings.Contains(lines[0], "--filter pod=web-a --filter pod=db") ||
		!strings.HasPrefix(lines[1], "unshare ") {
		t.Errorf("podman was called as:\n%s\nwant one ps for both pods, then one unshare", log)
	}

	// A pod that is not running and rules nft refuses are named in the error.
	err := l.Load(ctx, []byte("table ip swarm { chain c { nonsense } }\n"), []string{"db", "gone"})
	if err == nil {
		t.Fatal("Load of bad rules succeeded")
	}
	t.Logf("the error: %v", err)
	for _, want := range []string{"load rules into pod gone: it has no running infra container", "load rules into pod db:", "nonsense"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error %q does not say %q", err, want)
		}
	}
	if pods, all := FailedPods(err); all || len(pods) != 2 || pods[0] != "gone" || pods[1] != "db" {
		t.Errorf("FailedPods = %v, %v; want gone and db", pods, all)
	}
	if rs := rulesetOf(t, b); !strings.Contains(rs, "10.42.0.7") {
		t.Errorf("a refused load changed the rules of db:\n%s", rs)
	}
}

func TestFailedPods(t *testing.T) {
	err := errors.Join(&PodError{Pod: "a", Err: io.EOF}, errors.Join(&PodError{Pod: "b", Err: io.EOF}, &PodError{Pod: "c", Err: io.EOF}))
	if pods, all := FailedPods(err); all || !slices.Equal(pods, []string{"a", "b", "c"}) {
		t.Errorf("FailedPods = %v, %v; want a, b, c", pods, all)
	}
	if _, all := FailedPods(errors.Join(&PodError{Pod: "a", Err: io.EOF}, io.EOF)); !all {
		t.Error("FailedPods of an error about no pod in particular did not say all")
	}
	if pods, all := FailedPods(nil); pods != nil || all {
		t.Errorf("FailedPods(nil) = %v, %v", pods, all)
	}
}
