package liveness

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func state() *store.State {
	return &store.State{Assignments: map[string]store.Assignment{}, Status: map[string]store.PodStatus{}}
}

func place(st *store.State, key, node string, s *store.PodStatus) {
	st.Assignments[key] = store.Assignment{Pod: manifest.Pod{Name: key}, Node: node}
	if s != nil {
		st.Status[key] = *s
	}
}

func TestTargets(t *testing.T) {
	m := cluster.Member{Name: "n1", Addr: "10.0.0.1:7946", State: cluster.StateDead}
	tcp := func(host string, port int32) manifest.PublishedPort {
		return manifest.PublishedPort{HostIP: host, HostPort: port, Protocol: corev1.ProtocolTCP}
	}
	st := state()
	if got := Targets(st, m); got != nil {
		t.Fatalf("no pods: %v", got)
	}
	// Not ready, another node's, a status left by the node that ran it before: nothing.
	place(st, "a", "n1", &store.PodStatus{Node: "n1", Ready: false, Ports: []manifest.PublishedPort{tcp("", 80)}})
	place(st, "b", "n2", &store.PodStatus{Node: "n2", Ready: true, Ports: []manifest.PublishedPort{tcp("", 81)}})
	place(st, "c", "n1", &store.PodStatus{Node: "n0", Ready: true, Ports: []manifest.PublishedPort{tcp("", 82)}})
	place(st, "d", "n1", nil)
	if got := Targets(st, m); got != nil {
		t.Fatalf("no ready pod of its own: %v", got)
	}
	// A ready pod with a UDP port only: the gossip port.
	place(st, "e", "n1", &store.PodStatus{Node: "n1", Ready: true, Ports: []manifest.PublishedPort{{HostPort: 53, Protocol: corev1.ProtocolUDP}}})
	if got, want := Targets(st, m), []Target{{Addr: "10.0.0.1:7946", Kernel: true}}; !slices.Equal(got, want) {
		t.Fatalf("ready, no TCP port: %v, want %v", got, want)
	}
	// TCP ports: at the bound address, else the reported one, else the gossip host.
	place(st, "f", "n1", &store.PodStatus{Node: "n1", Ready: true, HostIP: "10.0.0.9",
		Ports: []manifest.PublishedPort{tcp("", 8080), tcp("127.0.0.5", 8081), tcp("0.0.0.0", 8082)}})
	place(st, "g", "n1", &store.PodStatus{Node: "n1", Ready: true, Ports: []manifest.PublishedPort{{HostPort: 9090}, {HostPort: 0}}})
	want := []Target{{Addr: "10.0.0.9:8080"}, {Addr: "127.0.0.5:8081"}, {Addr: "10.0.0.9:8082"}, {Addr: "10.0.0.1:9090"}}
	if got := Targets(st, m); !slices.Equal(got, want) {
		t.Fatalf("TCP ports: %v, want %v", got, want)
	}
}

func TestTargetsAreBounded(t *testing.T) {
	st := state()
	for i := range 20 {
		key := string(rune('a' + i))
		place(st, key, "n1", &store.PodStatus{Node: "n1", Ready: true, Ports: []manifest.PublishedPort{{HostPort: int32(1000 + i)}}})
	}
	if got := Targets(st, cluster.Member{Name: "n1", Addr: "10.0.0.1:7946"}); len(got) != maxTargets {
		t.Fatalf("%d targets, want %d", len(got), maxTargets)
	}
}
