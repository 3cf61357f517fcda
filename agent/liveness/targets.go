package liveness

import (
	"maps"
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// maxTargets bounds the addresses dialled for one member in a round: one that answers is
// enough, and a member with many ready pods must not cost the leader many connections.
const maxTargets = 8

// Target is one address whose answer proves a member's workloads alive.
type Target struct {
	Addr string // host:port
	// Kernel marks the member's gossip port, dialled when its ready pods publish no TCP
	// port: a refusal proves the machine's kernel alive, as an accepted connection does.
	Kernel bool
}

// Targets lists what to dial to learn whether member m's workloads are alive, from the
// status records of the pods assigned to it: the TCP node ports of its ready pods, else,
// when it has ready pods that publish none, its gossip port. Nil: it reports no ready
// pod, so nothing of it could answer.
func Targets(st *store.State, m cluster.Member) []Target {
	nodeHost := host(m.Addr)
	seen := map[string]bool{}
	var out []Target
	ready := false
	for _, key := range slices.Sorted(maps.Keys(st.Assignments)) {
		s, ok := st.Status[key]
		if a := st.Assignments[key]; a.Node != m.Name || !ok || !s.Describes(a) || !s.Ready {
			continue
		}
		ready = true
		for _, p := range s.Ports {
			if p.HostPort <= 0 || (p.Protocol != "" && p.Protocol != corev1.ProtocolTCP) {
				continue
			}
			addr := net.JoinHostPort(portHost(p.HostIP, s.HostIP, nodeHost), strconv.Itoa(int(p.HostPort)))
			if !seen[addr] && len(out) < maxTargets {
				seen[addr] = true
				out = append(out, Target{Addr: addr})
			}
		}
	}
	if ready && len(out) == 0 {
		out = append(out, Target{Addr: m.Addr, Kernel: true})
	}
	return out
}

// portHost is where a published port is reached: the address it is bound to, unless that
// is every address, else the address the node reports for its pods, else its gossip host.
func portHost(bound, reported, gossip string) string {
	if ip := net.ParseIP(bound); ip != nil && !ip.IsUnspecified() {
		return bound
	}
	if reported != "" {
		return reported
	}
	return gossip
}

func host(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}
