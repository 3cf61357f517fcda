package apiserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/auth"
)

// The container of a request is the one it names or the pod's only one; otherwise 400 in
// the API server's words, the init containers listed first.
func TestKubeContainer(t *testing.T) {
	spec := func(init []string, names ...string) *corev1.PodSpec {
		s := &corev1.PodSpec{}
		for _, n := range init {
			s.InitContainers = append(s.InitContainers, corev1.Container{Name: n})
		}
		for _, n := range names {
			s.Containers = append(s.Containers, corev1.Container{Name: n})
		}
		return s
	}
	for _, c := range []struct {
		spec      *corev1.PodSpec
		name      string
		want, err string
	}{
		{spec(nil, "main"), "", "main", ""},
		{spec([]string{"setup"}, "main"), "", "main", ""},
		{spec([]string{"setup"}, "main"), "setup", "setup", ""},
		{spec(nil, "a", "b"), "b", "b", ""},
		{spec([]string{"setup"}, "a", "b"), "", "", "a container name must be specified for pod web-1, choose one of: [setup a b]"},
		{spec(nil), "", "", "a container name must be specified for pod web-1"},
		{spec(nil, "a", "b"), "c", "", "container c is not valid for pod web-1"},
	} {
		got, err := kubeContainer("web-1", c.spec, c.name)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("%q in %v: %q, %v; want %q", c.name, c.spec.Containers, got, err, c.want)
			}
			continue
		}
		var se *apierrors.StatusError
		if !errors.As(err, &se) || se.Status().Code != http.StatusBadRequest || se.Status().Message != c.err {
			t.Errorf("%q: %v, want 400 %q", c.name, err, c.err)
		}
	}
}

// The exit status goes as the kubelet sends it, which kubectl reads its exit code from.
func TestExecExitStatus(t *testing.T) {
	st := execExitStatus([]string{"true"}, 0, nil)
	if data, _ := json.Marshal(st); string(data) != `{"metadata":{},"status":"Success"}` {
		t.Errorf("success: %s", data)
	}
	st = execExitStatus([]string{"sh", "-c", "exit 3"}, 3, nil)
	if st.Status != metav1.StatusFailure || st.Reason != "NonZeroExitCode" || st.Details == nil || len(st.Details.Causes) != 1 ||
		st.Details.Causes[0].Type != "ExitCode" || st.Details.Causes[0].Message != "3" {
		t.Errorf("exit 3: %+v", st)
	}
	st = execExitStatus([]string{"nope"}, -1, errors.New(`exec: "nope": executable file not found in $PATH`))
	if st.Reason != metav1.StatusReasonInternalError || st.Code != 500 || !strings.Contains(st.Message, "error executing command in container: exec: \"nope\"") {
		t.Errorf("not run: %+v", st)
	}
}

// An exec's query reads as PodExecOptions; a terminal drops stderr, as the kubelet does.
func TestKubeExecOptions(t *testing.T) {
	q := url.Values{"command": {"sh", "-c", "echo hi"}, "stdin": {"true"}, "stdout": {"true"}, "stderr": {"true"}, "tty": {"true"}, "container": {"side"}}
	r, err := kubeExecOptions(q)
	if err != nil || strings.Join(r.command, "|") != "sh|-c|echo hi" || r.container != "side" || !r.stdin || !r.stdout || r.stderr || !r.tty {
		t.Errorf("%+v %v", r, err)
	}
	for _, c := range []struct {
		q   url.Values
		msg string
	}{
		{url.Values{"stdout": {"true"}}, "you must specify at least one command for the container"},
		{url.Values{"command": {"ls"}, "stdout": {"false"}}, "you must specify at least 1 of stdin, stdout, stderr"},
	} {
		_, err := kubeExecOptions(c.q)
		var se *apierrors.StatusError
		if !errors.As(err, &se) || se.Status().Code != 400 || se.Status().Message != c.msg {
			t.Errorf("%v: %v, want 400 %q", c.q, err, c.msg)
		}
	}
}

// An exec must be a websocket upgrade to a subprotocol served here; SPDY, a plain request
// and unknown subprotocols each answer 400 saying so.
func TestCheckExecUpgrade(t *testing.T) {
	req := func(h map[string]string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, "/api/v1/namespaces/default/pods/web-1/exec", nil)
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}
	ws := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-Websocket-Protocol": "v5.channel.k8s.io, v4.channel.k8s.io"}
	if err := checkExecUpgrade(req(ws)); err != nil {
		t.Errorf("v5: %v", err)
	}
	ws["Sec-Websocket-Protocol"] = "v4.channel.k8s.io"
	if err := checkExecUpgrade(req(ws)); err != nil {
		t.Errorf("v4: %v", err)
	}
	for _, c := range []struct {
		h   map[string]string
		msg string
	}{
		{map[string]string{}, "Upgrade request required"},
		{map[string]string{"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}, "the upgrade to SPDY/3.1 is not supported: this server runs commands over websockets only"},
		{map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-Websocket-Protocol": "channel.k8s.io"},
			"none of the websocket subprotocols asked for (channel.k8s.io) is supported"},
	} {
		err := checkExecUpgrade(req(c.h))
		var se *apierrors.StatusError
		if !errors.As(err, &se) || se.Status().Code != 400 || !strings.HasPrefix(se.Status().Message, c.msg) {
			t.Errorf("%v: %v, want 400 %q", c.h, err, c.msg)
		}
	}
}

// The streams' routes are Kubernetes' paths, with the rights of the project's own: a log
// is a read, exec, attach and port-forward take full rights.
func TestKubeStreamAccess(t *testing.T) {
	for route, want := range map[string]auth.Right{
		"GET /api/v1/namespaces/:namespace/pods/:name/log":          auth.Read,
		"GET /api/v1/namespaces/:namespace/pods/:name/exec":         auth.Admin,
		"POST /api/v1/namespaces/:namespace/pods/:name/exec":        auth.Admin,
		"GET /api/v1/namespaces/:namespace/pods/:name/attach":       auth.Admin,
		"POST /api/v1/namespaces/:namespace/pods/:name/portforward": auth.Admin,
		"GET /api/v1/namespaces/:namespace/pods/:name/portforward":  auth.Admin,
	} {
		if got := access[route].Right; got != want {
			t.Errorf("%s: %s, want %s", route, got, want)
		}
	}
}

// A log with limitBytes takes that many bytes, then refuses more and ends the log.
func TestKubeLogWriterLimit(t *testing.T) {
	rec := httptest.NewRecorder()
	ended := false
	w := &kubeLogWriter{res: echo.NewResponse(rec, echo.New()), limit: true, left: 8, cancel: func() { ended = true }}
	if n, err := w.Write([]byte("hello\n")); n != 6 || err != nil || ended {
		t.Errorf("first write: %d %v, ended %v", n, err, ended)
	}
	if n, err := w.Write([]byte("world\n")); n != 2 || !errors.Is(err, errLogLimit) || !ended || !w.reachedLimit {
		t.Errorf("second write: %d %v, ended %v", n, err, ended)
	}
	if n, err := w.Write([]byte("more\n")); n != 0 || !errors.Is(err, errLogLimit) {
		t.Errorf("third write: %d %v", n, err)
	}
	if rec.Code != http.StatusOK || rec.Body.String() != "hello\nwo" || rec.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("answer %d %q %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"))
	}
}
