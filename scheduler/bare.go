package scheduler

import (
	"bytes"
	"encoding/json"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// barePod is a Pod manifest the user applied, and where it runs.
type barePod struct {
	want          manifest.Pod
	ports         []manifest.PublishedPort
	cur           *pod   // its assignment, if any
	pendingReason string // why it fits no node, when it should run and does not
	blocked       string // why its changed manifest waits, when it is pinned to a node that does not fit it
	stays         string // why it cannot leave its drained node
}

// updateBare handles a bare pod whose manifest the user changed since it was placed: the
// new manifest replaces the old on the same node if it fits there; otherwise the old one is
// removed and the pod is placed afresh, unless the old one is pinned to its node (see
// Pinned): then it keeps running there unchanged, and the change waits.
func (p *planner) updateBare(b *barePod) {
	q := b.cur
	if samePod(q.Pod, b.want) {
		return
	}
	if q.stranded && p.c.pinOf(b.want.Namespace, &b.want.Spec) == nil {
		// Its node is gone, and the change drops what pinned it there: it may run elsewhere.
		b.cur = nil
		p.remove(q, "pod changed and no longer keeps data on node "+q.Node+", which is gone")
		return
	}
	p.c.unbind(q)
	if p.fitsInPlace(q.node, b) {
		b.cur = p.create(b.want, q.node, q.group, b.ports, 0)
		b.cur.pin, b.cur.stranded = p.c.pinOf(b.want.Namespace, &b.want.Spec), q.stranded
		return
	}
	if q.pin != nil {
		p.c.bind(q)
		if !q.stranded {
			b.blocked = blockedChangeReason(q)
		}
		return
	}
	b.cur = nil
	p.drop(q.Assignment, "pod changed and no longer fits node "+q.Node)
}

// stepBare places a bare pod that runs nowhere, and reports whether it did.
func (p *planner) stepBare(b *barePod) bool {
	b.pendingReason = ""
	if b.cur != nil && drainable(b.cur) {
		return p.moveBare(b)
	}
	if b.cur != nil {
		return false
	}
	key := b.want.Key()
	n, reason := p.c.place(key, key, &b.want.Spec, b.ports)
	if n == nil {
		b.pendingReason = reason
		return false
	}
	b.cur = p.create(b.want, n, key, b.ports, 0)
	return true
}

// samePod compares two pods by their encoding, which is what the store keeps: a pod read
// back from the store may spell an empty list as nil and still be the same pod.
func samePod(a, b manifest.Pod) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	if errA != nil || errB != nil {
		// A pod that cannot be encoded cannot have come from the store either; leave the
		// running one alone rather than churn it on every plan.
		return true
	}
	return bytes.Equal(ja, jb)
}

// fitsInPlace reports whether b's changed manifest fits the node its old one runs on,
// claims included (its old one is unbound: it does not count as a user of them).
func (p *planner) fitsInPlace(n *node, b *barePod) bool {
	if fitSpec(n, &b.want.Spec, b.ports).misfit != fits {
		return false
	}
	need, why := p.c.needOf(b.want.Key(), &b.want.Spec)
	return why == "" && fitClaims(n, need) == fits
}
