package l4

import (
	"bufio"
	"errors"
	"io/fs"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// TestTCPBalanced: connections to a node port go round-robin to the two endpoints, and a
// client's half-close reaches the endpoint, whose answer still comes back.
func TestTCPBalanced(t *testing.T) {
	b1, b2 := tcpBackend(t, "b1"), tcpBackend(t, "b2")
	port := freePort(t, "tcp")
	f := newForwarder(t, Config{})
	f.Apply([]discovery.Service{service("web", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, port, b1, b2)})
	count := map[string]int{}
	for i := range 6 {
		msg := "hello " + strconv.Itoa(i)
		got, err := ask(t, port, msg)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		name, rest, _ := strings.Cut(got, ":")
		if rest != msg {
			t.Fatalf("connection %d: answer %q, want the endpoint's name and %q", i, got, msg)
		}
		count[name]++
	}
	if count["b1"] != 3 || count["b2"] != 3 {
		t.Errorf("connections per endpoint %v, want 3 each", count)
	}
}

// TestTCPSkipsRefusing: an endpoint that refuses connections is skipped for the next one;
// without any endpoint that accepts, the client's connection is closed.
func TestTCPSkipsRefusing(t *testing.T) {
	gone := goneAddr(t, "tcp")
	good := tcpBackend(t, "good")
	port := freePort(t, "tcp")
	f := newForwarder(t, Config{})
	f.Apply([]discovery.Service{service("web", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, port, gone, good)})
	for i := range 4 {
		got, err := ask(t, port, "x")
		if err != nil || got != "good:x" {
			t.Fatalf("connection %d: %q, %v; want good:x", i, got, err)
		}
	}
	f.Apply([]discovery.Service{service("web", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, port, gone)})
	if got, err := ask(t, port, "x"); err == nil {
		t.Errorf("answer %q without an endpoint that accepts", got)
	}
	f.Apply([]discovery.Service{service("web", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, port)})
	if got, err := ask(t, port, "x"); err == nil {
		t.Errorf("answer %q without an endpoint", got)
	}
}

// TestUDPEcho: each client gets a session with one endpoint, in turn, and keeps it.
func TestUDPEcho(t *testing.T) {
	b1, b2 := udpBackend(t, "b1"), udpBackend(t, "b2")
	port := freePort(t, "udp")
	f := newForwarder(t, Config{UDPIdle: time.Minute})
	f.Apply([]discovery.Service{service("dns", corev1.ServiceTypeNodePort, corev1.ProtocolUDP, 53, port, b1, b2)})
	c1, c2 := udpClient(t), udpClient(t)
	first := askUDP(t, c1, port, "one")
	second := askUDP(t, c2, port, "two")
	n1, _, _ := strings.Cut(first, ":")
	n2, _, _ := strings.Cut(second, ":")
	if first != n1+":one" || second != n2+":two" || n1 == n2 {
		t.Fatalf("answers %q and %q, want one from each endpoint", first, second)
	}
	for range 3 {
		if got := askUDP(t, c1, port, "again"); got != n1+":again" {
			t.Fatalf("the session moved: %q, want %s:again", got, n1)
		}
	}
	if n := udpPortOf(t, f, Key{corev1.ProtocolUDP, port}).count(); n != 2 {
		t.Errorf("%d sessions for 2 clients", n)
	}
}

// TestUDPIdle: a session that neither side uses ends; the client's next datagram starts
// another.
func TestUDPIdle(t *testing.T) {
	b := udpBackend(t, "b")
	port := freePort(t, "udp")
	f := newForwarder(t, Config{UDPIdle: 100 * time.Millisecond})
	f.Apply([]discovery.Service{service("dns", corev1.ServiceTypeNodePort, corev1.ProtocolUDP, 53, port, b)})
	c := udpClient(t)
	if got := askUDP(t, c, port, "one"); got != "b:one" {
		t.Fatalf("answer %q, want b:one", got)
	}
	u := udpPortOf(t, f, Key{corev1.ProtocolUDP, port})
	eventually(t, "the idle session ended", func() bool { return u.count() == 0 })
	if got := askUDP(t, c, port, "later"); got != "b:later" {
		t.Fatalf("answer %q after the session ended, want b:later", got)
	}
}

// TestUDPEndpointGone: when a client's endpoint goes away, the client's next datagrams
// reach another endpoint.
func TestUDPEndpointGone(t *testing.T) {
	pc, err := net.ListenPacket("udp", backendIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	doomed := pc.LocalAddr().String()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(append([]byte("doomed:"), buf[:n]...), from)
		}
	}()
	good := udpBackend(t, "good")
	port := freePort(t, "udp")
	f := newForwarder(t, Config{})
	f.Apply([]discovery.Service{service("dns", corev1.ServiceTypeNodePort, corev1.ProtocolUDP, 53, port, doomed, good)})
	c := udpClient(t)
	if got := askUDP(t, c, port, "a"); got != "doomed:a" {
		t.Fatalf("first answer %q, want doomed:a (the first endpoint in turn)", got)
	}
	_ = pc.Close() // the endpoint's port now answers ICMP port unreachable
	f.Apply([]discovery.Service{service("dns", corev1.ServiceTypeNodePort, corev1.ProtocolUDP, 53, port, good)})
	if got := askUDP(t, c, port, "b"); got != "good:b" {
		t.Fatalf("answer %q after the endpoint went away, want good:b", got)
	}
}

// TestTCPEndpointGone: an endpoint whose listener closed is skipped, also before the
// endpoint list says so.
func TestTCPEndpointGone(t *testing.T) {
	gone := goneAddr(t, "tcp")
	good := tcpBackend(t, "good")
	port := freePort(t, "tcp")
	f := newForwarder(t, Config{})
	f.Apply([]discovery.Service{service("web", corev1.ServiceTypeLoadBalancer, corev1.ProtocolTCP, freePort(t, "tcp"), port, good, gone)})
	for i := range 4 {
		if got, err := ask(t, port, "x"); err != nil || got != "good:x" {
			t.Fatalf("connection %d: %q, %v", i, got, err)
		}
	}
}

// TestPortTaken: a LoadBalancer Service port that another process holds, or that the
// ingress keeps for itself, is skipped and not listed; its node port is opened, and the
// taken port is tried again at the next Apply.
func TestPortTaken(t *testing.T) {
	holder, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, p, _ := net.SplitHostPort(holder.Addr().String())
	n, _ := strconv.Atoi(p)
	taken := int32(n)
	reserved := freePort(t, "tcp")
	b := tcpBackend(t, "b")
	np1, np2 := freePort(t, "tcp"), freePort(t, "tcp")
	file := filepath.Join(t.TempDir(), "ports.json")
	f := newForwarder(t, Config{Reserved: []Key{{corev1.ProtocolTCP, reserved}}, OpenedFile: file})
	services := []discovery.Service{
		service("a", corev1.ServiceTypeLoadBalancer, corev1.ProtocolTCP, taken, np1, b),
		service("b", corev1.ServiceTypeLoadBalancer, corev1.ProtocolTCP, reserved, np2, b),
	}
	f.Apply(services)
	want := []Opened{
		{Key: Key{corev1.ProtocolTCP, np1}, Kind: NodePort, Namespace: "shop", Service: "a", PortName: "p", ServicePort: taken},
		{Key: Key{corev1.ProtocolTCP, np2}, Kind: NodePort, Namespace: "shop", Service: "b", PortName: "p", ServicePort: reserved},
	}
	sortOpened(want)
	if got := f.Opened(); !slices.Equal(got, want) {
		t.Fatalf("opened %+v, want %+v", got, want)
	}
	if got, err := ReadOpened(file); err != nil || !slices.Equal(got, want) {
		t.Fatalf("file lists %+v (%v), want %+v", got, err, want)
	}
	for _, port := range []int32{np1, np2} {
		if got, err := ask(t, port, "x"); err != nil || got != "b:x" {
			t.Errorf("node port %d: %q, %v", port, got, err)
		}
	}

	// The holder lets go: the next Apply takes the port.
	_ = holder.Close()
	f.Apply(services)
	if got, err := ask(t, taken, "y"); err != nil || got != "b:y" {
		t.Fatalf("the freed Service port: %q, %v", got, err)
	}
	got, err := ReadOpened(file)
	if err != nil || len(got) != 3 {
		t.Fatalf("file lists %+v (%v), want 3 ports", got, err)
	}

	// Closed: nothing open, and the file says so.
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadOpened(file); err != nil || len(got) != 0 {
		t.Fatalf("after Close the file lists %+v (%v), want none", got, err)
	}
	if _, err := ReadOpened(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
}

// TestListenerChanges: a new Service's port opens, a removed one closes, a changed endpoint
// list takes the new connections while an established connection keeps its endpoint.
func TestListenerChanges(t *testing.T) {
	old, cur := lineBackend(t, "old"), lineBackend(t, "new")
	port, other := freePort(t, "tcp"), freePort(t, "tcp")
	f := newForwarder(t, Config{})
	f.Apply([]discovery.Service{service("web", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, port, old)})

	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	line := func(msg string) string {
		t.Helper()
		if _, err := c.Write([]byte(msg + "\n")); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(got, "\n")
	}
	if got := line("1"); got != "old:1" {
		t.Fatalf("got %q, want old:1", got)
	}

	// The endpoint moves, and another Service appears.
	f.Apply([]discovery.Service{
		service("web", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, port, cur),
		service("api", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, other, cur),
	})
	if got := line("2"); got != "old:2" {
		t.Errorf("the established connection: %q, want old:2", got)
	}
	for _, p := range []int32{port, other} {
		c2, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(p))))
		if err != nil {
			t.Fatalf("port %d: %v", p, err)
		}
		_ = c2.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = c2.Write([]byte("3\n"))
		got, err := bufio.NewReader(c2).ReadString('\n')
		_ = c2.Close()
		if err != nil || got != "new:3\n" {
			t.Errorf("a new connection to %d: %q, %v; want new:3", p, got, err)
		}
	}

	// web goes away: its port closes, its established connection goes on.
	f.Apply([]discovery.Service{service("api", corev1.ServiceTypeNodePort, corev1.ProtocolTCP, 80, other, cur)})
	if c3, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))), time.Second); err == nil {
		_ = c3.Close()
		t.Errorf("port %d still accepts after its Service went away", port)
	}
	if got := line("4"); got != "old:4" {
		t.Errorf("the established connection after its port closed: %q, want old:4", got)
	}
	if got := f.Opened(); len(got) != 1 || got[0].Port != other {
		t.Errorf("opened %+v, want only %d", got, other)
	}
}

// udpPortOf finds the UDP port of f open at k.
func udpPortOf(t *testing.T, f *Forwarder, k Key) *udpPort {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.open[k]
	if !ok || l.udp == nil {
		t.Fatalf("%s is not an open UDP port", k)
	}
	return l.udp
}
