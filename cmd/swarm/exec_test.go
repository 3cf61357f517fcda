package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// localAttacher runs `swarm exec` commands as processes of this machine, on pipes or a
// pseudo-terminal, and connects forwarded ports with the agent's own port pipe to this
// machine's loopback: the whole path through the API and between the agents is the real
// one, only podman is left out (the agents run no runtime).
type localAttacher struct {
	mu    sync.Mutex
	calls []string // "pod container command" of each Exec, "pod port" of each PortForward
	// cgroups are the folders `swarm top` reads as the containers' cgroups.
	cgroups []reconcile.ContainerCgroup
}

func (l *localAttacher) ContainerCgroups(context.Context) ([]reconcile.ContainerCgroup, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]reconcile.ContainerCgroup(nil), l.cgroups...), nil
}

func (l *localAttacher) setCgroups(cg ...reconcile.ContainerCgroup) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cgroups = cg
}

func (l *localAttacher) Exec(ctx context.Context, podKey, container string, command []string, s reconcile.Stdio) (int, error) {
	l.record(podKey + " " + container + " " + strings.Join(command, " "))
	return reconcile.RunAttached(ctx, command, s)
}

func (l *localAttacher) PortForward(_ context.Context, podKey string, port int32, conn io.ReadWriter) error {
	l.record(podKey + " " + strconv.Itoa(int(port)))
	return portPipe(int(port), conn, conn)
}

func (l *localAttacher) record(call string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, call)
}

func (l *localAttacher) seen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

const execManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: tool
spec:
  selector:
    matchLabels: {app: tool}
  template:
    metadata:
      labels: {app: tool}
    spec:
      containers:
        - name: main
          image: docker.io/library/alpine:3
        - name: side
          image: docker.io/library/alpine:3
`

// execCluster is two live agents on loopback whose pods are "run" by localAttachers, with
// one pod of a Deployment placed on one of them.
type execCluster struct {
	pod             string
	podNode, other  *agent.Agent
	podAt, otherAt  *localAttacher
	token, readOnly string
}

func startExecCluster(t *testing.T) execCluster {
	t.Helper()
	isolate(t)
	at0, at1 := &localAttacher{}, &localAttacher{}
	n0, dir0 := startLiveAgent(t, "n0", t.TempDir(), func(c *agent.Config) { c.PodAttach, c.PodUsage = at0, at0 })
	n1, _ := startLiveAgent(t, "n1", t.TempDir(), func(c *agent.Config) {
		c.Join, c.JoinToken, c.PodAttach, c.PodUsage = []string{n0.Node().Addr()}, n0.Node().JoinToken(), at1, at1
	})
	waitFor(t, 15*time.Second, "both nodes see both", func() bool { return aliveMembers(n0) == 2 && aliveMembers(n1) == 2 })
	token := readToken(t, dir0)
	t.Setenv("SWARM_SERVER", n0.APIAddr())
	t.Setenv("SWARM_TOKEN", token)
	file := filepath.Join(t.TempDir(), "tool.yaml")
	if err := os.WriteFile(file, []byte(execManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, "apply", "-f", file); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	c := testClient(t, n0.APIAddr(), token)
	var pod corev1.Pod
	waitFor(t, 15*time.Second, "the pod is placed", func() bool {
		var l corev1.PodList
		if err := c.api.Get(context.Background(), "/api/v1/pods", nil, &l); err != nil || len(l.Items) != 1 || l.Items[0].Spec.NodeName == "" {
			return false
		}
		pod = l.Items[0]
		return true
	})
	ec := execCluster{pod: pod.Name, token: token}
	// The CLI talks to the node that does not run the pod: its request must be passed on.
	if pod.Spec.NodeName == "n0" {
		ec.podNode, ec.other, ec.podAt, ec.otherAt = n0, n1, at0, at1
	} else {
		ec.podNode, ec.other, ec.podAt, ec.otherAt = n1, n0, at1, at0
	}
	t.Setenv("SWARM_SERVER", ec.other.APIAddr())
	ro, err := runCLI(t, "token", "create", "--read-only", "-q")
	if err != nil {
		t.Fatal(err)
	}
	ec.readOnly = strings.TrimSpace(ro)
	return ec
}

// swarm exec runs a command in a pod on the node that runs it, whichever node the CLI talks
// to: its output, its error output and its exit status come back, its input goes in, and
// with -t it runs on a terminal of the size the CLI's is.
func TestExecAgainstLiveAgents(t *testing.T) {
	ec := startExecCluster(t)

	out, err := runCLI(t, "exec", ec.pod, "-c", "side", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
	// Both streams end up in runCLI's one buffer, in either order.
	if out != "out\nerr\n" && out != "err\nout\n" || err == nil || err.Error() != "command terminated with exit code 3" || exitStatus(err) != 3 {
		t.Errorf("exec: %v (status %d)\n%q", err, exitStatus(err), out)
	}
	want := "default/" + ec.pod + " side sh -c echo out; echo err >&2; exit 3"
	if calls := ec.podAt.seen(); len(calls) != 1 || calls[0] != want {
		t.Errorf("the pod's node ran %q, want %q", calls, want)
	}
	if calls := ec.otherAt.seen(); len(calls) != 0 {
		t.Errorf("the node that does not run the pod ran %q", calls)
	}
	if out, err := runCLI(t, "exec", "pod/"+ec.pod, "--", "true"); err != nil || out != "" {
		t.Errorf("exec pod/NAME -- true: %v %q", err, out)
	}
	// A workload's pod, as kubectl picks it.
	for _, target := range []string{"deployment/tool", "deploy/tool"} {
		if out, err := runCLI(t, "exec", target, "-c", "main", "--", "true"); err != nil || out != "" {
			t.Errorf("exec %s -- true: %v %q", target, err, out)
		}
	}
	if calls := ec.podAt.seen(); len(calls) != 4 || calls[3] != "default/"+ec.pod+" main true" {
		t.Errorf("deployment/tool ran %q", calls)
	}

	c := testClient(t, ec.other.APIAddr(), ec.token)
	var stdout, stderr strings.Builder
	o := execOptions{namespace: "default", pod: ec.pod, command: []string{"sh", "-c", "tr a-z A-Z; echo bye >&2"}, stdin: true}
	code, err := runExec(context.Background(), c, o, strings.NewReader("hello\n"), &stdout, &stderr, nil)
	if err != nil || code != 0 || stdout.String() != "HELLO\n" || stderr.String() != "bye\n" {
		t.Errorf("exec -i: %d %v, stdout %q, stderr %q", code, err, stdout.String(), stderr.String())
	}

	sizes := make(chan api.TerminalSize, 1)
	sizes <- api.TerminalSize{Width: 87, Height: 21}
	defer close(sizes)
	stdout.Reset()
	o = execOptions{namespace: "default", pod: ec.pod, command: []string{"sh", "-c", "test -t 0 && test -t 1 && stty size; exit 5"}, stdin: true, tty: true}
	in, feed := io.Pipe()
	defer feed.Close()
	code, err = runExec(context.Background(), c, o, in, &stdout, &stderr, sizes)
	if err != nil || code != 5 || stdout.String() != "21 87\r\n" {
		t.Errorf("exec -it: %d %v, stdout %q", code, err, stdout.String())
	}

	// The command ends when the CLI goes away.
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		o := execOptions{namespace: "default", pod: ec.pod, command: []string{"sh", "-c", "echo $$ > " + pidFile + ".new && mv " + pidFile + ".new " + pidFile + " && exec sleep 60"}}
		_, err := runExec(ctx, c, o, nil, io.Discard, io.Discard, nil)
		done <- err
	}()
	var pid string
	waitFor(t, 10*time.Second, "the sleep runs", func() bool {
		data, err := os.ReadFile(pidFile)
		pid = strings.TrimSpace(string(data))
		return err == nil
	})
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("interrupted exec: %v", err)
	}
	waitFor(t, 10*time.Second, "the command is gone", func() bool {
		_, err := os.Stat("/proc/" + pid)
		return os.IsNotExist(err)
	})
}

// Bad requests to swarm exec get one clear line and exit status 1.
func TestExecRefusals(t *testing.T) {
	ec := startExecCluster(t)
	for _, tc := range []struct{ args, want string }{
		{"exec " + ec.pod, "you must specify at least one command for the container"},
		{"exec", "POD and COMMAND are required arguments for the exec command"},
		{"exec " + ec.pod + " ls", "put -- before the command"},
		{"exec nope -- ls", "pod default/nope not found"},
		{"exec deployment/nope -- ls", `deployment "nope" not found in namespace default`},
		{"exec service/tool -- ls", "cannot attach to service: name a pod, or deployment/NAME, statefulset/NAME, daemonset/NAME or job/NAME"},
		{"exec " + ec.pod + " -c nope -- ls", `pod default/` + ec.pod + ` has no container "nope"`},
		{"exec " + ec.pod + " --token " + ec.readOnly + " -- ls", "is read-only: running a command in a pod needs a token with full rights"},
		{"exec " + ec.pod + " -- /nonexistent/command", "run /nonexistent/command: fork/exec /nonexistent/command: no such file or directory"},
	} {
		out, err := runCLI(t, strings.Fields(tc.args)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || exitStatus(err) != 1 || strings.Contains(err.Error(), "\n") {
			t.Errorf("swarm %s: %v (status %d), want %q\n%s", tc.args, err, exitStatus(err), tc.want, out)
		}
	}
	// Without a terminal of its own, -t says so and runs the command anyway, as kubectl.
	out, err := runCLI(t, "exec", "-t", ec.pod, "--", "echo", "hi")
	if err != nil || !strings.Contains(out, "Unable to use a TTY - input is not a terminal or the right kind of file\n") || !strings.HasSuffix(out, "hi\n") {
		t.Errorf("exec -t without a terminal: %v\n%s", err, out)
	}
}

// An agent that runs no pods says so rather than pretend.
func TestExecOnANodeWithoutRuntime(t *testing.T) {
	isolate(t)
	a, dir := startLiveAgent(t, "n1", t.TempDir())
	t.Setenv("SWARM_SERVER", a.APIAddr())
	t.Setenv("SWARM_TOKEN", readToken(t, dir))
	file := filepath.Join(t.TempDir(), "tool.yaml")
	if err := os.WriteFile(file, []byte(execManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, "apply", "-f", file); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	var err error
	waitFor(t, 15*time.Second, "the pod is placed and refuses exec", func() bool {
		_, err = runCLI(t, "exec", "-n", "default", podOf(t, a), "--", "ls")
		return err != nil && strings.Contains(err.Error(), "node n1 runs no pods (--runtime none), so nothing can run in them")
	})
}

func podOf(t *testing.T, a *agent.Agent) string {
	t.Helper()
	c := testClient(t, a.APIAddr(), os.Getenv("SWARM_TOKEN"))
	var l corev1.PodList
	if err := c.api.Get(context.Background(), "/api/v1/pods", nil, &l); err != nil || len(l.Items) == 0 {
		return "none-yet"
	}
	return l.Items[0].Name
}

// swarm port-forward listens locally and passes each connection on to the pod's port,
// through the node the CLI talks to and the node that runs the pod.
func TestPortForwardAgainstLiveAgents(t *testing.T) {
	ec := startExecCluster(t)
	// What the pod serves: a line, upper-cased.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				line, _ := bufio.NewReader(conn).ReadString('\n')
				_, _ = io.WriteString(conn, strings.ToUpper(line))
			}()
		}
	}()
	remote := ln.Addr().(*net.TCPAddr).Port

	c := testClient(t, ec.other.APIAddr(), ec.token)
	var out, errOut lockedWriter
	f, err := newPortForwarder(c, "default", ec.pod, []string{"127.0.0.1"}, []string{":" + strconv.Itoa(remote)}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	local := f.listeners[0].Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.serve(ctx) }()
	for i := range 3 {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(local))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		msg := "ping " + strconv.Itoa(i) + "\n"
		if _, err := io.WriteString(conn, msg); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(conn)
		conn.Close()
		if err != nil || string(got) != strings.ToUpper(msg) {
			t.Errorf("connection %d: %v %q", i, err, got)
		}
	}
	cancel()
	if err := <-served; err != nil {
		t.Error(err)
	}
	want := "Forwarding from 127.0.0.1:" + strconv.Itoa(local) + " -> " + strconv.Itoa(remote) + "\n" +
		strings.Repeat("Handling connection for "+strconv.Itoa(local)+"\n", 3)
	if out.String() != want || errOut.String() != "" {
		t.Errorf("output:\n%s\nwant:\n%s\nerrors:\n%s", out.String(), want, errOut.String())
	}
	if calls := ec.podAt.seen(); len(calls) != 3 || calls[0] != "default/"+ec.pod+" "+strconv.Itoa(remote) {
		t.Errorf("the pod's node forwarded %q", calls)
	}
}

// Bad requests to swarm port-forward get one clear line and exit status 1.
func TestPortForwardRefusals(t *testing.T) {
	ec := startExecCluster(t)
	for _, tc := range []struct{ args, want string }{
		{"port-forward " + ec.pod, "requires at least 2 arg(s)"},
		{"port-forward " + ec.pod + " http", `invalid port "http": the remote port "http" is not a number from 1 to 65535`},
		{"port-forward " + ec.pod + " 0:80", `invalid port "0:80": the local port "0" is not a number from 1 to 65535`},
		{"port-forward " + ec.pod + " 80:70000", `invalid port "80:70000": the remote port "70000"`},
		{"port-forward nope 8080:80", "pod default/nope not found"},
		{"port-forward statefulset/nope 8080:80", `statefulset "nope" not found in namespace default`},
	} {
		out, err := runCLI(t, strings.Fields(tc.args)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || exitStatus(err) != 1 {
			t.Errorf("swarm %s: %v, want %q\n%s", tc.args, err, tc.want, out)
		}
	}
	// The API refuses a read-only token and a bad port, before any connection switches.
	c := testClient(t, ec.other.APIAddr(), ec.readOnly)
	path := "/api/v1/pods/default/" + ec.pod + "/portforward"
	if _, err := c.api.Upgrade(context.Background(), path, map[string][]string{"port": {"80"}}, api.PortForwardProtocol); err == nil ||
		!strings.Contains(err.Error(), "is read-only: forwarding a port of a pod needs a token with full rights") {
		t.Errorf("read-only token: %v", err)
	}
	c = testClient(t, ec.other.APIAddr(), ec.token)
	if _, err := c.api.Upgrade(context.Background(), path, map[string][]string{"port": {"0"}}, api.PortForwardProtocol); err == nil ||
		!strings.Contains(err.Error(), `invalid port "0": want a number from 1 to 65535`) {
		t.Errorf("port 0: %v", err)
	}
	if err := c.do("POST", path, map[string][]string{"port": {"80"}}, "", nil, nil); err == nil ||
		!strings.Contains(err.Error(), "this route needs a connection upgraded to swarm-portforward/1") {
		t.Errorf("without an upgrade: %v", err)
	}
}

func TestParsePortPair(t *testing.T) {
	for in, want := range map[string]portPair{"80": {80, 80}, "8080:80": {8080, 80}, ":5432": {0, 5432}} {
		if got, err := parsePortPair(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, in := range []string{"", ":", "a:80", "80:", "-1", "65536"} {
		if _, err := parsePortPair(in); err == nil {
			t.Errorf("%q was taken", in)
		}
	}
}

// lockedWriter is a strings.Builder that several goroutines write.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// KIND/NAME names a workload's pod: a Deployment's through its selector, a Job's through
// its pods' route; a pod that finished is never picked.
func TestResolvePodOfAWorkload(t *testing.T) {
	ec := startExecCluster(t)
	c := testClient(t, ec.other.APIAddr(), ec.token)
	ctx := context.Background()
	for _, target := range []string{ec.pod, "pod/" + ec.pod, "po/" + ec.pod, "deployment/tool", "Deployment/tool", "deployments/tool", "deploy/tool"} {
		if got, err := resolvePod(ctx, c, "default", target); err != nil || got != ec.pod {
			t.Errorf("%s: %q %v", target, got, err)
		}
	}
	file := filepath.Join(t.TempDir(), "jobs.yaml")
	if err := os.WriteFile(file, []byte(jobsManifest), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runCLI(t, "apply", "-f", file); err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	var got string
	waitFor(t, 15*time.Second, "job/migrate has a pod", func() bool {
		var err error
		got, err = resolvePod(ctx, c, "default", "job/migrate")
		return err == nil
	})
	if !strings.HasPrefix(got, "migrate-") {
		t.Errorf("job/migrate: %q", got)
	}
	if _, err := resolvePod(ctx, c, "default", "daemonset/nope"); err == nil || err.Error() != `daemonset "nope" not found in namespace default` {
		t.Errorf("daemonset/nope: %v", err)
	}
}
