package ingress

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/lifecycle"
)

// fakeAgent answers /api/v1/ingresses and /api/v1/endpoints from a State the test changes.
type fakeAgent struct {
	*httptest.Server
	mu                   sync.Mutex
	ingresses, endpoints []byte
}

func newFakeAgent(t testing.TB, st State) *fakeAgent {
	a := &fakeAgent{}
	a.set(st)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		switch r.URL.Path {
		case "/api/v1/ingresses":
			w.Write(a.ingresses)
		case "/api/v1/endpoints":
			w.Write(a.endpoints)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

// set encodes st at once, so that the test may change it afterwards.
func (a *fakeAgent) set(st State) {
	ings, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": st.Ingresses})
	eps, _ := json.Marshal(map[string]any{"items": st.Services})
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ingresses, a.endpoints = ings, eps
}

// listenOn opens a listener on a loopback address of its own (127.0.0.x), so that each
// backend looks like a pod on another node.
func listenOn(t testing.TB, ip string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	return ln
}

// backendServer starts a real HTTP backend on ip that answers with its name.
func backendServer(t testing.TB, ip, name string, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }
	}
	s := httptest.NewUnstartedServer(h)
	s.Listener.Close()
	s.Listener = listenOn(t, ip)
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// deadAddr is an address where nothing listens: a port opened then closed.
func deadAddr(t *testing.T, ip string) string {
	ln := listenOn(t, ip)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// endpoint describes a backend listening at addr ("ip:port") as a pod on node.
func endpoint(pod, node, addr string, ready bool) discovery.Endpoint {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return discovery.Endpoint{Pod: pod, Node: node, Address: host, Ready: ready,
		Ports: []discovery.Port{{Name: "http", Port: int32(p), Protocol: "TCP"}}}
}

func service(name string, eps ...discovery.Endpoint) discovery.Service {
	return discovery.Service{Namespace: "default", Name: name,
		Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: "TCP"}}, Endpoints: eps}
}

// hostIngress routes every path of host to svc's port 80.
func hostIngress(name, host, svc string) networkingv1.Ingress {
	return ing("default", name, rule(host, path("/", prefix, svc, 80)))
}

// startIngress runs an ingress on 127.0.0.1 against agent, beside its follower, as swarm
// ingress does; it is stopped at the end of the test.
func startIngress(t testing.TB, cfg Config) *Server {
	t.Helper()
	return runIngress(t, cfg, true)
}

// runIngress runs an ingress, with its follower or without (the test then polls), until the
// end of the test.
func runIngress(t testing.TB, cfg Config, follow bool) *Server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.PollInterval = 20 * time.Millisecond
	cfg.DialTimeout = time.Second
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var g lifecycle.Group
	g.Add("ingress", s)
	if follow {
		g.Add("follower", s.Follower())
	}
	running := g.Go(context.Background())
	t.Cleanup(func() {
		if err := running.Stop(); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
	return s
}

var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// get requests host/path from the ingress and returns the status and body.
func get(t *testing.T, s *Server, method, host, path string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.Addr().String()+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, host, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually retries cond for up to 5 seconds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitRouted waits until the ingress has a route for host, without sending it a request.
func waitRouted(t testing.TB, s *Server, host string) {
	t.Helper()
	eventually(t, "a route for "+host, func() bool {
		_, ok := s.snap.Load().router.Match(host, "/")
		return ok
	})
}

// webIngress runs an ingress that routes every path of web.test to one endpoint at addr.
func webIngress(t testing.TB, addr string) *Server {
	t.Helper()
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{hostIngress("web", "web.test", "web")},
		Services:  []discovery.Service{service("web", endpoint("web-a", "n1", addr, true))},
	})
	s := startIngress(t, Config{Agent: agent.URL})
	waitRouted(t, s, "web.test")
	return s
}
