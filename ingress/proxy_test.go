package ingress

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

func TestProxyRoundRobinAndLocalPreference(t *testing.T) {
	a := backendServer(t, "127.0.0.2", "a", nil)
	b := backendServer(t, "127.0.0.3", "b", nil)
	c := backendServer(t, "127.0.0.4", "c", nil)
	st := State{
		Ingresses: []networkingv1.Ingress{hostIngress("web", "web.test", "web")},
		Services: []discovery.Service{service("web",
			endpoint("web-a", "n1", a.Listener.Addr().String(), true),
			endpoint("web-b", "n2", b.Listener.Addr().String(), true),
			endpoint("web-c", "n3", c.Listener.Addr().String(), true))},
	}
	agent := newFakeAgent(t, st)

	remote := startIngress(t, Config{Agent: agent.URL, NodeName: "n9"})
	waitRouted(t, remote, "web.test")
	seen := map[string]int{}
	for range 6 {
		code, body := get(t, remote, "GET", "web.test", "/", nil)
		if code != http.StatusOK {
			t.Fatalf("GET: %d %q", code, body)
		}
		seen[body]++
	}
	if seen["a"] != 2 || seen["b"] != 2 || seen["c"] != 2 {
		t.Errorf("round-robin over three endpoints in six requests: %v", seen)
	}

	local := startIngress(t, Config{Agent: agent.URL, NodeName: "n2"})
	waitRouted(t, local, "web.test")
	for range 4 {
		if _, body := get(t, local, "GET", "web.test", "/", nil); body != "b" {
			t.Fatalf("the ingress on n2 sent a request to %q, want the local endpoint b", body)
		}
	}
	spread := startIngress(t, Config{Agent: agent.URL, NodeName: "n2", SpreadAll: true})
	waitRouted(t, spread, "web.test")
	seen = map[string]int{}
	for range 6 {
		_, body := get(t, spread, "GET", "web.test", "/", nil)
		seen[body]++
	}
	if seen["a"] != 2 || seen["b"] != 2 || seen["c"] != 2 {
		t.Errorf("with SpreadAll, the ingress on n2 should go round-robin over all three: %v", seen)
	}
	byAddr := startIngress(t, Config{Agent: agent.URL, NodeAddress: "127.0.0.4"})
	waitRouted(t, byAddr, "web.test")
	if _, body := get(t, byAddr, "GET", "web.test", "/", nil); body != "c" {
		t.Errorf("the ingress at 127.0.0.4 sent a request to %q, want the local endpoint c", body)
	}

	// The local endpoint is no longer ready: the others share the traffic.
	st.Services[0].Endpoints[1].Ready = false
	agent.set(st)
	eventually(t, "web-b not ready", func() bool {
		_, body := get(t, local, "GET", "web.test", "/", nil)
		return body != "b"
	})
	seen = map[string]int{}
	for range 4 {
		_, body := get(t, local, "GET", "web.test", "/", nil)
		seen[body]++
	}
	if seen["a"] != 2 || seen["c"] != 2 {
		t.Errorf("without a ready local endpoint, round-robin over the others: %v", seen)
	}

	// An endpoint that is gone leaves no connection pool behind.
	st.Services[0].Endpoints = st.Services[0].Endpoints[:1]
	agent.set(st)
	eventually(t, "the pools of the endpoints gone dropped", func() bool {
		local.proxy.mu.RLock()
		defer local.proxy.mu.RUnlock()
		_, kept := local.proxy.clients[a.Listener.Addr().String()]
		return len(local.proxy.clients) == 1 && kept
	})
}

func TestProxyDeadEndpoint(t *testing.T) {
	alive := backendServer(t, "127.0.0.3", "alive", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "alive %s %s", r.Method, body)
	})
	dead, gone := deadAddr(t, "127.0.0.2"), deadAddr(t, "127.0.0.4")
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{hostIngress("web", "web.test", "web"), hostIngress("gone", "gone.test", "gone"),
			hostIngress("none", "none.test", "none")},
		Services: []discovery.Service{
			// Sorted by pod: the dead endpoint is tried first.
			service("web", endpoint("web-a", "n1", dead, true), endpoint("web-b", "n2", alive.Listener.Addr().String(), true)),
			service("gone", endpoint("gone-a", "n3", gone, true)),
			service("none", endpoint("none-a", "n1", alive.Listener.Addr().String(), false)),
		},
	})
	s := startIngress(t, Config{Agent: agent.URL})
	waitRouted(t, s, "web.test")

	// The GET goes to the dead endpoint, is retried on the other, and marks the dead one down.
	if code, body := get(t, s, "GET", "web.test", "/", nil); code != http.StatusOK || body != "alive GET " {
		t.Fatalf("GET with a dead endpoint first: %d %q, want it retried on the live one", code, body)
	}
	// A POST is not retried, but the dead endpoint is skipped now.
	for range 3 {
		if code, body := get(t, s, "POST", "web.test", "/", strings.NewReader("x")); code != http.StatusOK || body != "alive POST x" {
			t.Fatalf("POST after the dead endpoint was marked down: %d %q", code, body)
		}
	}
	// Its only endpoint refuses connections: 502, then 503 while it is marked down.
	if code, body := get(t, s, "GET", "gone.test", "/", nil); code != http.StatusBadGateway || !strings.HasPrefix(body, "502 bad gateway") {
		t.Errorf("only endpoint dead: %d %q, want 502", code, body)
	}
	if code, body := get(t, s, "GET", "gone.test", "/", nil); code != http.StatusServiceUnavailable || !strings.Contains(body, "no endpoint of default/gone:80 can serve") {
		t.Errorf("only endpoint marked down: %d %q, want 503", code, body)
	}
	if code, body := get(t, s, "GET", "none.test", "/", nil); code != http.StatusServiceUnavailable || body != "503 service unavailable: no ready endpoint for default/none:80\n" {
		t.Errorf("no ready endpoint: %d %q, want 503", code, body)
	}
	if code, body := get(t, s, "GET", "nowhere.test", "/", nil); code != http.StatusNotFound || body != "404 not found: no ingress rule matches this host and path\n" {
		t.Errorf("no rule: %d %q, want 404", code, body)
	}
}

func TestProxyBackendFailsMidway(t *testing.T) {
	// The backend accepts the connection and closes it without an answer: 502, not retried
	// as a connection failure, and the endpoint stays in the rotation.
	ln := listenOn(t, "127.0.0.2")
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{hostIngress("web", "web.test", "web")},
		Services:  []discovery.Service{service("web", endpoint("web-a", "n1", ln.Addr().String(), true))},
	})
	s := startIngress(t, Config{Agent: agent.URL})
	waitRouted(t, s, "web.test")
	for range 2 {
		if code, body := get(t, s, "POST", "web.test", "/", strings.NewReader("x")); code != http.StatusBadGateway || body != "502 bad gateway: the backend failed\n" {
			t.Errorf("backend closed the connection: %d %q, want 502", code, body)
		}
	}
}

func TestProxyEndpointClosesIdleConnections(t *testing.T) {
	// The endpoint closes a connection idle for 300 ms; the ingress drops its own after
	// 100 ms, so a POST (never sent twice) does not meet a connection closed under it.
	defer func(d time.Duration) { backendIdleFor = d }(backendIdleFor)
	backendIdleFor = 100 * time.Millisecond
	b := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %s", body)
	}))
	b.Listener.Close()
	b.Listener = listenOn(t, "127.0.0.2")
	b.Config.IdleTimeout = 300 * time.Millisecond
	b.Start()
	t.Cleanup(b.Close)
	s := webIngress(t, b.Listener.Addr().String())
	// A kept-alive client: the ingress pools the connection to the endpoint only then.
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cl := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for i := range 3 {
		if i > 0 {
			time.Sleep(400 * time.Millisecond)
		}
		req, _ := http.NewRequest("POST", "http://"+s.Addr().String()+"/", strings.NewReader("x"))
		req.Host = "web.test"
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "got x" {
			t.Fatalf("POST %d after the endpoint closed the idle connection: %d %q", i+1, resp.StatusCode, body)
		}
	}
}

func TestProxyForwardedHeaders(t *testing.T) {
	b := backendServer(t, "127.0.0.2", "", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "host=%s xff=%s proto=%s xhost=%s path=%s",
			r.Host, r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Proto"), r.Header.Get("X-Forwarded-Host"), r.URL.RequestURI())
	})
	s := webIngress(t, b.Listener.Addr().String())
	_, body := get(t, s, "GET", "web.test:8080", "/a/b?q=1", nil)
	want := "host=web.test:8080 xff=127.0.0.1 proto=http xhost=web.test:8080 path=/a/b?q=1"
	if body != want {
		t.Errorf("backend saw %q, want %q", body, want)
	}
}

// wsAccept is the Sec-WebSocket-Accept of a key (RFC 6455 section 4.2.2).
func wsAccept(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// wsEchoBackend is a minimal WebSocket server: the handshake, then an echo of the raw
// bytes (the ingress passes the connection through; frames are the endpoints' business).
func wsEchoBackend(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "not an upgrade", http.StatusBadRequest)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", wsAccept(r.Header.Get("Sec-WebSocket-Key")))
	rw.Flush()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.Copy(conn, rw)
}

// wsHandshake opens a WebSocket to host through conn and checks that it echoes.
func wsHandshake(t *testing.T, conn net.Conn, host string) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	key := "dGhlIHNhbXBsZSBub25jZQ=="
	fmt.Fprintf(conn, "GET /chat HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", host, key)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read the handshake answer: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(key) {
		t.Fatalf("handshake: %s %v", resp.Status, resp.Header)
	}
	for _, msg := range []string{"hello", "again"} {
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != msg {
			t.Fatalf("echo: %q, %v; want %q", buf, err, msg)
		}
	}
}

// wsState routes ws.test to the ws Service's endpoints.
func wsState(eps ...discovery.Endpoint) State {
	return State{
		Ingresses: []networkingv1.Ingress{hostIngress("ws", "ws.test", "ws")},
		Services:  []discovery.Service{service("ws", eps...)},
	}
}

// dialTCP opens a connection to addr, closed at the end of the test.
func dialTCP(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	return conn
}

func TestProxyWebSocket(t *testing.T) {
	b := backendServer(t, "127.0.0.2", "", wsEchoBackend)
	agent := newFakeAgent(t, wsState(endpoint("ws-a", "n1", b.Listener.Addr().String(), true)))
	s := startIngress(t, Config{Agent: agent.URL})
	waitRouted(t, s, "ws.test")
	wsHandshake(t, dialTCP(t, s.Addr().String()), "ws.test")
}

func TestProxyStreams(t *testing.T) {
	release := make(chan struct{})
	b := backendServer(t, "127.0.0.2", "", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, "second\n")
	})
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{hostIngress("s", "stream.test", "s")},
		Services:  []discovery.Service{service("s", endpoint("s-a", "n1", b.Listener.Addr().String(), true))},
	})
	s := startIngress(t, Config{Agent: agent.URL})
	waitRouted(t, s, "stream.test")
	req, _ := http.NewRequest("GET", "http://"+s.Addr().String()+"/", nil)
	req.Host = "stream.test"
	resp, err := client.Do(req)
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	// The first line arrives while the backend still holds the response open.
	line, err := br.ReadString('\n')
	close(release)
	if err != nil || line != "first\n" {
		t.Fatalf("first line: %q, %v", line, err)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "second\n" {
		t.Errorf("rest: %q", rest)
	}
}

func TestProxyTrailers(t *testing.T) {
	b := backendServer(t, "127.0.0.2", "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "body")
		w.(http.Flusher).Flush() // chunked: the trailer follows the last chunk
		w.Header().Set("X-Sum", "42")
	})
	s := webIngress(t, b.Listener.Addr().String())
	req, _ := http.NewRequest("GET", "http://"+s.Addr().String()+"/", nil)
	req.Host = "web.test"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "body" || resp.Trailer.Get("X-Sum") != "42" {
		t.Errorf("body %q, trailer %v; want the backend's trailer X-Sum: 42", body, resp.Trailer)
	}
}
