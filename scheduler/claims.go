package scheduler

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Claim is a PersistentVolumeClaim as Plan sees it: where its volume is, and how it may be
// shared. Its volume is a podman volume on one node's disk, so every pod that uses it runs
// on that node: the node of its first pod, from then on.
type Claim struct {
	// Node is the node the claim is bound to; "" before its first pod is placed.
	Node string
	// OncePod is set for ReadWriteOncePod: one pod at a time, cluster-wide. Otherwise
	// (ReadWriteOnce) any number of pods on its node may use it, as in Kubernetes.
	OncePod bool
	// Deleting is set once the user deleted the claim: it goes when no pod uses it, and
	// no new pod may start on it. Its pods on a node that is gone are let go.
	Deleting bool
}

// claimState is a claim as the plan unfolds: where it is bound, and who uses it.
type claimState struct {
	Claim
	ns    string // the claim's namespace and name, for reasons
	name  string
	bound bool           // in the input: Node is not the plan's choice
	users map[string]int // pod key -> assignments of that pod bound to a node
}

// claimsOf maps the input's claims by key.
func claimsOf(in map[string]Claim) map[string]*claimState {
	out := make(map[string]*claimState, len(in))
	for key, c := range in {
		ns, name, _ := strings.Cut(key, "/")
		out[key] = &claimState{Claim: c, ns: ns, name: name, bound: c.Node != "", users: map[string]int{}}
	}
	return out
}

// claimKeys are the keys of the claims a pod in namespace ns uses.
func claimKeys(ns string, spec *corev1.PodSpec) []string {
	names := manifest.ClaimNames(spec)
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = ns + "/" + n
	}
	return keys
}

// useClaims counts q among its claims' users, and binds a claim that is not bound yet to
// q's node: its first pod decides.
func (c *cluster) useClaims(q *pod) {
	for _, key := range claimKeys(q.Pod.Namespace, &q.Pod.Spec) {
		cs := c.claims[key]
		if cs == nil {
			continue // a running pod whose claim is gone keeps running, as in Kubernetes
		}
		if cs.Node == "" {
			cs.Node = q.Node
		}
		cs.users[q.Pod.Key()]++
	}
}

// releaseClaims forgets q among its claims' users.
func (c *cluster) releaseClaims(q *pod) {
	for _, key := range claimKeys(q.Pod.Namespace, &q.Pod.Spec) {
		if cs := c.claims[key]; cs != nil {
			if cs.users[q.Pod.Key()]--; cs.users[q.Pod.Key()] <= 0 {
				delete(cs.users, q.Pod.Key())
			}
		}
	}
}

// claimNeed is what a new pod's claims ask of its node.
type claimNeed struct {
	// node is the node every bound claim of the pod is on; "" when none is bound.
	node string
	// split: the pod's claims are bound to different nodes, so no node fits.
	split bool
	// busy: a ReadWriteOncePod claim of the pod is used by another pod.
	busy bool
}

// needOf is what the claims of the pod named podKey ask of its node, or, when no node
// can take it whatever the node, why (the missing claim, the claim being deleted, the
// claim's node that is gone).
func (c *cluster) needOf(podKey string, spec *corev1.PodSpec) (claimNeed, string) {
	ns, _, _ := strings.Cut(podKey, "/")
	var need claimNeed
	for _, key := range claimKeys(ns, spec) {
		cs := c.claims[key]
		_, name, _ := strings.Cut(key, "/")
		switch {
		case cs == nil:
			return need, c.noneAvailable(manifest.ClaimNotFound(name))
		case cs.Deleting:
			return need, c.noneAvailable(manifest.ClaimBeingDeleted(name))
		}
		if cs.OncePod {
			for user := range cs.users {
				if user != podKey {
					need.busy = true
				}
			}
		}
		if cs.Node == "" {
			continue
		}
		if n := c.byName[cs.Node]; n == nil || !n.alive {
			return need, claimAwayReason(cs, n)
		}
		if need.node != "" && need.node != cs.Node {
			need.split = true
		}
		need.node = cs.Node
	}
	return need, ""
}

// fitClaims judges n for a new pod by its claims: a node other than the claims' own has
// a volume node affinity conflict, as Kubernetes says of a node a local volume is not on;
// the claims' own node, when a ReadWriteOncePod claim is in use there, has a pod using it.
func fitClaims(n *node, need claimNeed) misfit {
	switch {
	case need.split, need.node != "" && need.node != n.Name:
		return claimElsewhere
	case need.busy:
		return claimInUse
	}
	return fits
}

// noneAvailable words a reason that holds for every node, as the scheduler's message does.
func (c *cluster) noneAvailable(why string) string {
	return fmt.Sprintf("0/%d nodes are available: %s.", len(c.nodes), why)
}

// claimAwayReason says why a new pod of a claim bound to a node that is not alive does
// not run, and what brings it back. Like strandedReason it names no duration.
func claimAwayReason(cs *claimState, n *node) string {
	state := cs.Node + " is not a member"
	if n != nil {
		state = n.absence()
	}
	return fmt.Sprintf("its data is on node %s (persistentVolumeClaim %s) and %s; it runs again when %s returns, or after %q",
		cs.Node, cs.name, state, cs.Node, "swarm delete pvc "+cs.name+namespaceFlag(cs))
}

// namespaceFlag is the -n flag that names a claim's namespace, when it is not the default.
func namespaceFlag(cs *claimState) string {
	if cs.ns == manifest.DefaultNamespace {
		return ""
	}
	return " -n " + cs.ns
}

// claimOutput reports the claims the plan binds (the first pod of each, which is kept)
// and the claims being deleted that no pod uses any more.
func (p *planner) claimOutput(out *Output) {
	keys := make([]string, 0, len(p.c.claims))
	for key := range p.c.claims {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		cs := p.c.claims[key]
		switch {
		case !cs.bound && cs.Node != "" && len(cs.users) > 0:
			if out.Bind == nil {
				out.Bind = map[string]string{}
			}
			out.Bind[key] = cs.Node
		case cs.Deleting && len(cs.users) == 0:
			out.Unused = append(out.Unused, key)
		}
	}
}
