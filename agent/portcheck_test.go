package agent

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// servedPod places one pod of a Deployment "web" behind a Service "web" and reports it to
// the status writer of its node as a runtime reports a ready pod, with its port published
// at addr (a real listener on loopback). It returns the agent that runs the pod.
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
		for k, a := range store.Read(agents[0].Node(), testLogger()).Assignments {
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
	runner.status.Report(key, reconcile.Status{Phase: reconcile.PhaseRunning, Ready: true,
		Ports: []manifest.PublishedPort{{Container: "main", Name: "http", ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP}}})
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" lists the endpoint, its port checked open", func() bool {
			s := store.Read(a.Node(), testLogger()).Status[key]
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

// The endpoints of a node that failed, its agent and its workload both gone, take no
// traffic, although its pods keep their place: the one node left of two has no majority
// to move them. (A node whose agent alone failed keeps its endpoints: see
// TestAgentDownKeepsItsServingPods.)
func TestFailedNodeTakesItsEndpointsOut(t *testing.T) {
	ln := listen(t, "127.0.0.1:0")
	agents := startAgents(t, 2, nil)
	runner := servedPod(t, agents, ln.Addr().String())
	other := agents[0]
	if runner == other {
		other = agents[1]
	}
	if err := runner.Shutdown(false); err != nil {
		t.Fatal(err)
	}
	ln.Close()
	eventually(t, 20*time.Second, "the surviving node drops the failed node's endpoint", func() bool {
		return len(readyAddrs(t, other)) == 0
	})
	if pods := placement(t, other); len(pods) != 1 {
		t.Errorf("pods %v: want the pod still placed without a majority", pods)
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
