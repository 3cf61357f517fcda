package ingress

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
)

func TestUpgradeAfterDeadEndpoint(t *testing.T) {
	b := backendServer(t, "127.0.0.3", "", wsEchoBackend)
	// Sorted by pod: the dead endpoint is tried first.
	agent := newFakeAgent(t, wsState(endpoint("ws-a", "n1", deadAddr(t, "127.0.0.2"), true),
		endpoint("ws-b", "n2", b.Listener.Addr().String(), true)))
	s := startIngress(t, Config{Agent: agent.URL})
	waitRouted(t, s, "ws.test")
	wsHandshake(t, dialTCP(t, s.Addr().String()), "ws.test")
}

func TestUpgradeRefusedByEndpoint(t *testing.T) {
	b := backendServer(t, "127.0.0.2", "", wsEchoBackend)
	agent := newFakeAgent(t, wsState(endpoint("ws-a", "n1", b.Listener.Addr().String(), true)))
	s := startIngress(t, Config{Agent: agent.URL})
	waitRouted(t, s, "ws.test")
	// The endpoint answers an upgrade it does not speak as an ordinary request: the answer
	// reaches the client, and the client's connection serves the next request.
	conn := dialTCP(t, s.Addr().String())
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: ws.test\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"+
		"GET / HTTP/1.1\r\nHost: ws.test\r\n\r\n")
	br := bufio.NewReader(conn)
	for i, want := range []string{"not an upgrade\n", "not an upgrade\n"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("answer %d: %v", i+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusBadRequest || string(body) != want {
			t.Errorf("answer %d: %d %q, want 400 %q", i+1, resp.StatusCode, body, want)
		}
	}
}

func TestUpgradeOverTLS(t *testing.T) {
	dir := t.TempDir()
	cert := writeCert(t, dir, "default", "ws-tls", "ws.test")
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	b := backendServer(t, "127.0.0.2", "", wsEchoBackend)
	in := hostIngress("ws", "ws.test", "ws")
	in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"ws.test"}, SecretName: "ws-tls"}}
	st := wsState(endpoint("ws-a", "n1", b.Listener.Addr().String(), true))
	st.Ingresses[0] = in
	agent := newFakeAgent(t, st)
	s := startIngress(t, Config{Agent: agent.URL, TLSDir: dir, ListenTLS: "127.0.0.1:0"})
	eventually(t, "the HTTPS listener", func() bool { return s.TLSAddr() != nil })
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.TLSAddr().String(),
		&tls.Config{ServerName: "ws.test", RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Errorf("a client offering h2 negotiated %q, want http/1.1 (the only protocol served)", p)
	}
	wsHandshake(t, conn, "ws.test")
}
