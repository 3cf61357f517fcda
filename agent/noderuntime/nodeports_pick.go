package noderuntime

import (
	"fmt"
	"slices"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// podPorts are the node ports picked for one pod's container ports.
type podPorts map[quadlet.PortKey]int32

// wantedPorts lists the container ports of a pod that need a node port: those without an
// explicit hostPort, in the spec's order, then the ports only the agent's probes name (see
// quadlet.ProbePorts), which the agent reaches through a node port too. A pod keeps the
// ports it has; one that gains a probe port gets a node port for it beside them.
func wantedPorts(p manifest.Pod) []quadlet.PortKey {
	var out []quadlet.PortKey
	for _, pp := range manifest.PublishedPorts(&p.Spec) {
		if !pp.Explicit {
			out = append(out, quadlet.PortKey{Port: pp.ContainerPort, Protocol: pp.Protocol})
		}
	}
	return append(out, quadlet.ProbePorts(&p.Spec)...)
}

// pickPorts gives every wanted container port of every pod a node port from r: a pod keeps
// the ports it has (its units, and so the running pod, stay the same), a new one gets ports
// that no other pod of this node has and that free says are free on the node now. Ports of
// pods that are no longer wanted are released. It returns the new table and, per pod that
// could not get all its ports, why.
func pickPorts(r netalloc.PortRange, want map[string][]quadlet.PortKey, have map[string]podPorts, reserved map[int32]bool, free func(port int32, k quadlet.PortKey) bool) (map[string]podPorts, map[string]error) {
	out := make(map[string]podPorts, len(want))
	taken := map[int32]bool{}
	for p := range reserved {
		taken[p] = true
	}
	keys := make([]string, 0, len(want))
	for key := range want {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	// Kept ports first, so that a new pod never takes one from a pod that keeps it.
	for _, key := range keys {
		kept := podPorts{}
		for _, k := range want[key] {
			if p, ok := have[key][k]; ok && r.Contains(p) && !taken[p] {
				kept[k] = p
				taken[p] = true
			}
		}
		out[key] = kept
	}
	problems := map[string]error{}
	// New ports come after the highest port kept, so that one just released is not handed
	// out again at once (a client may still be talking to the pod that had it).
	next := r.First
	for _, ports := range out {
		for _, p := range ports {
			if p >= next {
				next = p + 1
			}
		}
	}
	if next > r.Last {
		next = r.First
	}
	for _, key := range keys {
		for _, k := range want[key] {
			if _, ok := out[key][k]; ok {
				continue
			}
			p, ok := nextFree(r, &next, taken, func(p int32) bool { return free(p, k) })
			if !ok {
				problems[key] = fmt.Errorf("no free node port for container port %s: the node port range %s is used up", k, r)
				break
			}
			out[key][k] = p
			taken[p] = true
		}
	}
	return out, problems
}

// nextFree finds the next port from *next on (wrapping once) that is neither taken nor
// busy on the node, and moves *next past it, so that a port just freed is not handed out
// again at once.
func nextFree(r netalloc.PortRange, next *int32, taken map[int32]bool, isFree func(int32) bool) (int32, bool) {
	size := r.Last - r.First + 1
	for i := int32(0); i < size; i++ {
		p := r.First + (*next-r.First+i)%size
		if taken[p] || !isFree(p) {
			continue
		}
		*next = p + 1
		if *next > r.Last {
			*next = r.First
		}
		return p, true
	}
	return 0, false
}
