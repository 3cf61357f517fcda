package ingress

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

func TestRequestPath(t *testing.T) {
	for _, c := range []struct{ uri, want string }{
		{"/", "/"},
		{"/a/b?q=1", "/a/b"},
		{"/a%20b/c%2Fd", "/a b/c/d"},
		{"/bad%zz", "/bad%zz"},
		{"http://web.test/x?y", "/x"},
		{"http://web.test", "/"},
		{"", "/"},
	} {
		if got := requestPath([]byte(c.uri)); got != c.want {
			t.Errorf("requestPath(%q) = %q, want %q", c.uri, got, c.want)
		}
	}
}

// rawExchange sends raw to the ingress on a connection of its own and returns all it
// answers until it closes the connection.
func rawExchange(t *testing.T, s *Server, raw string) string {
	t.Helper()
	c := dialTCP(t, s.Addr().String())
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c)
	return string(out)
}

// echoIngress runs an ingress for web.test whose backend answers with what it received.
func echoIngress(t *testing.T) *Server {
	b := backendServer(t, "127.0.0.2", "", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "uri=%s xff=%s keepalive=%q forwarded=%q body=%d", r.RequestURI,
			r.Header.Values("X-Forwarded-For"), r.Header.Get("Keep-Alive"), r.Header.Get("Forwarded"), len(body))
	})
	agent := newFakeAgent(t, State{
		Ingresses: []networkingv1.Ingress{ing("default", "web", rule("web.test", path("/a/", prefix, "web", 80)))},
		Services:  []discovery.Service{service("web", endpoint("web-a", "n1", b.Listener.Addr().String(), true))},
	})
	s := startIngress(t, Config{Agent: agent.URL})
	eventually(t, "a route for web.test/a/", func() bool {
		_, ok := s.snap.Load().router.Match("web.test", "/a/")
		return ok
	})
	return s
}

func TestProxyKeepsTheRequestLine(t *testing.T) {
	s := echoIngress(t)
	// The path goes on as the client wrote it (not cleaned, not decoded); routing matches
	// the decoded path. The client's X-Forwarded-For is kept and the client's address
	// appended; hop-by-hop and spoofed Forwarded headers are dropped.
	out := rawExchange(t, s, "GET /a/../a//b%2Fc?q=1 HTTP/1.1\r\nHost: web.test\r\nX-Forwarded-For: 10.0.0.1\r\n"+
		"Keep-Alive: timeout=5\r\nForwarded: for=evil\r\nConnection: close\r\n\r\n")
	want := `uri=/a/../a//b%2Fc?q=1 xff=[10.0.0.1, 127.0.0.1] keepalive="" forwarded="" body=0`
	if !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(out, want) {
		t.Errorf("answer:\n%s\nwant 200 and %q", out, want)
	}
	if n := strings.Count(out, "\r\nDate: "); n != 1 {
		t.Errorf("answer has %d Date headers, want the backend's one:\n%s", n, out)
	}
	if strings.Contains(out, "\r\nServer: ") {
		t.Errorf("the ingress added a Server header:\n%s", out)
	}
}

func TestProxyLargeBody(t *testing.T) {
	s := echoIngress(t)
	// Larger than what fasthttp buffers of a request: it is streamed to the backend.
	body := strings.Repeat("x", 9<<20)
	code, got := get(t, s, "POST", "web.test", "/a/big", strings.NewReader(body))
	if want := fmt.Sprintf("body=%d", len(body)); code != http.StatusOK || !strings.HasSuffix(got, want) {
		t.Errorf("large POST: %d %q, want 200 and %s", code, got, want)
	}
}

func TestProxyExpectContinue(t *testing.T) {
	s := echoIngress(t)
	c := dialTCP(t, s.Addr().String())
	io.WriteString(c, "POST /a/up HTTP/1.1\r\nHost: web.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("first answer line: %q, %v; want 100 Continue before the body is sent", line, err)
	}
	io.WriteString(c, "hello")
	for {
		if l, _ := br.ReadString('\n'); l == "\r\n" || l == "" {
			break // the end of the 100 Continue
		}
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(string(got), "body=5") {
		t.Errorf("after 100 Continue: %d %q", resp.StatusCode, got)
	}
}

func TestProxyHead(t *testing.T) {
	s := echoIngress(t)
	_, body := get(t, s, "GET", "web.test", "/a/", nil)
	out := rawExchange(t, s, "HEAD /a/ HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n")
	// The length of the body a GET gets, and no body.
	length := fmt.Sprintf("\r\nContent-Length: %d\r\n", len(body))
	if !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") || !strings.Contains(out, length) || !strings.HasSuffix(out, "\r\n\r\n") {
		t.Errorf("HEAD answer:\n%q", out)
	}
}

func TestProxyConnectionCloseIsPerHop(t *testing.T) {
	b := backendServer(t, "127.0.0.2", "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close") // this endpoint closes every connection
		fmt.Fprintf(w, "close=%v", r.Close)
	})
	s := webIngress(t, b.Listener.Addr().String())
	// The endpoint's close does not end the client's connection: both answers come on it.
	// The client's close is not passed on: the endpoint sees a kept-alive request.
	out := rawExchange(t, s, "GET / HTTP/1.1\r\nHost: web.test\r\n\r\nGET / HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n")
	if n := strings.Count(out, "HTTP/1.1 200 OK\r\n"); n != 2 || strings.Count(out, "close=false") != 2 {
		t.Errorf("two requests on one connection, the second with Connection: close:\n%s", out)
	}
	if first, _, _ := strings.Cut(out, "close=false"); strings.Contains(first, "Connection: close") {
		t.Errorf("the first answer closes the client's connection:\n%s", out)
	}
}

func TestProxyHeaderLimit(t *testing.T) {
	big := strings.Repeat("x", 20<<10)
	b := backendServer(t, "127.0.0.2", "", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Header().Set("X-Big", big)
		}
		io.WriteString(w, "ok")
	})
	s := webIngress(t, b.Listener.Addr().String())
	out := rawExchange(t, s, "GET / HTTP/1.1\r\nHost: web.test\r\nX-Big: "+big+"\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(out, "HTTP/1.1 431 ") {
		t.Errorf("a request header over 16 KiB: %.80q, want 431", out)
	}
	if code, body := get(t, s, "GET", "web.test", "/big", nil); code != http.StatusBadGateway {
		t.Errorf("a response header over 16 KiB: %d %.80q, want 502", code, body)
	}
}

func TestProxySlowHeader(t *testing.T) {
	defer func(d time.Duration) { headerTimeout = d }(headerTimeout)
	headerTimeout = 200 * time.Millisecond
	s := echoIngress(t)
	// A header that never ends: the ingress closes the connection after headerTimeout.
	c := dialTCP(t, s.Addr().String())
	start := time.Now()
	io.WriteString(c, "GET /a/ HTTP/1.1\r\nHost: web.test\r\n")
	io.ReadAll(c)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a header not finished held the connection %s", d)
	}
	// A body sent slower than headerTimeout is still read.
	c = dialTCP(t, s.Addr().String())
	io.WriteString(c, "POST /a/ HTTP/1.1\r\nHost: web.test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nx")
	time.Sleep(400 * time.Millisecond)
	io.WriteString(c, "y")
	if out, _ := io.ReadAll(c); !strings.HasSuffix(string(out), "body=2") {
		t.Errorf("a slow body: %q", out)
	}
}
