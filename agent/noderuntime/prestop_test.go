package noderuntime

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// fakePodman writes a podman that runs `podman exec CONTAINER CMD...` as CMD on this
// machine, a real process, after noting the container in calls.
func fakePodman(t *testing.T) (bin, calls string) {
	t.Helper()
	dir := t.TempDir()
	calls = filepath.Join(dir, "calls")
	bin = filepath.Join(dir, "podman")
	script := "#!/bin/sh\n[ \"$1\" = exec ] || exit 125\necho \"$2\" >> " + calls + "\nshift 2\nexec \"$@\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, calls
}

// hookServer is a loopback HTTP server that records the requests it gets.
type hookServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newHookServer(t *testing.T, tls bool) *hookServer {
	s := &hookServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, r)
		s.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable) // any answer is a success
		_, _ = w.Write([]byte("draining"))
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *hookServer) requests() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

func (s *hookServer) port(t *testing.T) int32 {
	_, p, err := net.SplitHostPort(s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return int32(n)
}

var hookPod = manifest.Pod{Namespace: "default", Name: "web"}

// An exec hook runs its command in the container through `podman exec`: the command's
// output comes back, and a non-zero exit is a failure that carries it.
func TestPreStopExec(t *testing.T) {
	bin, calls := fakePodman(t)
	h := newHookRunner("127.0.0.1")
	t.Setenv("PATH", filepath.Dir(bin)+":"+os.Getenv("PATH"))
	out, err := h.run(context.Background(), hookPod, nil, "app", &quadlet.Hook{Action: quadlet.HookExec, Command: []string{"sh", "-c", "echo drained $0", "now"}})
	if err != nil || out != "drained now" {
		t.Errorf("exec: %q, %v; want %q", out, err, "drained now")
	}
	out, err = h.run(context.Background(), hookPod, nil, "side", &quadlet.Hook{Action: quadlet.HookExec, Command: []string{"sh", "-c", "echo busy >&2; exit 3"}})
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || out != "busy" {
		t.Errorf("failing exec: %q, %v; want output busy and exit status 3", out, err)
	}
	got, _ := os.ReadFile(calls)
	if want := "swarm-default_web_app\nswarm-default_web_side\n"; string(got) != want {
		t.Errorf("podman exec ran in %q, want %q", got, want)
	}
	// One that outlives its deadline is cut short.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := h.run(ctx, hookPod, nil, "app", &quadlet.Hook{Action: quadlet.HookExec, Command: []string{"sleep", "30"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("exec past its deadline: %v, want the deadline", err)
	}
}

// An httpGet hook reaches the pod at the node address and the node port its port is
// published on, with its path, query and headers; any answer is a success.
func TestPreStopHTTPGetThroughTheNodePort(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := newHookServer(t, tls)
		scheme := "http"
		if tls {
			scheme = "https"
		}
		ports := []manifest.PublishedPort{
			{ContainerPort: 9090, HostPort: 1, Protocol: corev1.ProtocolTCP},
			{ContainerPort: 8080, HostPort: srv.port(t), Protocol: corev1.ProtocolUDP},
			{ContainerPort: 8080, HostPort: srv.port(t), Protocol: corev1.ProtocolTCP},
		}
		hook := &quadlet.Hook{Action: quadlet.HookHTTPGet, HTTPGet: &quadlet.HTTPGetHook{
			Scheme: scheme, Port: 8080, Path: "/quit?after=5",
			Headers: []corev1.HTTPHeader{{Name: "X-Reason", Value: "leaving"}, {Name: "Host", Value: "web.example"}},
		}}
		out, err := newHookRunner("127.0.0.1").run(context.Background(), hookPod, ports, "app", hook)
		if err != nil || out != "503 Service Unavailable draining" {
			t.Errorf("%s: %q, %v", scheme, out, err)
		}
		reqs := srv.requests()
		if len(reqs) != 1 {
			t.Fatalf("%s: %d requests, want 1", scheme, len(reqs))
		}
		r := reqs[0]
		if r.Method != http.MethodGet || r.URL.Path != "/quit" || r.URL.RawQuery != "after=5" || r.Header.Get("X-Reason") != "leaving" || r.Host != "web.example" {
			t.Errorf("%s: request %s %s host %s headers %v", scheme, r.Method, r.URL, r.Host, r.Header)
		}
	}
}

// A hook that names a host goes there, on its port as it is; a pod on the node's network
// is reached at the node address on the port itself.
func TestPreStopHTTPGetTargets(t *testing.T) {
	srv := newHookServer(t, false)
	port := srv.port(t)
	h := newHookRunner("127.0.0.1")
	hook := &quadlet.Hook{Action: quadlet.HookHTTPGet, HTTPGet: &quadlet.HTTPGetHook{Scheme: "http", Host: "127.0.0.1", Port: port, Path: "/"}}
	if _, err := h.run(context.Background(), hookPod, nil, "app", hook); err != nil {
		t.Errorf("host named: %v", err)
	}
	hostNet := hookPod
	hostNet.Spec.HostNetwork = true
	hook = &quadlet.Hook{Action: quadlet.HookHTTPGet, HTTPGet: &quadlet.HTTPGetHook{Scheme: "http", Port: port, Path: "/"}}
	if _, err := h.run(context.Background(), hostNet, nil, "app", hook); err != nil {
		t.Errorf("node's network: %v", err)
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	// Nothing listens: the hook fails.
	srv.Close()
	if _, err := h.run(context.Background(), hookPod, nil, "app", &quadlet.Hook{Action: quadlet.HookHTTPGet, HTTPGet: &quadlet.HTTPGetHook{Scheme: "http", Host: "127.0.0.1", Port: port, Path: "/"}}); err == nil {
		t.Error("a hook that cannot connect succeeded")
	}
	// A port the pod does not publish cannot be reached.
	if _, err := h.run(context.Background(), hookPod, nil, "app", &quadlet.Hook{Action: quadlet.HookHTTPGet, HTTPGet: &quadlet.HTTPGetHook{Scheme: "http", Port: 8080, Path: "/"}}); err == nil || !strings.Contains(err.Error(), "not published") {
		t.Errorf("unpublished port: %v", err)
	}
}

// A sleep hook waits its time, and no longer than its deadline.
func TestPreStopSleep(t *testing.T) {
	h := newHookRunner("127.0.0.1")
	if _, err := h.run(context.Background(), hookPod, nil, "app", &quadlet.Hook{Action: quadlet.HookSleep, Sleep: 10 * time.Millisecond}); err != nil {
		t.Errorf("sleep: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := h.run(ctx, hookPod, nil, "app", &quadlet.Hook{Action: quadlet.HookSleep, Sleep: time.Hour}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("sleep past its deadline: %v", err)
	}
}
