package scheduler

// stepPaused is stepDeployment for a paused Deployment: it does not roll out, so no pod of
// an older template is replaced, whatever the strategy; it only scales. A scale-down
// removes the current template's pods before the older ones, so that what ran before the
// pause stays. A scale-up, or a pod lost, is made with the current template: the
// scheduler knows no other template of a Deployment (Kubernetes would grow the older
// replica sets in proportion instead).
func (p *planner) stepPaused(d *deployment) bool {
	changed := false
	if excess := len(d.current) + len(d.old) - d.replicas; excess > 0 {
		sortForRemoval(d.current)
		n := min(excess, len(d.current))
		for _, q := range d.current[:n] {
			p.remove(q, "scaled down")
			delete(d.used, q.ordinal)
		}
		d.current = append([]*pod(nil), d.current[n:]...)
		if rest := excess - n; rest > 0 {
			sortForRemoval(d.old)
			for _, q := range d.old[:rest] {
				p.remove(q, "scaled down")
			}
			d.old = append([]*pod(nil), d.old[rest:]...)
		}
		changed = true
	}
	if room := d.replicas - len(d.current) - len(d.old); room > 0 && p.scaleUp(d, room) {
		changed = true
	}
	return changed
}
