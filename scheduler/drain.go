package scheduler

// A drained node (Node.Drain) lets its pods go the way kubectl drain evicts them, with
// two differences that the scheduler can afford: a Deployment's pod stops only once its
// replacement is available elsewhere (surge, whatever the Deployment's maxSurge: a drain is
// not a rollout), and a pod that no other node can take stays where it is, listed as
// pending with the reason, rather than be stranded. Pods of DaemonSets stay (the node is
// one of theirs), and so do pods pinned to the node by their data (see Pinned), unless
// the drain lets them go without it (Node.DrainLocalData). So do a StatefulSet's pods:
// their names and claims tie them to their place.

// DrainedReason is the reason of the removal of a pod that left node because it is
// drained.
func DrainedReason(node string) string { return "node " + node + " is drained" }

// drainable reports whether q is to leave its node because the node is drained.
func drainable(q *pod) bool { return q.node.draining && (q.pin == nil || q.node.dropData) }

// adoptDraining takes a pod of d that is to leave its drained node: it counts neither as
// current nor as old, so that d places its replacement at once.
func (d *deployment) adoptDraining(q *pod) {
	q.group = d.key + "@" + q.Pod.TemplateHash
	d.draining = append(d.draining, q)
}

// releaseDraining removes the pods of d on drained nodes that are no longer needed: those
// that serve nothing once their replacements are placed, and those whose going leaves
// replicas available pods.
func (p *planner) releaseDraining(d *deployment) bool {
	total := 0
	for _, q := range append(d.current[:len(d.current):len(d.current)], d.old...) {
		if d.available(q) {
			total++
		}
	}
	for _, q := range d.draining {
		if d.available(q) {
			total++
		}
	}
	sortForRemoval(d.draining)
	keep := d.draining[:0:0]
	for _, q := range d.draining {
		switch {
		case !d.available(q) && len(d.pending) == 0:
			p.remove(q, DrainedReason(q.Node))
		case d.available(q) && total-1 >= d.replicas:
			p.remove(q, DrainedReason(q.Node))
			total--
		default:
			keep = append(keep, q)
		}
	}
	removed := len(keep) < len(d.draining)
	d.draining = keep
	return removed
}

// moveBare places elsewhere a bare pod (or a Job's) that runs on a drained node, stopping
// it there first: its name is its identity, so two copies cannot run. When no other node
// takes it, it stays and says why.
func (p *planner) moveBare(b *barePod) bool {
	q := b.cur
	key := b.want.Key()
	p.c.unbind(q)
	n, reason := p.c.place(key, key, &b.want.Spec, b.ports)
	if n == nil {
		p.c.bind(q)
		b.stays = DrainedReason(q.Node) + ", but the pod cannot leave it: " + reason
		return false
	}
	q.removed = true
	if !q.created {
		p.drop(q.Assignment, DrainedReason(q.Node))
	}
	b.stays = ""
	b.cur = p.create(b.want, n, key, b.ports, 0)
	return true
}
