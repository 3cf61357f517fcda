package l4

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// tcpBackend answers each connection, once the client has sent everything (half-closed),
// with name + ":" + what it sent, then closes. It runs until the test ends.
func tcpBackend(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", backendIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				got, err := io.ReadAll(c)
				if err != nil {
					return
				}
				_, _ = c.Write([]byte(name + ":" + string(got)))
			}()
		}
	}()
	return ln.Addr().String()
}

// lineBackend echoes each line with name + ":" in front, for as long as the connection
// lasts.
func lineBackend(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", backendIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(name + ":" + line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// udpBackend answers each datagram with name + ":" + the datagram.
func udpBackend(t *testing.T, name string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", backendIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(append([]byte(name+":"), buf[:n]...), from)
		}
	}()
	return pc.LocalAddr().String()
}

// The forwarder listens on 127.0.0.1; endpoints listen on backendIP, and the addresses of
// endpoints that are gone are on goneIP, where nothing listens: so a port a test found free
// is never taken by one of its own backends meanwhile.
const (
	backendIP = "127.0.0.2"
	goneIP    = "127.0.0.3"
)

var (
	handedMu sync.Mutex
	handed   = map[string]bool{} // ports freePort gave, by network and port
)

// freePort is a port of 127.0.0.1 free for network ("tcp" or "udp") a moment ago, and
// never given before in this test binary.
func freePort(t *testing.T, network string) int32 {
	t.Helper()
	handedMu.Lock()
	defer handedMu.Unlock()
	for {
		n := boundPort(t, network, "127.0.0.1")
		if key := network + "/" + strconv.Itoa(int(n)); !handed[key] {
			handed[key] = true
			return n
		}
	}
}

// goneAddr is an address of goneIP where nothing listens.
func goneAddr(t *testing.T, network string) string {
	return net.JoinHostPort(goneIP, strconv.Itoa(int(boundPort(t, network, goneIP))))
}

// boundPort binds a port of ip for network, and closes it.
func boundPort(t *testing.T, network, ip string) int32 {
	t.Helper()
	var addr net.Addr
	switch network {
	case "tcp":
		ln, err := net.Listen("tcp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		addr = ln.Addr()
		_ = ln.Close()
	default:
		pc, err := net.ListenPacket("udp", ip+":0")
		if err != nil {
			t.Fatal(err)
		}
		addr = pc.LocalAddr()
		_ = pc.Close()
	}
	_, p, _ := net.SplitHostPort(addr.String())
	n, _ := strconv.Atoi(p)
	return int32(n)
}

// service is a Service of type typ with one port (Service port port, node port nodePort)
// and a ready endpoint per backend address.
func service(name string, typ corev1.ServiceType, proto corev1.Protocol, port, nodePort int32, backends ...string) discovery.Service {
	s := discovery.Service{Namespace: "shop", Name: name, Type: typ, ClusterIP: "10.43.0.1",
		Ports: []discovery.Port{{Name: "p", Port: port, Protocol: proto, NodePort: nodePort}}}
	for i, b := range backends {
		host, p, _ := net.SplitHostPort(b)
		n, _ := strconv.Atoi(p)
		s.Endpoints = append(s.Endpoints, discovery.Endpoint{Pod: name + "-" + strconv.Itoa(i), Node: "n", Address: host, Ready: true,
			Ports: []discovery.Port{{Name: "p", Port: int32(n), Protocol: proto, TargetPort: port}}})
	}
	return s
}

// newForwarder makes a Forwarder on 127.0.0.1, closed when the test ends.
func newForwarder(t *testing.T, cfg Config) *Forwarder {
	t.Helper()
	cfg.Address = "127.0.0.1"
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = time.Second
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f := New(cfg)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// ask sends msg over TCP to port, half-closes, and reads the whole answer.
func ask(t *testing.T, port int32, msg string) (string, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))), 2*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return "", err
	}
	got, err := io.ReadAll(c)
	if err == nil && len(got) == 0 {
		err = errors.New("closed without an answer")
	}
	return string(got), err
}

// askUDP sends msg from c to port and waits for its answer (one that ends with msg: a late
// answer to an earlier datagram is skipped).
func askUDP(t *testing.T, c *net.UDPConn, port int32, msg string) string {
	t.Helper()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: int(port)}
	buf := make([]byte, 2048)
	// A datagram may be lost on its way, even on loopback: send again a few times.
	for range 5 {
		if _, err := c.WriteToUDP([]byte(msg), to); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		for {
			n, _, err := c.ReadFromUDP(buf)
			if err != nil {
				break
			}
			if strings.HasSuffix(string(buf[:n]), ":"+msg) {
				return string(buf[:n])
			}
		}
	}
	t.Fatalf("no UDP answer from port %d", port)
	return ""
}

func udpClient(t *testing.T) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// eventually checks cond every 10 ms for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
