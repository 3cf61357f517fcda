package agent

import (
	"fmt"
	"net"
	"reflect"
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

// A pod whose published port stops accepting connections leaves its Service's ready
// endpoints on every node, and comes back when the port accepts again. The port is a real
// listener on loopback; the pod's status is written as a runtime would report it.
func TestClosedPortTakesTheEndpointOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go serve(ln, waitForClient)
	_, portText, _ := net.SplitHostPort(addr)
	var port int32
	fmt.Sscan(portText, &port)

	agents := startAgents(t, 2, nil)
	apply(t, agents[0], strings.Replace(deploymentYAML("web", 1, ""), "image: localhost/test:1",
		fmt.Sprintf("image: localhost/test:1\n          ports: [{name: http, containerPort: %d}]", port), 1)+
		"---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}\n")
	var key, node string
	eventually(t, 10*time.Second, "the pod is placed", func() bool {
		st := readState(agents[0].Node(), agents[0].log)
		for k, a := range st.assignments {
			key, node = k, a.Node
		}
		return key != ""
	})
	runner := agents[0]
	if node != runner.cfg.NodeName {
		runner = agents[1]
	}
	// What the reconciler reports of a pod that runs and passes its own probes.
	status := PodStatus{Node: node, Phase: corePhase("Running"), Ready: true, HostIP: "127.0.0.1",
		Ports:   []manifest.PublishedPort{{Container: "main", Name: "http", ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP}},
		Updated: time.Now().UTC()}
	if _, err := runner.Node().Put(prefixStatus+key, mustJSON(status)); err != nil {
		t.Fatal(err)
	}
	ready := func(a *Agent) []string {
		var addrs []string
		call(t, a, "GET", "/api/v1/services/default/web/addresses", "", nil, &addrs)
		return addrs
	}
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" lists the endpoint, checked open", func() bool {
			st := readState(a.Node(), a.log)
			s := st.status[key]
			return s.PortsOpen != nil && *s.PortsOpen && len(ready(a)) == 1
		})
	}

	ln.Close()
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" drops the endpoint whose port is closed", func() bool {
			return len(ready(a)) == 0
		})
	}
	var e struct{ Endpoints []struct{ Ready bool } }
	call(t, agents[1], "GET", "/api/v1/services/default/web/endpoints", "", nil, &e)
	if len(e.Endpoints) != 1 || e.Endpoints[0].Ready {
		t.Errorf("endpoints %+v: want the pod still listed, not ready", e.Endpoints)
	}

	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	defer ln.Close()
	go serve(ln, waitForClient)
	for _, a := range agents {
		eventually(t, 10*time.Second, a.cfg.NodeName+" lists the endpoint again", func() bool {
			return len(ready(a)) == 1 && ready(a)[0] == addr
		})
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
