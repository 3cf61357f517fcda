package noderuntime

import (
	"net"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func TestPortTargets(t *testing.T) {
	running := store.CorePhase("Running")
	statuses := map[string]store.PodStatus{
		"default/web": {Node: "n1", Phase: running, Ports: []manifest.PublishedPort{
			{HostPort: 8080}, {HostPort: 53, Protocol: corev1.ProtocolUDP}, {HostPort: 9000, HostIP: "127.0.0.1", Protocol: corev1.ProtocolTCP}, {HostPort: 9100, HostIP: "0.0.0.0"},
		}},
		"default/starting":  {Node: "n1", Phase: store.CorePhase("Pending"), Ports: []manifest.PublishedPort{{HostPort: 8081}}},
		"default/elsewhere": {Node: "n2", Phase: running, Ports: []manifest.PublishedPort{{HostPort: 8082}}},
		"default/udp-only":  {Node: "n1", Phase: running, Ports: []manifest.PublishedPort{{HostPort: 53, Protocol: corev1.ProtocolUDP}}},
	}
	got := portTargets(statuses, "n1", "198.18.0.11")
	want := map[string][]string{"default/web": {"198.18.0.11:8080", "127.0.0.1:9000", "198.18.0.11:9100"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("portTargets = %v, want %v", got, want)
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
