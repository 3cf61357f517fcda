package agent

import (
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func TestPortTargets(t *testing.T) {
	running := corePhase("Running")
	statuses := map[string]PodStatus{
		"default/web": {Node: "n1", Phase: running, Ports: []manifest.PublishedPort{
			{HostPort: 8080}, {HostPort: 53, Protocol: corev1.ProtocolUDP}, {HostPort: 9000, HostIP: "127.0.0.1", Protocol: corev1.ProtocolTCP}, {HostPort: 9100, HostIP: "0.0.0.0"},
		}},
		"default/starting":  {Node: "n1", Phase: corePhase("Pending"), Ports: []manifest.PublishedPort{{HostPort: 8081}}},
		"default/elsewhere": {Node: "n2", Phase: running, Ports: []manifest.PublishedPort{{HostPort: 8082}}},
		"default/udp-only":  {Node: "n1", Phase: running, Ports: []manifest.PublishedPort{{HostPort: 53, Protocol: corev1.ProtocolUDP}}},
	}
	got := portTargets(statuses, "n1", "198.18.0.11")
	want := map[string][]string{"default/web": {"198.18.0.11:8080", "127.0.0.1:9000", "198.18.0.11:9100"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("portTargets = %v, want %v", got, want)
	}
}

// servedPod places one pod of a Deployment "web" behind a Service "web" and writes its
// status as a runtime would report a ready pod, with its port published at addr (a real
// listener on loopback). It returns the agent that runs the pod.
func servedPod(t *testing.T, agents []*Agent, addr string) *Agent {
	t.Helper()
	_, portText, _ := net.SplitHostPort(addr)
	var port int32
	fmt.Sscan(portText, &port)
	apply(t, agents[0], strings.Replace(deploymentYAML("web", 1, ""), "image: localhost/test:1",
		fmt.Sprintf("image: localhost/test:1\n          ports: [{name: http, containerPort: %d}]", port), 1)+
		"---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}\n")
	var key, node string
	eventually(t, 10*time.Second, "the pod is placed", func() bool {
		for k, a := range readState(agents[0].Node(), agents[0].log).assignments {
			key, node = k, a.Node
		}
		return key != ""
	})
	var runner *Agent
	for _, a := range agents {
		if a.cfg.NodeName == node {
			runner = a
		}
	}
	status := PodStatus{Node: node, Phase: corePhase("Running"), Ready: true, HostIP: "127.0.0.1",
		Ports:   []manifest.PublishedPort{{Container: "main", Name: "http", ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP}},
		Updated: time.Now().UTC()}
	if _, err := runner.Node().Put(prefixStatus+key, mustJSON(status)); err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" lists the endpoint, its port checked open", func() bool {
			s := readState(a.Node(), a.log).status[key]
			return s.PortsOpen != nil && *s.PortsOpen && slices.Equal(readyAddrs(t, a), []string{addr})
		})
	}
	return runner
}

// readyAddrs lists the addresses of the ready endpoints of the Service web, from a's API.
func readyAddrs(t *testing.T, a *Agent) []string {
	var addrs []string
	call(t, a, "GET", "/api/v1/services/default/web/addresses", "", nil, &addrs)
	return addrs
}

// listen opens a loopback listener that serves as HTTP servers do (waitForClient).
func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go serve(ln, waitForClient)
	return ln
}

// A pod whose published port stops accepting connections leaves its Service's ready
// endpoints on every node, and comes back when the port accepts again.
func TestClosedPortTakesTheEndpointOut(t *testing.T) {
	ln := listen(t, "127.0.0.1:0")
	addr := ln.Addr().String()
	agents := startAgents(t, 2, nil)
	servedPod(t, agents, addr)

	ln.Close()
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" drops the endpoint whose port is closed", func() bool {
			return len(readyAddrs(t, a)) == 0
		})
	}
	var e struct{ Endpoints []struct{ Ready bool } }
	call(t, agents[1], "GET", "/api/v1/services/default/web/endpoints", "", nil, &e)
	if len(e.Endpoints) != 1 || e.Endpoints[0].Ready {
		t.Errorf("endpoints %+v: want the pod still listed, not ready", e.Endpoints)
	}

	listen(t, addr)
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" lists the endpoint again", func() bool {
			return slices.Equal(readyAddrs(t, a), []string{addr})
		})
	}
}

// The endpoints of a node that failed take no traffic, although its pods keep their place
// for the dead-node grace period (here longer than the test).
func TestFailedNodeTakesItsEndpointsOut(t *testing.T) {
	ln := listen(t, "127.0.0.1:0")
	agents := startAgents(t, 2, func(_ int, c *Config) { c.DeadGrace = time.Minute })
	runner := servedPod(t, agents, ln.Addr().String())
	other := agents[0]
	if runner == other {
		other = agents[1]
	}
	if err := runner.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the surviving node drops the failed node's endpoint", func() bool {
		return len(readyAddrs(t, other)) == 0
	})
	if pods := placement(t, other); len(pods) != 1 {
		t.Errorf("pods %v: want the pod still placed during the grace period", pods)
	}
}

// serve accepts connections until the listener is closed and hands each to handle.
func serve(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go handle(c)
	}
}

// waitForClient is a server that waits for its client to speak, as HTTP's do.
func waitForClient(c net.Conn) {
	defer c.Close()
	_, _ = c.Read(make([]byte, 1))
}

// A port is open when the connection stays up or the server greets; not when nothing
// listens, nor when the connection is closed at once, as pasta does on the node for a
// published port that nothing in the pod listens on.
func TestPortOpen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		handle func(net.Conn) // nil: nothing listens
		want   bool
	}{
		{"waits for the client", waitForClient, true},
		{"greets", func(c net.Conn) { defer c.Close(); c.Write([]byte("220 hello\r\n")); waitForClient(c) }, true},
		{"closes at once", func(c net.Conn) { c.Close() }, false},
		{"nothing listens", nil, false},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		if tc.handle == nil {
			ln.Close()
		} else {
			go serve(ln, tc.handle)
		}
		if got := portOpen(t.Context(), addr, time.Second, 200*time.Millisecond); got != tc.want {
			t.Errorf("%s: portOpen = %v, want %v", tc.name, got, tc.want)
		}
		ln.Close()
	}
}
