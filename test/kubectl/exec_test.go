package kubectl_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
)

// execURL is the exec URL of the cluster's pod on the node that does not run it, with
// command and the flags in q.
func (sc *podCluster) execURL(q url.Values, command ...string) string {
	all := url.Values{"command": command}
	for k, v := range q {
		all[k] = v
	}
	return sc.other.server + "/api/v1/namespaces/default/pods/" + sc.pod + "/exec?" + all.Encode()
}

// execWith runs an exec of the cluster's pod with client-go's websocket executor, speaking
// protocols (v5 alone when none), and returns what came out and its error.
func (sc *podCluster) execWith(ctx context.Context, t *testing.T, q url.Values, opts remotecommand.StreamOptions, command []string, protocols ...string) (string, string, error) {
	t.Helper()
	cfg := &rest.Config{Host: sc.other.server, BearerToken: sc.admin, TLSClientConfig: rest.TLSClientConfig{CAFile: sc.ca}}
	if len(protocols) == 0 {
		protocols = []string{"v5.channel.k8s.io"}
	}
	ex, err := remotecommand.NewWebSocketExecutorForProtocols(cfg, http.MethodGet, sc.execURL(q, command...), protocols...)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if opts.Stdout == nil && q.Get("stdout") == "true" {
		opts.Stdout = &stdout
	}
	if opts.Stderr == nil && q.Get("stderr") == "true" {
		opts.Stderr = &stderr
	}
	err = ex.StreamWithContext(ctx, opts)
	return stdout.String(), stderr.String(), err
}

// exitCode is the exit code client-go read from the exec's status; 0 without an error.
func exitCode(err error) int {
	var ce utilexec.CodeExitError
	if errors.As(err, &ce) {
		return ce.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

// sizeQueue gives a terminal its one size, then none until the test ends.
type sizeQueue struct {
	sizes chan remotecommand.TerminalSize
}

func (q sizeQueue) Next() *remotecommand.TerminalSize {
	s, ok := <-q.sizes
	if !ok {
		return nil
	}
	return &s
}

// An exec over the websocket protocol kubectl speaks (v5.channel.k8s.io), asked of the node
// that does not run the pod: the pod's node runs the command in the container named, its
// output and error output come back on their channels, its exit code in the status, which
// client-go turns into the code it exits with; its input goes in, and its end (v5's CLOSE)
// ends the command's input.
func TestExecOverWebsocketV5(t *testing.T) {
	sc := startPodCluster(t)
	ctx := context.Background()
	out := url.Values{"stdout": {"true"}, "stderr": {"true"}}

	stdout, stderr, err := sc.execWith(ctx, t, withContainer(out, "side"), remotecommand.StreamOptions{}, []string{"sh", "-c", "echo out; echo err >&2; exit 3"})
	if stdout != "out\n" || stderr != "err\n" || exitCode(err) != 3 || err.Error() != "command terminated with exit code 3" {
		t.Errorf("exit 3: stdout %q, stderr %q, %v", stdout, stderr, err)
	}
	want := "exec default/" + sc.pod + " side sh -c echo out; echo err >&2; exit 3"
	if calls := sc.podNode.runtime.seen(); len(calls) != 1 || calls[0] != want {
		t.Errorf("the pod's node ran %q, want %q", calls, want)
	}
	if calls := sc.other.runtime.seen(); len(calls) != 0 {
		t.Errorf("the node that does not run the pod ran %q", calls)
	}

	stdout, _, err = sc.execWith(ctx, t, withContainer(out, "main"), remotecommand.StreamOptions{}, []string{"sh", "-c", "printf '%s|' \"$@\"", "-", "a b", "-x", ""})
	if err != nil || stdout != "a b|-x||" {
		t.Errorf("arguments: %q, %v", stdout, err)
	}

	in := url.Values{"stdin": {"true"}, "stdout": {"true"}, "stderr": {"true"}, "container": {"main"}}
	stdout, stderr, err = sc.execWith(ctx, t, in, remotecommand.StreamOptions{Stdin: strings.NewReader("hello\nworld\n")},
		[]string{"sh", "-c", "tr a-z A-Z; echo bye >&2"})
	if err != nil || stdout != "HELLO\nWORLD\n" || stderr != "bye\n" {
		t.Errorf("stdin: stdout %q, stderr %q, %v", stdout, stderr, err)
	}

	// A big output arrives whole, in order.
	stdout, _, err = sc.execWith(ctx, t, withContainer(out, "main"), remotecommand.StreamOptions{}, []string{"seq", "1", "100000"})
	if lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n"); err != nil || len(lines) != 100000 || lines[0] != "1" || lines[99999] != "100000" {
		t.Errorf("seq 1 100000: %d lines, %v", len(lines), err)
	}

	// On a terminal, of the size the client gave first; stderr goes to the terminal too.
	sizes := make(chan remotecommand.TerminalSize, 1)
	sizes <- remotecommand.TerminalSize{Width: 87, Height: 21}
	defer close(sizes)
	tty := url.Values{"stdout": {"true"}, "tty": {"true"}, "container": {"main"}}
	stdout, _, err = sc.execWith(ctx, t, tty, remotecommand.StreamOptions{Tty: true, TerminalSizeQueue: sizeQueue{sizes}},
		[]string{"sh", "-c", "test -t 1 && stty size && echo err >&2; exit 5"})
	if stdout != "21 87\r\nerr\r\n" || exitCode(err) != 5 {
		t.Errorf("tty: %q, %v", stdout, err)
	}

	// A command that cannot run is an internal error, as the kubelet reports it.
	_, _, err = sc.execWith(ctx, t, withContainer(out, "main"), remotecommand.StreamOptions{}, []string{"/no/such/command"})
	if err == nil || exitCode(err) != -1 || !strings.Contains(err.Error(), "error executing command in container") {
		t.Errorf("no such command: %v", err)
	}
}

func withContainer(q url.Values, name string) url.Values {
	out := url.Values{"container": {name}}
	for k, v := range q {
		out[k] = v
	}
	return out
}

// The v4 protocol, which older clients speak, carries the exit code the same way.
func TestExecOverWebsocketV4(t *testing.T) {
	sc := startPodCluster(t)
	q := url.Values{"stdout": {"true"}, "stderr": {"true"}, "container": {"main"}}
	stdout, stderr, err := sc.execWith(context.Background(), t, q, remotecommand.StreamOptions{},
		[]string{"sh", "-c", "echo four; echo err >&2; exit 4"}, "v4.channel.k8s.io")
	if stdout != "four\n" || stderr != "err\n" || exitCode(err) != 4 {
		t.Errorf("v4: stdout %q, stderr %q, %v", stdout, stderr, err)
	}
	stdout, _, err = sc.execWith(context.Background(), t, q, remotecommand.StreamOptions{}, []string{"echo", "ok"}, "v4.channel.k8s.io")
	if stdout != "ok\n" || err != nil {
		t.Errorf("v4 success: %q %v", stdout, err)
	}
}

// A command ends when its client goes away, across the node that passed the exec on.
func TestExecEndsWhenTheClientGoesAway(t *testing.T) {
	sc := startPodCluster(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		q := url.Values{"stdout": {"true"}, "container": {"main"}}
		// client-go returns at once when its context ends, while its copy of the output
		// may still write: into nothing the test reads.
		_, _, err := sc.execWith(ctx, t, q, remotecommand.StreamOptions{Stdout: io.Discard},
			[]string{"sh", "-c", "echo $$ > " + pidFile + ".new && mv " + pidFile + ".new " + pidFile + " && exec sleep 60"})
		done <- err
	}()
	var pid int
	eventually(t, 20*time.Second, "the command runs", func() bool {
		data, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil
	})
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the exec did not end with its context")
	}
	eventually(t, 20*time.Second, "the command is stopped", func() bool {
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
	})
}

// An exec or a port-forward that cannot run answers a Status with Kubernetes' code, reason
// and words before any upgrade; so does attach, which is not served.
func TestExecErrorsAreStatuses(t *testing.T) {
	sc := startPodCluster(t)
	podPath := "/api/v1/namespaces/default/pods/" + sc.pod
	ws := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-Websocket-Version": "13",
		"Sec-Websocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-Websocket-Protocol": "v5.channel.k8s.io"}
	for _, c := range []struct {
		token, method, path string
		headers             map[string]string
		code                int32
		reason              metav1.StatusReason
		msg                 string
	}{
		{sc.admin, "GET", podPath + "/exec?command=true&stdout=true&container=main", nil, 400, metav1.StatusReasonBadRequest, "Upgrade request required"},
		{sc.admin, "POST", podPath + "/exec?command=true&stdout=true&container=main", map[string]string{"Connection": "Upgrade", "Upgrade": "SPDY/3.1"},
			400, metav1.StatusReasonBadRequest, "the upgrade to SPDY/3.1 is not supported: this server runs commands over websockets only"},
		{sc.admin, "GET", podPath + "/exec?command=true&stdout=true", ws, 400, metav1.StatusReasonBadRequest,
			"a container name must be specified for pod " + sc.pod + ", choose one of: [main side]"},
		{sc.admin, "GET", podPath + "/exec?command=true&stdout=true&container=nope", ws, 400, metav1.StatusReasonBadRequest, "container nope is not valid for pod " + sc.pod},
		{sc.admin, "GET", podPath + "/exec?stdout=true&container=main", ws, 400, metav1.StatusReasonBadRequest, "you must specify at least one command"},
		{sc.admin, "GET", "/api/v1/namespaces/default/pods/nope/exec?command=true&stdout=true", ws, 404, metav1.StatusReasonNotFound, `pods "nope" not found`},
		{sc.readOnly, "GET", podPath + "/exec?command=true&stdout=true&container=main", ws, 403, metav1.StatusReasonForbidden, "the API token"},
		{"", "GET", podPath + "/exec?command=true&stdout=true&container=main", ws, 401, metav1.StatusReasonUnauthorized, "this API needs a token"},
		{sc.admin, "GET", podPath + "/attach?stdout=true&container=main", ws, 405, metav1.StatusReasonMethodNotAllowed, "attach is not supported"},
		{sc.admin, "GET", podPath + "/portforward", nil, 400, metav1.StatusReasonBadRequest, "Upgrade request required"},
		{sc.admin, "POST", podPath + "/portforward", map[string]string{"Connection": "Upgrade", "Upgrade": "SPDY/3.1"},
			400, metav1.StatusReasonBadRequest, "the upgrade to SPDY/3.1 is not supported: this server forwards ports over websockets only"},
		{sc.admin, "GET", podPath + "/portforward", ws, 400, metav1.StatusReasonBadRequest, "none of the websocket subprotocols asked for (v5.channel.k8s.io) is supported"},
		{sc.readOnly, "GET", "/api/v1/namespaces/default/pods/nope/portforward", ws, 403, metav1.StatusReasonForbidden, "the API token"},
		{sc.admin, "GET", "/api/v1/namespaces/default/pods/nope/portforward", ws, 404, metav1.StatusReasonNotFound, `pods "nope" not found`},
	} {
		req, err := http.NewRequest(c.method, sc.other.server+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range c.headers {
			req.Header.Set(k, v)
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := sc.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		st := statusOf(t, string(body))
		if resp.StatusCode != int(c.code) || st.Code != c.code || st.Reason != c.reason || !strings.HasPrefix(st.Message, c.msg) {
			t.Errorf("%s %s: %d %+v, want %d %s %q", c.method, c.path, resp.StatusCode, st, c.code, c.reason, c.msg)
		}
	}
	if calls := sc.podNode.runtime.seen(); len(calls) != 0 {
		t.Errorf("refused requests reached the runtime: %q", calls)
	}
}

// kubectl exec runs a command in a pod from any node: its output comes back, kubectl exits
// with its exit code, -i passes input; a read-only token is refused with a Status.
func TestKubectlExec(t *testing.T) {
	sc := startPodCluster(t)
	kc := sc.other.kubeconfig

	r := sc.kubectl(kc, nil, "exec", sc.pod, "-c", "side", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.code != 3 || r.stdout != "out\n" || !strings.HasPrefix(r.stderr, "err\n") || !strings.Contains(r.stderr, "command terminated with exit code 3") {
		t.Errorf("exec exit 3: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = sc.kubectl(kc, nil, "exec", sc.pod, "--", "echo", "hello", "world")
	if r.code != 0 || r.stdout != "hello world\n" || !strings.Contains(r.stderr, `Defaulted container "main" out of: main, side`) {
		t.Errorf("exec echo: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = sc.kubectl(kc, strings.NewReader("hello\nagain\n"), "exec", "-i", sc.pod, "-c", "main", "--", "sh", "-c", "tr a-z A-Z; exit 7")
	if r.code != 7 || r.stdout != "HELLO\nAGAIN\n" {
		t.Errorf("exec -i: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// A larger input, whole and in order.
	var in strings.Builder
	for i := range 20000 {
		in.WriteString(strings.Repeat("x", i%50) + "\n")
	}
	r = sc.kubectl(kc, strings.NewReader(in.String()), "exec", "-i", sc.pod, "-c", "main", "--", "cat")
	if r.code != 0 || r.stdout != in.String() {
		t.Errorf("exec -i cat: %d, %d bytes of %d, %q", r.code, len(r.stdout), in.Len(), r.stderr)
	}
	want := []string{
		"exec default/" + sc.pod + " side sh -c echo out; echo err >&2; exit 3",
		"exec default/" + sc.pod + " main echo hello world",
		"exec default/" + sc.pod + " main sh -c tr a-z A-Z; exit 7",
		"exec default/" + sc.pod + " main cat",
	}
	if calls := sc.podNode.runtime.seen(); strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("the pod's node ran %q, want %q", calls, want)
	}
	if calls := sc.other.runtime.seen(); len(calls) != 0 {
		t.Errorf("the node that does not run the pod ran %q", calls)
	}

	r = sc.kubectl(sc.other.roKubeconfig, nil, "exec", sc.pod, "-c", "main", "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "Forbidden") || !strings.Contains(r.stderr, "is read-only: running a command in a pod needs a token with full rights") {
		t.Errorf("exec with a read-only token: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if calls := sc.podNode.runtime.seen(); len(calls) != 0 {
		t.Errorf("a read-only token ran %q", calls)
	}
	r = sc.kubectl(kc, io.MultiReader(), "exec", sc.pod, "-c", "nope", "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "container nope is not valid for pod "+sc.pod) {
		t.Errorf("exec -c nope: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
