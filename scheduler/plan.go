package scheduler

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Plan decides which assignments to create and delete so that the cluster runs what Input
// asks for, and which pods stay Pending. It is pure: the same Input gives the same Output.
func Plan(in Input) Output {
	if ok, why := quorum(in); !ok {
		return Output{NoQuorum: why}
	}
	p := newPlanner(in)
	p.adopt(in.Assignments)
	order := servingOrder(p.deployments, in.RollingOut)
	// Work until nothing moves: a pod removed for one Deployment can free the host port
	// that a pod of another is waiting for. Every pass either creates or removes a pod, and
	// no pod is created or removed twice, so this ends. Stopping only when a whole pass
	// changes nothing is what makes Plan a fixed point.
	for {
		changed := p.stepDaemonSets()
		for _, d := range order {
			for p.stepDeployment(d) {
				changed = true
			}
		}
		if p.stepStatefulSets() {
			changed = true
		}
		for _, b := range p.bare {
			if p.stepBare(b) {
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return p.output()
}

// servingOrder is the order Deployments are stepped in, which decides who gets a host
// port that several want: those rolling out (pods of an older template still in place,
// or named in rollingOut) first, then the others, each in key order. A rollout that replaces its pods stop-first
// frees a port its own next pod needs; when the replacement could not be placed in the
// plan that removed the old pod (an old pod on a node that did not answer the leader
// that round goes within maxUnavailable, and its node takes no new pod then), another
// Deployment waiting for the port must not take it at the next plan, or the rollout
// never ends.
func servingOrder(deps []*deployment, rollingOut map[string]bool) []*deployment {
	rolling := func(d *deployment) bool { return len(d.old) > 0 || rollingOut[d.key] }
	order := make([]*deployment, 0, len(deps))
	for _, d := range deps {
		if rolling(d) {
			order = append(order, d)
		}
	}
	for _, d := range deps {
		if !rolling(d) {
			order = append(order, d)
		}
	}
	return order
}

// planner holds the state of one Plan call.
type planner struct {
	c           *cluster
	deployments []*deployment // sorted by key
	depByKey    map[string]*deployment
	bare        []*barePod // sorted by key
	bareByKey   map[string]*barePod
	created     []*pod
	removals    []Removal
	grace       time.Duration
	daemonSets  []*daemonSet // sorted by key
	dsByKey     map[string]*daemonSet
	sets        []*statefulSet // sorted by key
	setByKey    map[string]*statefulSet
	newClaims   map[string]*corev1.PersistentVolumeClaim // made for StatefulSets' pods, by key
	deletePods  map[string]bool                          // Input.DeletePods
	deletedPods []string                                 // of those, the ones this plan deletes
	heldUntil   time.Time                                // the first end of Input.HeldPods
}

func newPlanner(in Input) *planner {
	p := &planner{
		c:         newCluster(in),
		depByKey:  make(map[string]*deployment, len(in.Deployments)),
		bareByKey: make(map[string]*barePod, len(in.Pods)),
		grace:     in.DeadGrace,
	}
	for _, d := range in.Deployments {
		key := d.Namespace + "/" + d.Name
		if _, dup := p.depByKey[key]; dup {
			continue
		}
		dep := newDeployment(key, d, in.Now, in.Config)
		p.depByKey[key] = dep
		p.deployments = append(p.deployments, dep)
	}
	sort.Slice(p.deployments, func(i, j int) bool { return p.deployments[i].key < p.deployments[j].key })
	for _, m := range in.Pods {
		want := manifest.BarePod(m)
		key := want.Key()
		if _, dup := p.bareByKey[key]; dup {
			continue
		}
		b := &barePod{want: want, ports: claimedPorts(&want.Spec)}
		p.bareByKey[key] = b
		p.bare = append(p.bare, b)
	}
	sort.Slice(p.bare, func(i, j int) bool { return p.bare[i].want.Key() < p.bare[j].want.Key() })
	p.addDaemonSets(in)
	p.addStatefulSets(in)
	return p
}

// adopt takes in the current assignments: those on gone nodes (unless pinned there),
// duplicates and orphans become removals; the rest are bound to their nodes and handed to
// their owners.
func (p *planner) adopt(assignments []Assignment) {
	sorted := make([]Assignment, len(assignments))
	copy(sorted, assignments)
	sort.Slice(sorted, func(i, j int) bool {
		if ki, kj := sorted[i].Pod.Key(), sorted[j].Pod.Key(); ki != kj {
			return ki < kj
		}
		return sorted[i].Node < sorted[j].Node
	})
	kept := make(map[string]bool, len(sorted))
	for _, a := range sorted {
		key := a.Pod.Key()
		n := p.c.byName[a.Node]
		pin := p.c.pinOf(a.Pod.Namespace, &a.Pod.Spec)
		switch {
		case n == nil && pin == nil:
			p.drop(a, "node "+a.Node+" is not a member")
			continue
		case n != nil && n.gone && (pin == nil || releases(n.State)):
			p.drop(a, n.goneReason)
			continue
		case kept[key]:
			p.drop(a, "pod is also assigned to another node")
			continue
		}
		if n == nil {
			n = p.c.absent(a.Node)
		}
		// A pinned pod whose node is gone stays where its data is: bound to that node, so
		// that its owner counts it and nothing takes its name elsewhere.
		q := &pod{Assignment: a, node: n, ports: heldPorts(a), pin: pin, stranded: n.gone}
		if a.Pod.OwnerKind == manifest.OwnerDaemonSet {
			kept[key] = p.adoptDaemonPod(q)
			continue
		}
		if a.Pod.OwnerKind == manifest.KindStatefulSet {
			kept[key] = p.adoptStatefulPod(q)
			continue
		}
		if a.Pod.Owner != "" {
			d := p.depByKey[a.Pod.Namespace+"/"+a.Pod.Owner]
			if d == nil {
				p.drop(a, "deployment deleted")
				continue
			}
			kept[key] = true
			d.adopt(q)
			p.c.bind(q)
			continue
		}
		b := p.bareByKey[key]
		if b == nil {
			p.drop(a, "pod deleted")
			continue
		}
		kept[key] = true
		q.group = key
		p.c.bind(q)
		b.cur = q
	}
	for _, d := range p.deployments {
		d.resolveOrdinals()
	}
	// Only now that every kept pod is bound can a changed bare pod be checked against its
	// node's ports.
	for _, b := range p.bare {
		if b.cur != nil {
			p.updateBare(b)
		}
	}
}

// drop records the removal of an assignment that is not bound to a node.
func (p *planner) drop(a Assignment, reason string) {
	p.removals = append(p.removals, Removal{Assignment: a, Reason: reason})
}

// remove takes a pod off its node. A pod this plan created is simply not created.
func (p *planner) remove(q *pod, reason string) {
	p.c.unbind(q)
	q.removed = true
	if !q.created {
		p.drop(q.Assignment, reason)
	}
}

// create puts a new pod on a node.
func (p *planner) create(mp manifest.Pod, n *node, group string, ports []manifest.PublishedPort, ordinal int) *pod {
	q := &pod{
		Assignment: Assignment{Pod: mp, Node: n.Name},
		node:       n,
		group:      group,
		ports:      ports,
		ordinal:    ordinal,
		created:    true,
	}
	p.c.bind(q)
	p.created = append(p.created, q)
	return q
}

// output gathers the plan, sorted so that equal inputs give equal outputs.
func (p *planner) output() Output {
	var out Output
	for _, q := range p.created {
		if !q.removed {
			out.Create = append(out.Create, q.Assignment)
		}
	}
	sort.Slice(out.Create, func(i, j int) bool { return out.Create[i].Pod.Key() < out.Create[j].Pod.Key() })
	out.Delete = p.removals
	sort.Slice(out.Delete, func(i, j int) bool {
		if ki, kj := out.Delete[i].Pod.Key(), out.Delete[j].Pod.Key(); ki != kj {
			return ki < kj
		}
		return out.Delete[i].Node < out.Delete[j].Node
	})
	for _, d := range p.deployments {
		for _, ordinal := range d.pending {
			out.Pending = append(out.Pending, Pending{Pod: d.pod(ordinal), Reason: d.pendingReason})
		}
		for _, q := range append(d.current[:len(d.current):len(d.current)], d.old...) {
			if q.stranded {
				out.Pending = append(out.Pending, Pending{Pod: q.Pod, Reason: strandedReason(q), Node: q.Node})
			}
		}
	}
	for _, b := range p.bare {
		switch {
		case b.pendingReason != "":
			out.Pending = append(out.Pending, Pending{Pod: b.want, Reason: b.pendingReason})
		case b.cur != nil && b.cur.stranded:
			out.Pending = append(out.Pending, Pending{Pod: b.cur.Pod, Reason: strandedReason(b.cur), Node: b.cur.Node})
		case b.blocked != "":
			out.Pending = append(out.Pending, Pending{Pod: b.want, Reason: b.blocked})
		}
	}
	p.daemonSetOutput(&out)
	p.statefulOutput(&out)
	sort.Slice(out.Pending, func(i, j int) bool { return out.Pending[i].Pod.Key() < out.Pending[j].Pod.Key() })
	p.claimOutput(&out)
	out.Deployments = make(map[string]DeploymentCounts, len(p.deployments))
	for _, d := range p.deployments {
		out.Deployments[d.key] = d.counts()
	}
	// A pod that becomes available later may let the rollout go on then.
	for _, d := range p.deployments {
		if at := d.availableAt(); !at.IsZero() && (out.RecheckAt.IsZero() || at.Before(out.RecheckAt)) {
			out.RecheckAt = at
		}
	}
	for _, n := range p.c.nodes {
		if n.State == NodeDead && !n.gone && n.pods > 0 {
			if at := n.Since.Add(p.grace); out.RecheckAt.IsZero() || at.Before(out.RecheckAt) {
				out.RecheckAt = at
			}
		}
	}
	return out
}
