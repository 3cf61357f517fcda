//go:build linux

// Package privnet lets a test run inside a private user and network namespace of its own,
// where it may load nftables rules, add addresses and listen on any port without root and
// without touching the machine's network: the test binary runs itself again, with only that
// test, in a new namespace owned by the calling user, and the namespace is gone with it.
package privnet

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// envInside marks the copy of the test binary that runs inside the namespace.
const envInside = "SWARM_PRIVNET_INSIDE"

// Enter reports true when the test already runs inside its private namespace, where it
// goes on. Outside, it runs the test again inside one, reports its result (failing or
// skipping the test as the copy did) and returns false: the caller returns at once. It
// skips the test when user namespaces cannot be created here or a command the test needs
// (tools) is not installed. Only top-level tests can be entered.
func Enter(t *testing.T, tools ...string) bool {
	t.Helper()
	for _, tool := range append([]string{"ip"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	if os.Getenv(envInside) == t.Name() {
		Run(t, "ip", "link", "set", "lo", "up")
		return true
	}
	if strings.Contains(t.Name(), "/") {
		t.Fatalf("privnet.Enter: %s is a subtest; only a top-level test can run in a namespace", t.Name())
	}
	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envInside+"="+t.Name())
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EACCES) {
			t.Skipf("cannot create a user and network namespace here: %v", err)
		}
		t.Fatalf("run the test in a private namespace: %v", err)
	}
	err := cmd.Wait()
	text := out.String()
	switch {
	case err != nil:
		t.Fatalf("inside its private namespace the test failed (%v):\n%s", err, text)
	case strings.Contains(text, "--- SKIP: "+t.Name()):
		t.Skipf("skipped inside its private namespace:\n%s", text)
	case !strings.Contains(text, "--- PASS: "+t.Name()):
		t.Fatalf("the test did not run inside its private namespace:\n%s", text)
	}
	t.Logf("inside its private namespace:\n%s", text)
	return false
}

// Run runs a command the test needs to succeed (ip, nft), failing the test with its output.
func Run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}
