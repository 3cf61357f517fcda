package scheduler

import (
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// statefulSet is one StatefulSet and its pods, by ordinal, as the plan unfolds.
type statefulSet struct {
	key       string // namespace/name
	s         *appsv1.StatefulSet
	replicas  int
	hash      string // of the current template, with what its pods take at creation
	config    manifest.ConfigLookup
	group     string // spread group: every pod of the set, whatever its template
	ports     []manifest.PublishedPort
	ordered   bool // OrderedReady: one pod at a time, in ordinal order
	onDelete  bool
	partition int
	minReady  time.Duration // spec.minReadySeconds
	now       time.Time     // Input.Now, which minReady is measured on
	pods      map[int]*pod
	// pending are the ordinals that should run but fit no node, and why.
	pending       []int
	pendingReason string
	// stepped: an OrderedReady set changed one pod in this plan, and waits for the next.
	stepped bool
	// held are the ordinals whose pod this plan deletes at the user's request: made again
	// by the next plan, so that the pod stops before it starts again.
	held map[int]bool
}

func newStatefulSet(key string, s *appsv1.StatefulSet, config manifest.ConfigLookup, now time.Time) *statefulSet {
	return &statefulSet{
		key:       key,
		s:         s,
		replicas:  max(manifest.StatefulSetReplicas(s), 0),
		hash:      manifest.StatefulSetHash(s, config),
		config:    config,
		group:     key + "@statefulset",
		ports:     claimedPorts(&s.Spec.Template.Spec),
		ordered:   manifest.OrderedReady(s),
		onDelete:  manifest.OnDelete(s),
		partition: manifest.StatefulSetPartition(s),
		minReady:  time.Duration(s.Spec.MinReadySeconds) * time.Second,
		now:       now,
		pods:      map[int]*pod{},
		held:      map[int]bool{},
	}
}

// addStatefulSets unfolds the input's StatefulSets into the planner, in key order.
func (p *planner) addStatefulSets(in Input) {
	p.deletePods = in.DeletePods
	p.setByKey = make(map[string]*statefulSet, len(in.StatefulSets))
	for _, s := range in.StatefulSets {
		key := s.Namespace + "/" + s.Name
		if _, dup := p.setByKey[key]; dup {
			continue
		}
		set := newStatefulSet(key, s, in.Config, in.Now)
		p.setByKey[key] = set
		p.sets = append(p.sets, set)
		for ordinal := range set.replicas {
			if until, ok := in.HeldPods[s.Namespace+"/"+manifest.StatefulSetPodName(s.Name, ordinal)]; ok && in.Now.Before(until) {
				set.held[ordinal] = true
				if p.heldUntil.IsZero() || until.Before(p.heldUntil) {
					p.heldUntil = until
				}
			}
		}
	}
	sort.Slice(p.sets, func(i, j int) bool { return p.sets[i].key < p.sets[j].key })
}

// statefulOrdinal is the ordinal in a StatefulSet's pod name, <set>-<ordinal>, spelled as
// StatefulSetPodName spells it; false for any other name.
func statefulOrdinal(set, name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, set+"-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || strconv.Itoa(n) != rest {
		return 0, false
	}
	return n, true
}

// adoptStatefulPod takes an existing pod of a StatefulSet, bound to its node, and reports
// whether it was kept; one whose set is gone, or whose name is no ordinal of it, is removed.
func (p *planner) adoptStatefulPod(q *pod) bool {
	set := p.setByKey[q.Pod.Namespace+"/"+q.Pod.Owner]
	if set == nil {
		p.drop(q.Assignment, "statefulset deleted")
		return false
	}
	ordinal, ok := statefulOrdinal(set.s.Name, q.Pod.Name)
	if !ok || set.pods[ordinal] != nil {
		p.drop(q.Assignment, "not a pod of statefulset "+set.key)
		return false
	}
	if p.deletePods[q.Pod.Key()] {
		p.drop(q.Assignment, "pod deleted")
		p.deletedPods = append(p.deletedPods, q.Pod.Key())
		set.held[ordinal] = true
		return false
	}
	q.ordinal = ordinal
	q.group = set.group
	set.pods[ordinal] = q
	p.c.bind(q)
	return true
}

// stepStatefulSets moves every StatefulSet one step towards its spec, and reports whether
// any changed.
func (p *planner) stepStatefulSets() bool {
	changed := false
	for _, set := range p.sets {
		for !set.stepped && p.stepStatefulSet(set) {
			changed = true
		}
	}
	return changed
}

// healthy is Kubernetes' test before a StatefulSet goes on: the pod runs and is
// available (ready for the set's minReadySeconds, on a node that is alive).
func (set *statefulSet) healthy(q *pod) bool {
	return q != nil && q.Status.Phase == corev1.PodRunning && q.available(set.now, set.minReady)
}

// availableAt is the earliest time a pod of the set that is ready, but not for
// minReadySeconds yet, becomes available; zero when none waits.
func (set *statefulSet) availableAt() time.Time {
	var at time.Time
	for _, q := range set.pods {
		if t := q.availableAt(set.now, set.minReady); !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	return at
}

// stepStatefulSet makes one change to a StatefulSet, as Kubernetes' controller does in
// this order: create the missing pods of ordinals below replicas (OrderedReady: the
// lowest one, once every pod below it is healthy; Parallel: all of them), then remove the
// pods of ordinals at or above replicas, highest first (OrderedReady: one, once every
// other pod is healthy), then, with RollingUpdate, replace the pod of the highest ordinal
// at or above the partition that has an older template, once every pod is healthy.
func (p *planner) stepStatefulSet(set *statefulSet) bool {
	set.pending, set.pendingReason = nil, ""
	created := false
	for i := 0; i < set.replicas; i++ {
		if q := set.pods[i]; q != nil || set.held[i] {
			if set.ordered && !set.healthy(q) {
				return created
			}
			continue
		}
		if !p.createStateful(set, i) {
			if set.ordered {
				return created
			}
			continue
		}
		if set.ordered {
			set.stepped = true
			return true
		}
		created = true
	}
	condemned := set.condemned()
	for _, q := range condemned {
		if set.ordered && !set.othersHealthy(q) {
			return created
		}
		p.removeStateful(set, q, "scaled down")
		if set.ordered {
			set.stepped = true
			return true
		}
	}
	if created || len(condemned) > 0 {
		return true
	}
	return p.rollStatefulSet(set)
}

// condemned are the pods of ordinals at or above replicas, highest first.
func (set *statefulSet) condemned() []*pod {
	var out []*pod
	for ordinal, q := range set.pods {
		if ordinal >= set.replicas {
			out = append(out, q)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ordinal > out[j].ordinal })
	return out
}

// othersHealthy reports whether every pod of the set but q is healthy.
func (set *statefulSet) othersHealthy(q *pod) bool {
	for _, o := range set.pods {
		if o != q && !set.healthy(o) {
			return false
		}
	}
	return true
}

// rollStatefulSet replaces the pod of the highest ordinal, at or above the partition,
// whose template is older, once every pod of the set is healthy: one pod at a time
// (maxUnavailable 1), in reverse ordinal order. OnDelete replaces none: a pod takes the
// current template only when it is made again.
func (p *planner) rollStatefulSet(set *statefulSet) bool {
	if set.onDelete {
		return false
	}
	for i := 0; i < set.replicas; i++ {
		if !set.healthy(set.pods[i]) {
			return false
		}
	}
	for i := set.replicas - 1; i >= set.partition; i-- {
		q := set.pods[i]
		if q.Pod.TemplateHash == set.hash {
			continue
		}
		p.removeStateful(set, q, "rolling update")
		p.createStateful(set, i)
		set.stepped = true
		return true
	}
	return false
}

// removeStateful takes a pod of the set off its node.
func (p *planner) removeStateful(set *statefulSet, q *pod, reason string) {
	p.remove(q, reason)
	delete(set.pods, q.ordinal)
}

// createStateful places the pod of the ordinal with the current template, its claims made
// first when they do not exist (they stay, whatever becomes of the pod), and reports
// whether it was placed; when it fits no node, the ordinal is pending.
func (p *planner) createStateful(set *statefulSet, ordinal int) bool {
	for _, c := range manifest.StatefulSetClaims(set.s, ordinal) {
		p.newClaim(c)
	}
	mp := manifest.StatefulSetPod(set.s, ordinal, set.config)
	n, reason := p.c.place(mp.Key(), set.group, &mp.Spec, set.ports)
	if n == nil {
		set.pending = append(set.pending, ordinal)
		set.pendingReason = reason
		return false
	}
	q := p.create(mp, n, set.group, set.ports, ordinal)
	q.pin = p.c.pinOf(mp.Namespace, &mp.Spec)
	set.pods[ordinal] = q
	return true
}

// newClaim makes a claim of a volumeClaimTemplate that does not exist yet: the plan
// places its pod on it at once, and the caller writes it with the assignments.
func (p *planner) newClaim(c *corev1.PersistentVolumeClaim) {
	key := c.Namespace + "/" + c.Name
	if _, ok := p.c.claims[key]; ok {
		return
	}
	p.c.claims[key] = &claimState{Claim: Claim{OncePod: manifest.OncePod(c)}, ns: c.Namespace, name: c.Name, users: map[string]int{}}
	if p.newClaims == nil {
		p.newClaims = map[string]*corev1.PersistentVolumeClaim{}
	}
	p.newClaims[key] = c
}

// statefulOutput adds the StatefulSets' pending pods, stranded pods, new claims and
// counts to the output.
func (p *planner) statefulOutput(out *Output) {
	for _, set := range p.sets {
		for _, ordinal := range set.pending {
			out.Pending = append(out.Pending, Pending{Pod: manifest.StatefulSetPod(set.s, ordinal, set.config), Reason: set.pendingReason})
		}
		for _, q := range set.pods {
			if q.stranded {
				out.Pending = append(out.Pending, Pending{Pod: q.Pod, Reason: strandedReason(q), Node: q.Node})
			}
		}
	}
	sort.Slice(out.Pending, func(i, j int) bool { return out.Pending[i].Pod.Key() < out.Pending[j].Pod.Key() })
	for _, set := range p.sets {
		// A pod that becomes available later may let the set go on then.
		if at := set.availableAt(); !at.IsZero() && (out.RecheckAt.IsZero() || at.Before(out.RecheckAt)) {
			out.RecheckAt = at
		}
	}
	if !p.heldUntil.IsZero() && (out.RecheckAt.IsZero() || p.heldUntil.Before(out.RecheckAt)) {
		out.RecheckAt = p.heldUntil
	}
	out.DeletedPods = append([]string(nil), p.deletedPods...)
	sort.Strings(out.DeletedPods)
	for _, key := range sortedClaimKeys(p.newClaims) {
		out.NewClaims = append(out.NewClaims, p.newClaims[key])
	}
}

func sortedClaimKeys(m map[string]*corev1.PersistentVolumeClaim) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
