package scheduler

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// deployment is one Deployment and its pods as the plan unfolds.
type deployment struct {
	key      string // namespace/name
	d        *appsv1.Deployment
	replicas int
	hash     string // of the current template, with what its pods take at creation (manifest.DeploymentHash)
	config   manifest.ConfigLookup
	group    string // spread group of the current template's pods
	rollout  rollout
	minReady time.Duration   // spec.minReadySeconds
	now      time.Time       // Input.Now, which minReady is measured on
	spec     *corev1.PodSpec // of the current template
	ports    []manifest.PublishedPort
	current  []*pod       // pods of the current template
	old      []*pod       // pods of older templates, on their way out
	draining []*pod       // pods on drained nodes, of any template, leaving once replaced
	used     map[int]bool // ordinals of the current template's pods
	// pending are the ordinals that should run but fit no node, and why.
	pending       []int
	pendingReason string
}

// newDeployment unfolds d; config finds the ConfigMaps and Secrets whose versions are part
// of its current template (nil: none).
func newDeployment(key string, d *appsv1.Deployment, now time.Time, config manifest.ConfigLookup) *deployment {
	replicas := max(manifest.Replicas(d), 0)
	hash := manifest.DeploymentHash(d, config)
	spec := &d.Spec.Template.Spec
	return &deployment{
		key:      key,
		d:        d,
		replicas: replicas,
		hash:     hash,
		config:   config,
		group:    key + "@" + hash,
		rollout:  rolloutOf(d, replicas),
		minReady: time.Duration(d.Spec.MinReadySeconds) * time.Second,
		now:      now,
		spec:     spec,
		ports:    claimedPorts(spec),
		used:     map[int]bool{},
	}
}

// adopt takes an existing pod of this Deployment.
func (d *deployment) adopt(q *pod) {
	if drainable(q) {
		d.adoptDraining(q)
		return
	}
	if q.Pod.TemplateHash == d.hash {
		q.group = d.group
		d.current = append(d.current, q)
		return
	}
	// Old templates spread among themselves; they only count towards a node's total.
	q.group = d.key + "@" + q.Pod.TemplateHash
	d.old = append(d.old, q)
}

// resolveOrdinals finds the ordinals of the adopted pods, template by template.
func (d *deployment) resolveOrdinals() {
	// A draining pod of the current template keeps its ordinal until it goes: its
	// replacement takes another, and with it another name.
	current := d.current[:len(d.current):len(d.current)]
	byHash := map[string][]*pod{}
	for _, q := range d.draining {
		if q.Pod.TemplateHash == d.hash {
			current = append(current, q)
		} else {
			byHash[q.Pod.TemplateHash] = append(byHash[q.Pod.TemplateHash], q)
		}
	}
	resolveOrdinals(d.d.Name, d.hash, current, d.replicas)
	for _, q := range current {
		d.used[q.ordinal] = true
	}
	for _, q := range d.old {
		byHash[q.Pod.TemplateHash] = append(byHash[q.Pod.TemplateHash], q)
	}
	for hash, pods := range byHash {
		resolveOrdinals(d.d.Name, hash, pods, d.replicas)
	}
}

// available tells whether one of the Deployment's pods counts as available now.
func (d *deployment) available(q *pod) bool { return q.available(d.now, d.minReady) }

// availableAt is the earliest time one of the Deployment's pods that is ready, but not
// for minReadySeconds yet, becomes available; zero when none waits.
func (d *deployment) availableAt() time.Time {
	var at time.Time
	for _, q := range append(d.current[:len(d.current):len(d.current)], d.old...) {
		if t := q.availableAt(d.now, d.minReady); !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	return at
}

// counts are the Deployment's pods as they stand.
func (d *deployment) counts() DeploymentCounts {
	c := DeploymentCounts{Updated: len(d.current), Old: len(d.old)}
	for _, q := range d.current {
		if d.available(q) {
			c.Available++
		}
	}
	c.AllAvailable = c.Available
	for _, q := range append(d.old[:len(d.old):len(d.old)], d.draining...) {
		if d.available(q) {
			c.AllAvailable++
		}
	}
	return c
}

// pod is the current template's pod with the given ordinal.
func (d *deployment) pod(ordinal int) manifest.Pod {
	return manifest.DeploymentPodWith(d.d, ordinal, d.config)
}

// podKey is the key of the current template's pod with the given ordinal.
func (d *deployment) podKey(ordinal int) string {
	return d.d.Namespace + "/" + manifest.PodName(d.d.Name, d.hash, ordinal)
}

// stepDeployment moves a Deployment one step towards its spec and reports whether it
// changed anything; the caller repeats it until it does not. What it decides depends only
// on the pods in place and their status, never on how many steps came before.
func (p *planner) stepDeployment(d *deployment) bool {
	d.pending, d.pendingReason = nil, ""
	if d.rollout.paused {
		return p.stepPaused(d)
	}
	changed := false
	if d.rollout.recreate && len(d.old) > 0 {
		// Old and new pods change in the same plan, so that the plan stays a fixed point:
		// Plan cannot see an old pod stop once its assignment is gone. The caller deletes
		// before it creates, and a node that loses an old pod and gains a new one must stop
		// the old first: they may publish the same host port.
		for _, q := range d.old {
			p.remove(q, "recreate: pod template changed")
		}
		d.old = nil
		changed = true
	}
	if excess := len(d.current) - d.replicas; excess > 0 {
		sortForRemoval(d.current)
		for _, q := range d.current[:excess] {
			p.remove(q, "scaled down")
			delete(d.used, q.ordinal)
		}
		d.current = append([]*pod(nil), d.current[excess:]...)
		changed = true
	}
	room := d.replicas - len(d.current)
	if !d.rollout.recreate {
		// Pods of old templates count against the surge.
		room = min(room, d.replicas+d.rollout.surge-len(d.old)-len(d.current))
	}
	if room > 0 && p.scaleUp(d, room) {
		changed = true
	}
	if len(d.old) > 0 && p.scaleDownOld(d, len(d.pending) > 0) {
		changed = true
	}
	if len(d.draining) > 0 && p.releaseDraining(d) {
		changed = true
	}
	return changed
}

// scaleUp creates up to room pods of the current template, lowest free ordinals first.
func (p *planner) scaleUp(d *deployment, room int) bool {
	created := false
	next := 0
	for i := 0; i < room; i++ {
		for d.used[next] {
			next++
		}
		n, reason := p.c.place(d.podKey(next), d.group, d.spec, d.ports)
		if n == nil {
			// Whether a node fits does not depend on the ordinal: the rest fit nowhere either.
			d.pendingReason = reason
			for ; i < room; i++ {
				for d.used[next] {
					next++
				}
				d.pending = append(d.pending, next)
				next++
			}
			break
		}
		q := p.create(d.pod(next), n, d.group, d.ports, next)
		d.current = append(d.current, q)
		d.used[next] = true
		created = true
	}
	return created
}

// scaleDownOld removes pods of old templates as far as a rolling update allows, with the
// arithmetic of Kubernetes' deployment controller: never below replicas-maxUnavailable
// available pods, and never so far that the pods left could not reach that number once the
// new ones that are not available yet become so.
//
// surgeBlocked says that new pods fit no node. Every container port is published on its
// node, so a Deployment with as many replicas as nodes has no room to surge: its old pods
// hold the ports. Kubernetes would stay stuck there with maxUnavailable 0; here the rollout
// replaces one pod at a time in place instead (Docker Swarm's stop-first), as if
// maxUnavailable were at least 1.
//
// The pod a stop-first replacement removes must be one whose node takes its replacement
// now: an old pod on a node that is not alive (suspect, say, having missed the leader's
// ping) goes only within Kubernetes' own bounds. Removing it for a stop-first would free
// a port no new pod can take in this plan, which a Deployment waiting for that port could
// take at the next.
func (p *planner) scaleDownOld(d *deployment, surgeBlocked bool) bool {
	unavailable := d.rollout.unavailable
	if surgeBlocked {
		unavailable = max(unavailable, 1)
	}
	minAvailable := d.replicas - unavailable
	newUnavailable, newAvailable := 0, 0
	for _, q := range d.current {
		if d.available(q) {
			newAvailable++
		} else {
			newUnavailable++
		}
	}
	maxScaledDown := len(d.old) + len(d.current) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false
	}
	// Kubernetes' own bound, without the stop-first allowance.
	bound := maxScaledDown - (unavailable - d.rollout.unavailable)
	sortForRemoval(d.old)
	keep := d.old[:0:0]
	oldAvailable, removed := 0, 0
	// Old pods that serve nothing go first: removing them costs no availability.
	for _, q := range d.old {
		switch {
		case d.available(q):
			oldAvailable++
			keep = append(keep, q)
		case removed < bound || removed < maxScaledDown && q.node.alive:
			p.remove(q, "rolling update")
			removed++
		default:
			keep = append(keep, q)
		}
	}
	over := oldAvailable + newAvailable - minAvailable
	rest := keep[:0:0]
	for _, q := range keep {
		if over > 0 && d.available(q) {
			p.remove(q, "rolling update")
			removed++
			over--
			continue
		}
		rest = append(rest, q)
	}
	d.old = rest
	return removed > 0
}
