package scheduler

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// misfit is why a node cannot take a pod; the zero value means it can.
type misfit int

const (
	fits misfit = iota
	notAlive
	otherNodeName
	selectorMismatch
	portInUse
	claimElsewhere // the pod's claims are bound to another node
	claimInUse     // a ReadWriteOncePod claim of the pod is in use by another pod
	cordoned       // the node is unschedulable (swarm cordon, drain)
)

// verdict is whether a node fits a pod, with the port in the way when that is the reason.
type verdict struct {
	misfit misfit
	port   manifest.PublishedPort
}

// fitNew judges n for a pod that is not on any node yet: only alive nodes take new pods,
// and only those not cordoned unless the pod is a DaemonSet's (daemon).
func fitNew(n *node, spec *corev1.PodSpec, ports []manifest.PublishedPort, need claimNeed, daemon bool) verdict {
	if !n.alive {
		return verdict{misfit: notAlive}
	}
	if n.cordoned && !daemon {
		return verdict{misfit: cordoned}
	}
	if v := fitSpec(n, spec, ports); v.misfit != fits {
		return v
	}
	return verdict{misfit: fitClaims(n, need)}
}

// fitSpec judges n for a pod by what the pod asks of it, whatever the node's state.
func fitSpec(n *node, spec *corev1.PodSpec, ports []manifest.PublishedPort) verdict {
	if spec.NodeName != "" && spec.NodeName != n.Name {
		return verdict{misfit: otherNodeName}
	}
	for k, v := range spec.NodeSelector {
		if got, ok := n.Labels[k]; !ok || got != v {
			return verdict{misfit: selectorMismatch}
		}
	}
	if p, ok := n.ports.firstConflict(ports); ok {
		return verdict{misfit: portInUse, port: p}
	}
	return verdict{}
}

// place picks the node for a new pod named key, or says why no node fits. Spread comes
// first: the fewest pods of the same group (a Deployment's template), then the fewest pods
// overall; the seed breaks the remaining ties, differently for every pod, so equal nodes
// share the load instead of the first one by name taking it all. A pod with claims goes to
// their node only (see Claim).
func (c *cluster) place(key, group string, spec *corev1.PodSpec, ports []manifest.PublishedPort) (*node, string) {
	return c.placeAs(key, group, spec, ports, false)
}

// placeAs is place for a DaemonSet's pod (daemon), which cordoned nodes take, or another.
func (c *cluster) placeAs(key, group string, spec *corev1.PodSpec, ports []manifest.PublishedPort, daemon bool) (*node, string) {
	need, why := c.needOf(key, spec)
	if why != "" {
		return nil, why
	}
	if reason := c.missingConfig(key, spec); reason != "" {
		return nil, reason
	}
	var best *node
	var bestTie uint64
	for _, n := range c.nodes {
		if fitNew(n, spec, ports, need, daemon).misfit != fits {
			continue
		}
		tie := tiebreak(c.seed, key, n.Name)
		if best == nil || less(n, tie, best, bestTie, group) {
			best, bestTie = n, tie
		}
	}
	if best == nil {
		return nil, c.unschedulable(spec, ports, need, daemon)
	}
	return best, ""
}

// less orders candidate nodes: a before b when a is the better home for a pod of group.
func less(a *node, aTie uint64, b *node, bTie uint64, group string) bool {
	if ga, gb := a.groups[group], b.groups[group]; ga != gb {
		return ga < gb
	}
	if a.pods != b.pods {
		return a.pods < b.pods
	}
	if aTie != bTie {
		return aTie < bTie
	}
	return a.Name < b.Name
}

// tiebreak hashes the seed, a pod and a node into a number that orders equal nodes for
// that pod: FNV-1a over the three, finished with SplitMix64's mixer so that names that
// differ in one character still land far apart.
func tiebreak(seed uint64, key, nodeName string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < 8; i++ {
		h = (h ^ (seed >> (8 * i) & 0xff)) * prime
	}
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * prime
	}
	h *= prime // a zero byte between the names: "ab"+"c" and "a"+"bc" differ
	for i := 0; i < len(nodeName); i++ {
		h = (h ^ uint64(nodeName[i])) * prime
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
