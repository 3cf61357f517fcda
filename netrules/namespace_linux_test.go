package netrules

import (
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/privnet"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// The tests below load the rules into a private network namespace, where the "node
// addresses" are loopback addresses with real servers on them, the pod's own IP is on lo,
// and the pod and Service CIDRs are routed to lo so that a connection has a route before
// the rules translate it, as the pasta interface gives one in a pod.

// serveTCP answers every connection with the server's name.
func serveTCP(t *testing.T, addr, name string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(name))
			c.Close()
		}
	})
}

// serveUDP answers every datagram with the server's name.
func serveUDP(t *testing.T, addr, name string) {
	t.Helper()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("listen on udp %s: %v", addr, err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	wg.Go(func() {
		buf := make([]byte, 64)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo([]byte(name), from)
		}
	})
}

// askTCP opens a new connection and reads who answered.
func askTCP(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	return string(b), err
}

// askUDP sends one datagram from a new socket (a new conntrack entry) and reads the answer.
func askUDP(addr string) (string, error) {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("who")); err != nil {
		return "", err
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	return string(buf[:n]), err
}

func load(t *testing.T, script string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft -f -: %v: %s\n%s", err, out, script)
	}
}

func ruleset(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return string(out)
}

// counts asks n times and counts the answers; any error fails the test.
func counts(t *testing.T, ask func(string) (string, error), addr string, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		name, err := ask(addr)
		if err != nil {
			t.Fatalf("ask %s: %v", addr, err)
		}
		got[name]++
	}
	return got
}

// refused checks that a TCP connection is refused at once (a reset).
func refused(t *testing.T, ask func(string) (string, error), addr string) {
	t.Helper()
	name, err := ask(addr)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("ask %s: answer %q, error %v; want connection refused", addr, name, err)
	}
}

// refusedUDP checks that a datagram is refused at once. The reject verdict drops the
// datagram in the sender's own output hook, so the kernel fails the send itself (EPERM)
// rather than waiting for the ICMP port unreachable it also sends (ECONNREFUSED on the
// next read); either is an immediate refusal, never a time-out.
func refusedUDP(t *testing.T, addr string) {
	t.Helper()
	name, err := askUDP(addr)
	if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("ask udp %s: answer %q, error %v; want the send refused", addr, name, err)
	}
}

func netSetup(t *testing.T) {
	privnet.Run(t, "ip", "addr", "add", "10.42.0.100/32", "dev", "lo")
	privnet.Run(t, "ip", "route", "add", "10.42.0.0/16", "dev", "lo")
	privnet.Run(t, "ip", "route", "add", "10.43.0.0/16", "dev", "lo")
}

// realInput: web (TCP and UDP) on two endpoints, a Service without a ready endpoint, and
// two pods with IPs, one of them this namespace's own.
func realInput(webEndpoints ...discovery.Endpoint) Input {
	return Input{
		Services: []discovery.Service{
			{Namespace: "default", Name: "web", ClusterIP: "10.43.0.10",
				Ports: []discovery.Port{tcp("http", 80, 0), udp("dns", 53, 0)}, Endpoints: webEndpoints},
			{Namespace: "default", Name: "down", ClusterIP: "10.43.0.11",
				Ports:     []discovery.Port{tcp("http", 80, 0), udp("dns", 53, 0)},
				Endpoints: []discovery.Endpoint{ep("down-a", "127.0.0.2", false, tcp("http", 20001, 80), udp("dns", 20002, 53))}},
		},
		Pods: []Pod{
			{Name: "default/p", IP: "10.42.0.5", Address: "127.0.0.3", Ports: []manifest.PublishedPort{
				{ContainerPort: 8080, HostPort: 20002, Protocol: corev1.ProtocolTCP},
				{ContainerPort: 5353, HostPort: 20002, Protocol: corev1.ProtocolUDP},
			}},
			{Name: "default/self", IP: "10.42.0.100", Address: "127.0.0.2", Ports: []manifest.PublishedPort{
				{ContainerPort: 8080, HostPort: 20001, Protocol: corev1.ProtocolTCP},
			}},
		},
	}
}

var (
	webA = ep("web-a", "127.0.0.2", true, tcp("http", 20001, 80), udp("dns", 20002, 53))
	webB = ep("web-b", "127.0.0.3", true, tcp("http", 20002, 80), udp("dns", 20002, 53))
)

func TestRulesInANamespace(t *testing.T) {
	if !privnet.Enter(t, "nft") {
		return
	}
	netSetup(t)
	serveTCP(t, "127.0.0.2:20001", "a")
	serveTCP(t, "127.0.0.3:20002", "b")
	serveUDP(t, "127.0.0.2:20002", "ua")
	serveUDP(t, "127.0.0.3:20002", "ub")
	serveTCP(t, "10.42.0.100:8080", "self")

	load(t, Render(realInput(webA, webB)))

	if got := counts(t, askTCP, "10.43.0.10:80", 6); got["a"] != 3 || got["b"] != 3 {
		t.Errorf("TCP to the ClusterIP landed %v; want 3 on a and 3 on b (round robin)", got)
	}
	if got := counts(t, askUDP, "10.43.0.10:53", 6); got["ua"] != 3 || got["ub"] != 3 {
		t.Errorf("UDP to the ClusterIP landed %v; want 3 on ua and 3 on ub (round robin)", got)
	}
	refused(t, askTCP, "10.43.0.11:80")
	refusedUDP(t, "10.43.0.11:53")
	refused(t, askTCP, "10.43.0.10:81") // a port the Service does not have

	if got := counts(t, askTCP, "10.42.0.5:8080", 2); got["b"] != 2 {
		t.Errorf("TCP to the pod IP landed %v; want both on b (its node address and node port)", got)
	}
	if got := counts(t, askUDP, "10.42.0.5:5353", 2); got["ub"] != 2 {
		t.Errorf("UDP to the pod IP landed %v; want both on ub", got)
	}
	refused(t, askTCP, "10.42.0.5:9999")
	if got := counts(t, askTCP, "10.42.0.100:8080", 2); got["self"] != 2 {
		t.Errorf("TCP to the namespace's own pod IP landed %v; want it left alone (self)", got)
	}

	// A reload replaces the rules whole: web-a is gone, no new connection goes to it, and
	// loading the same rules twice changes nothing.
	load(t, Render(realInput(webB)))
	load(t, Render(realInput(webB)))
	if got := counts(t, askTCP, "10.43.0.10:80", 4); got["b"] != 4 {
		t.Errorf("after web-a left, TCP landed %v; want all 4 on b", got)
	}
	if got := counts(t, askUDP, "10.43.0.10:53", 4); got["ub"] != 4 {
		t.Errorf("after web-a left, UDP landed %v; want all 4 on ub", got)
	}
	if rs := ruleset(t); strings.Contains(rs, "127.0.0.2 . 20002") || strings.Count(rs, "table ip swarm") != 1 {
		t.Errorf("the reloaded ruleset still has web-a, or two tables:\n%s", rs)
	}

	// No ready endpoint left: refused at once.
	load(t, Render(realInput()))
	refused(t, askTCP, "10.43.0.10:80")
	refusedUDP(t, "10.43.0.10:53")

	// No Service and no pod: the tables are gone.
	load(t, Render(Input{}))
	if rs := ruleset(t); strings.Contains(rs, "swarm") {
		t.Errorf("rules without input left a table:\n%s", rs)
	}
}

func TestRulesInANamespaceIPv6(t *testing.T) {
	if !privnet.Enter(t, "nft") {
		return
	}
	privnet.Run(t, "ip", "-6", "addr", "add", "fd00::11/128", "dev", "lo", "nodad")
	privnet.Run(t, "ip", "-6", "route", "add", "fd43::/16", "dev", "lo")
	privnet.Run(t, "ip", "-6", "route", "add", "fd42::/16", "dev", "lo")
	serveTCP(t, "[fd00::11]:20010", "v6")
	load(t, Render(Input{
		Services: []discovery.Service{{Namespace: "v6", Name: "api", ClusterIP: "fd43::a",
			Ports: []discovery.Port{tcp("", 443, 0)}, Endpoints: []discovery.Endpoint{ep("api-a", "fd00::11", true, tcp("", 20010, 8443))}}},
		Pods: []Pod{{Name: "v6/api-a", IP: "fd42::5", Address: "fd00::11", Ports: []manifest.PublishedPort{{ContainerPort: 8443, HostPort: 20010}}}},
	}))
	if got := counts(t, askTCP, "[fd43::a]:443", 2); got["v6"] != 2 {
		t.Errorf("TCP to the IPv6 ClusterIP landed %v; want both on v6", got)
	}
	if got := counts(t, askTCP, "[fd42::5]:8443", 2); got["v6"] != 2 {
		t.Errorf("TCP to the IPv6 pod IP landed %v; want both on v6", got)
	}
	refused(t, askTCP, "[fd43::a]:444")
}

// The golden rules load as they are: nft takes every line.
func TestGoldenLoadsInANamespace(t *testing.T) {
	if !privnet.Enter(t, "nft") {
		return
	}
	load(t, Render(nodeInput()))
	load(t, Render(nodeInput()))
	if rs := ruleset(t); !strings.Contains(rs, "svc/default/web/tcp/80") || !strings.Contains(rs, "svc/v6/api/tcp/443") {
		t.Errorf("the loaded ruleset lacks a Service chain:\n%s", rs)
	}
}
