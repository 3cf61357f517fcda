package scheduler

import (
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// DaemonSetCounts are a DaemonSet's nodes as a plan leaves them, counted as Kubernetes'
// DaemonSet status counts them. A pod the plan creates counts as current and updated,
// not ready.
type DaemonSetCounts struct {
	Desired      int // nodes that should run its pod: matching, not gone
	Current      int // of those, nodes that run at least one of its pods
	Ready        int // of those, nodes where one of its pods is ready
	UpToDate     int // of those, nodes that run its current template's pod
	Available    int // of those, nodes where one of its pods is available (ready for minReadySeconds)
	Misscheduled int // nodes that run one of its pods and should not (kept where its data is)
}

// daemonSet is one DaemonSet and its pods, by node, as the plan unfolds.
type daemonSet struct {
	key      string // namespace/name
	ds       *appsv1.DaemonSet
	hash     string // of the current template, with what its pods take at creation
	group    string // spread group of the current template's pods
	config   manifest.ConfigLookup
	strategy manifest.DaemonSetRollingUpdate
	minReady time.Duration
	now      time.Time
	ports    []manifest.PublishedPort
	byNode   map[string]*daemonNode
	// pending are the nodes that should run a pod of the current template and cannot
	// take it, with why.
	pending map[string]string
}

// daemonNode is what one DaemonSet runs on one node.
type daemonNode struct {
	cur *pod   // its current template's pod
	old []*pod // pods of older templates (or duplicates), on their way out
}

// pods are all the DaemonSet's pods on the node, in a slice of their own.
func (dn *daemonNode) pods() []*pod {
	out := make([]*pod, 0, len(dn.old)+1)
	if dn.cur != nil {
		out = append(out, dn.cur)
	}
	return append(out, dn.old...)
}

func newDaemonSet(key string, ds *appsv1.DaemonSet, now time.Time, config manifest.ConfigLookup) *daemonSet {
	hash := manifest.DaemonSetHash(ds, config)
	return &daemonSet{
		key:      key,
		ds:       ds,
		hash:     hash,
		group:    key + "@" + hash,
		config:   config,
		strategy: manifest.DaemonSetStrategy(ds),
		minReady: time.Duration(ds.Spec.MinReadySeconds) * time.Second,
		now:      now,
		ports:    claimedPorts(&ds.Spec.Template.Spec),
		byNode:   map[string]*daemonNode{},
		pending:  map[string]string{},
	}
}

// adopt takes an existing pod of this DaemonSet. A second pod of the current template on
// one node (two leaders' plans crossing) counts as an old one, so that it goes.
func (s *daemonSet) adopt(q *pod) {
	dn := s.byNode[q.Node]
	if dn == nil {
		dn = &daemonNode{}
		s.byNode[q.Node] = dn
	}
	if q.Pod.TemplateHash == s.hash && dn.cur == nil {
		q.group = s.group
		dn.cur = q
		return
	}
	q.group = s.key + "@" + q.Pod.TemplateHash
	dn.old = append(dn.old, q)
}

// wants tells whether n should run the DaemonSet's pod.
func (s *daemonSet) wants(n *node) bool {
	return !n.gone && manifest.DaemonSetWants(s.ds, n.Name, n.Labels)
}

func (s *daemonSet) available(q *pod) bool { return q != nil && q.available(s.now, s.minReady) }

// anyAvailable tells whether one of the pods on a node is available.
func (s *daemonSet) anyAvailable(dn *daemonNode) bool {
	if dn == nil {
		return false
	}
	if s.available(dn.cur) {
		return true
	}
	for _, q := range dn.old {
		if s.available(q) {
			return true
		}
	}
	return false
}

// stepDaemonSet moves a DaemonSet one step towards its spec and reports whether it
// changed anything; the caller repeats it until it does not. A node that should run the
// DaemonSet and runs none of its pods gets one; a node that should not loses its pods;
// old pods are replaced as the update strategy allows.
//
// The rolling update is Kubernetes' DaemonSet controller's: with maxSurge 0, an old pod
// that is not available is replaced at once (its node counts as unavailable), and
// available ones are replaced while fewer than maxUnavailable nodes lack an available pod
// (the old pod removed, the new one placed in the same plan: the node stops the first
// before it starts the second). With
// maxSurge, the new pod starts beside the old one on up to maxSurge nodes at once, and
// the old one goes once the new one is available. OnDelete replaces nothing: a new
// template's pod appears only where the old one was deleted.
func (p *planner) stepDaemonSet(s *daemonSet) bool {
	clear(s.pending)
	changed := false
	// Nodes that should not run it lose its pods; a pod kept on a gone node where its
	// data is stays (stranded), as any pinned pod does.
	for _, name := range sortedNodeNames(s.byNode) {
		dn := s.byNode[name]
		n := p.c.byName[name]
		if n.gone || s.wants(n) {
			continue
		}
		for _, q := range dn.pods() {
			p.remove(q, "node "+name+" does not match the DaemonSet's node selector")
		}
		delete(s.byNode, name)
		changed = true
	}
	var wanted []*node
	for _, n := range p.c.nodes {
		if s.wants(n) {
			wanted = append(wanted, n)
		}
	}
	for _, n := range wanted {
		if dn := s.byNode[n.Name]; dn != nil && p.trimDuplicates(s, dn) {
			changed = true
		}
	}
	if !s.strategy.OnDelete {
		if p.replaceOld(s, wanted) {
			changed = true
		}
	}
	for _, n := range wanted {
		dn := s.byNode[n.Name]
		if dn != nil && (dn.cur != nil || len(dn.old) > 0) || !n.alive {
			continue
		}
		if p.createDaemonPod(s, n) {
			changed = true
		}
	}
	return changed
}

// createDaemonPod places the current template's pod on n, or records why n cannot take
// it.
func (p *planner) createDaemonPod(s *daemonSet, n *node) bool {
	mp := manifest.DaemonSetPod(s.ds, n.Name, s.config)
	for salt := 1; s.nameTaken(mp.Name, n.Name); salt++ {
		mp.Name = manifest.DaemonSetPodNameSalted(s.ds.Name, mp.TemplateHash, n.Name, salt)
	}
	got, reason := p.c.placeAs(mp.Key(), s.group, &mp.Spec, s.ports, true)
	if got == nil {
		s.pending[n.Name] = reason
		return false
	}
	q := p.create(mp, got, s.group, s.ports, 0)
	dn := s.byNode[n.Name]
	if dn == nil {
		dn = &daemonNode{}
		s.byNode[n.Name] = dn
	}
	dn.cur = q
	return true
}

// nameTaken reports whether a pod of the DaemonSet on another node than node is named
// name: two nodes whose names hash alike cannot both have theirs by that name.
func (s *daemonSet) nameTaken(name, node string) bool {
	for other, dn := range s.byNode {
		if other == node {
			continue
		}
		for _, q := range dn.pods() {
			if q.Pod.Name == name {
				return true
			}
		}
	}
	return false
}

// counts are the DaemonSet's nodes as they stand.
func (s *daemonSet) counts(c *cluster) DaemonSetCounts {
	var out DaemonSetCounts
	for _, n := range c.nodes {
		if !s.wants(n) {
			continue
		}
		out.Desired++
		dn := s.byNode[n.Name]
		if dn == nil || dn.cur == nil && len(dn.old) == 0 {
			continue
		}
		out.Current++
		if dn.cur != nil {
			out.UpToDate++
		}
		ready := false
		for _, q := range dn.pods() {
			ready = ready || q.Status.Ready && q.node.alive
		}
		if ready {
			out.Ready++
		}
		if s.anyAvailable(dn) {
			out.Available++
		}
	}
	for name, dn := range s.byNode {
		if n := c.byName[name]; n.gone && (dn.cur != nil || len(dn.old) > 0) {
			out.Misscheduled++
		}
	}
	return out
}

// availableAt is the earliest time one of the DaemonSet's ready pods becomes available;
// zero when none waits.
func (s *daemonSet) availableAt() time.Time {
	var at time.Time
	for _, dn := range s.byNode {
		for _, q := range dn.pods() {
			if t := q.availableAt(s.now, s.minReady); !t.IsZero() && (at.IsZero() || t.Before(at)) {
				at = t
			}
		}
	}
	return at
}

// pendingPods are the pods the DaemonSet should run and cannot: those no node takes, and
// those kept on a gone node where their data is.
func (s *daemonSet) pendingPods() []Pending {
	var out []Pending
	for _, name := range sortedNodeNames(s.pending) {
		out = append(out, Pending{Pod: manifest.DaemonSetPod(s.ds, name, s.config), Reason: s.pending[name]})
	}
	for _, name := range sortedNodeNames(s.byNode) {
		dn := s.byNode[name]
		for _, q := range dn.pods() {
			if q.stranded {
				out = append(out, Pending{Pod: q.Pod, Reason: strandedReason(q), Node: q.Node})
			}
		}
	}
	return out
}

func sortedNodeNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// addDaemonSets unfolds the input's DaemonSets, one per key, sorted by key.
func (p *planner) addDaemonSets(in Input) {
	p.dsByKey = make(map[string]*daemonSet, len(in.DaemonSets))
	for _, ds := range in.DaemonSets {
		key := ds.Namespace + "/" + ds.Name
		if _, dup := p.dsByKey[key]; dup {
			continue
		}
		s := newDaemonSet(key, ds, in.Now, in.Config)
		p.dsByKey[key] = s
		p.daemonSets = append(p.daemonSets, s)
	}
	sort.Slice(p.daemonSets, func(i, j int) bool { return p.daemonSets[i].key < p.daemonSets[j].key })
}

// adoptDaemonPod hands an existing pod of a DaemonSet to it, bound to its node, and
// reports whether it is kept: a deleted DaemonSet's pods go.
func (p *planner) adoptDaemonPod(q *pod) bool {
	s := p.dsByKey[q.Pod.Namespace+"/"+q.Pod.Owner]
	if s == nil {
		p.drop(q.Assignment, "daemonset deleted")
		return false
	}
	s.adopt(q)
	p.c.bind(q)
	return true
}

// stepDaemonSets steps every DaemonSet once and reports whether any changed. They are
// stepped before the Deployments: their pods can run on their node only, where a
// Deployment's could run elsewhere, so they come first for a host port.
func (p *planner) stepDaemonSets() bool {
	changed := false
	for _, s := range p.daemonSets {
		if p.stepDaemonSet(s) {
			changed = true
		}
	}
	return changed
}

// daemonSetOutput adds the DaemonSets' pending pods, counts and next availability to out.
func (p *planner) daemonSetOutput(out *Output) {
	if len(p.daemonSets) == 0 {
		return
	}
	out.DaemonSets = make(map[string]DaemonSetCounts, len(p.daemonSets))
	for _, s := range p.daemonSets {
		out.Pending = append(out.Pending, s.pendingPods()...)
		out.DaemonSets[s.key] = s.counts(p.c)
		if at := s.availableAt(); !at.IsZero() && (out.RecheckAt.IsZero() || at.Before(out.RecheckAt)) {
			out.RecheckAt = at
		}
	}
}
