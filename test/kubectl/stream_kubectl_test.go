package kubectl_test

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// kubectl logs reads a pod's log from any node: the container it defaults to or the one
// named, --tail, --since, --timestamps; -f follows it until kubectl goes away.
func TestKubectlLogs(t *testing.T) {
	streamNeedKubectl(t)
	sc := startStreamCluster(t)
	kc := streamKubeconfig(t, sc, sc.token)

	r := streamRunKubectl(t, kc, nil, "logs", sc.pod)
	if r.code != 0 || r.stdout != "main line 1\nmain line 2\nmain line 3\nmain line 4\nmain line 5\n" ||
		!strings.Contains(r.stderr, `Defaulted container "main" out of: main, side`) {
		t.Errorf("logs: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = streamRunKubectl(t, kc, nil, "logs", sc.pod, "-c", "side", "--tail=2")
	if r.code != 0 || r.stdout != "side line 4\nside line 5\n" {
		t.Errorf("logs -c side --tail=2: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = streamRunKubectl(t, kc, nil, "logs", "pod/"+sc.pod, "-c", "main", "--since=150s")
	if r.code != 0 || r.stdout != "main line 4\nmain line 5\n" {
		t.Errorf("logs --since=150s: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = streamRunKubectl(t, kc, nil, "logs", sc.pod, "-c", "main", "--tail=1", "--timestamps")
	if stamped := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z main line 5\n$`); r.code != 0 || !stamped.MatchString(r.stdout) {
		t.Errorf("logs --timestamps: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = streamRunKubectl(t, kc, nil, "logs", sc.pod, "-c", "nope")
	if r.code == 0 || !strings.Contains(r.stderr, "container nope is not valid for pod "+sc.pod) {
		t.Errorf("logs -c nope: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = streamRunKubectl(t, kc, nil, "logs", sc.pod, "-c", "main", "--previous")
	if r.code == 0 || !strings.Contains(r.stderr, "previous=true is not supported") {
		t.Errorf("logs --previous: %d %q %q", r.code, r.stdout, r.stderr)
	}
	want := []string{
		"logs default/" + sc.pod + " main",
		"logs default/" + sc.pod + " side tail=2",
		"logs default/" + sc.pod + " main since",
		"logs default/" + sc.pod + " main timestamps tail=1",
	}
	if calls := sc.podRT.seen(); strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("the pod's node was asked %q, want %q", calls, want)
	}
	// A read-only token reads logs.
	if r := streamRunKubectl(t, streamKubeconfig(t, sc, sc.readOnly), nil, "logs", sc.pod, "-c", "side", "--tail=1"); r.code != 0 || r.stdout != "side line 5\n" {
		t.Errorf("logs with a read-only token: %d %q %q", r.code, r.stdout, r.stderr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := streamKubectlCommand(ctx, t, kc, "logs", "-f", sc.pod, "-c", "side", "--tail=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("kubectl logs -f ended: %v", lines.Err())
		}
		return lines.Text()
	}
	if l := next(); l != "side line 5" {
		t.Errorf("logs -f: first line %q", l)
	}
	select {
	case sc.podRT.follow <- "written later":
	case <-time.After(20 * time.Second):
		t.Fatal("the pod's node does not follow the log")
	}
	if l := next(); l != "written later" {
		t.Errorf("logs -f: followed %q", l)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	streamWait(t, 20*time.Second, "the pod's node stops following", func() bool { return sc.podRT.following.Load() == 0 })
}

// kubectl exec runs a command in a pod from any node: its output comes back, kubectl exits
// with its exit code, -i passes input; a read-only token is refused with a Status.
func TestKubectlExec(t *testing.T) {
	streamNeedKubectl(t)
	sc := startStreamCluster(t)
	kc := streamKubeconfig(t, sc, sc.token)

	r := streamRunKubectl(t, kc, nil, "exec", sc.pod, "-c", "side", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.code != 3 || r.stdout != "out\n" || !strings.HasPrefix(r.stderr, "err\n") || !strings.Contains(r.stderr, "command terminated with exit code 3") {
		t.Errorf("exec exit 3: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = streamRunKubectl(t, kc, nil, "exec", sc.pod, "--", "echo", "hello", "world")
	if r.code != 0 || r.stdout != "hello world\n" || !strings.Contains(r.stderr, `Defaulted container "main" out of: main, side`) {
		t.Errorf("exec echo: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = streamRunKubectl(t, kc, strings.NewReader("hello\nagain\n"), "exec", "-i", sc.pod, "-c", "main", "--", "sh", "-c", "tr a-z A-Z; exit 7")
	if r.code != 7 || r.stdout != "HELLO\nAGAIN\n" {
		t.Errorf("exec -i: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// A larger input, whole and in order.
	var in strings.Builder
	for i := range 20000 {
		in.WriteString(strings.Repeat("x", i%50) + "\n")
	}
	r = streamRunKubectl(t, kc, strings.NewReader(in.String()), "exec", "-i", sc.pod, "-c", "main", "--", "cat")
	if r.code != 0 || r.stdout != in.String() {
		t.Errorf("exec -i cat: %d, %d bytes of %d, %q", r.code, len(r.stdout), in.Len(), r.stderr)
	}
	want := []string{
		"exec default/" + sc.pod + " side sh -c echo out; echo err >&2; exit 3",
		"exec default/" + sc.pod + " main echo hello world",
		"exec default/" + sc.pod + " main sh -c tr a-z A-Z; exit 7",
		"exec default/" + sc.pod + " main cat",
	}
	if calls := sc.podRT.seen(); strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("the pod's node ran %q, want %q", calls, want)
	}
	if calls := sc.otherRT.seen(); len(calls) != 0 {
		t.Errorf("the node that does not run the pod ran %q", calls)
	}

	r = streamRunKubectl(t, streamKubeconfig(t, sc, sc.readOnly), nil, "exec", sc.pod, "-c", "main", "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "Forbidden") || !strings.Contains(r.stderr, "is read-only: running a command in a pod needs a token with full rights") {
		t.Errorf("exec with a read-only token: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if calls := sc.podRT.seen(); len(calls) != 0 {
		t.Errorf("a read-only token ran %q", calls)
	}
	r = streamRunKubectl(t, kc, io.MultiReader(), "exec", sc.pod, "-c", "nope", "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "container nope is not valid for pod "+sc.pod) {
		t.Errorf("exec -c nope: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
