package scheduler

// trimDuplicates keeps one pod of the DaemonSet on a node, as Kubernetes' controller
// does when it finds more (two leaders' plans crossing, a template changed back): the
// current template's, else the most available old one. While it may surge, or while its
// new pod is not available yet and an old one is, a node keeps one old pod beside the
// new one, so that it does not go without an available pod for a duplicate.
func (p *planner) trimDuplicates(s *daemonSet, dn *daemonNode) bool {
	keepOld := 0
	if dn.cur == nil || s.surging() || !s.available(dn.cur) && s.anyAvailable(dn) {
		keepOld = 1
	}
	if len(dn.old) <= keepOld {
		return false
	}
	sortForRemoval(dn.old)
	excess := len(dn.old) - keepOld
	for _, q := range dn.old[:excess] {
		p.remove(q, "more than one pod of the DaemonSet on the node")
	}
	dn.old = append([]*pod(nil), dn.old[excess:]...)
	return true
}

// surging tells whether the DaemonSet's rolling update starts new pods beside old ones:
// a maxSurge that is not 0 (a percentage rounds up).
func (s *daemonSet) surging() bool {
	return !s.strategy.OnDelete && scaled(&s.strategy.MaxSurge, 1, true) > 0
}

// replaceOld replaces old pods on the wanted nodes within the rolling update's bounds.
func (p *planner) replaceOld(s *daemonSet, wanted []*node) bool {
	maxUnavailable := scaled(&s.strategy.MaxUnavailable, len(wanted), true)
	maxSurge := scaled(&s.strategy.MaxSurge, len(wanted), true)
	if maxSurge == 0 && maxUnavailable == 0 {
		// Validation refuses both zero; a percentage that rounds to 0 still lets one go.
		maxUnavailable = 1
	}
	changed := false
	if maxSurge == 0 {
		numUnavailable := 0
		var replace, candidates []*node
		for _, n := range wanted {
			dn := s.byNode[n.Name]
			switch {
			case dn == nil || dn.cur == nil && len(dn.old) == 0 || !n.alive:
				// A node without a pod gets one below; a node that is not alive keeps
				// what it runs until it is back (its pods do not count as available).
				numUnavailable++
			case dn.cur != nil && len(dn.old) > 0:
				// An old pod beside a new one (left by a surge, or by leaders' plans
				// crossing) serves until the new one is available.
				if !s.available(dn.cur) && s.anyAvailable(dn) {
					continue
				}
				for _, q := range dn.old {
					p.remove(q, "rolling update")
				}
				dn.old = nil
				changed = true
				if !s.available(dn.cur) {
					numUnavailable++
				}
			case dn.cur != nil:
				if !s.available(dn.cur) {
					numUnavailable++
				}
			case !s.anyAvailable(dn):
				// It serves nothing now: replacing it costs nothing, but the node
				// stays unavailable until the new pod is.
				replace = append(replace, n)
				numUnavailable++
			default:
				candidates = append(candidates, n)
			}
		}
		room := min(max(maxUnavailable-numUnavailable, 0), len(candidates))
		for _, n := range append(replace, candidates[:room]...) {
			dn := s.byNode[n.Name]
			for _, q := range dn.old {
				p.remove(q, "rolling update")
			}
			dn.old = nil
			changed = true
			p.createDaemonPod(s, n)
		}
		return changed
	}
	numSurge := 0
	var allowed, candidates []*node
	for _, n := range wanted {
		dn := s.byNode[n.Name]
		switch {
		case dn == nil || len(dn.old) == 0 || !n.alive:
		case dn.cur == nil && !s.anyAvailable(dn):
			allowed = append(allowed, n)
		case dn.cur == nil:
			candidates = append(candidates, n)
		case !s.available(dn.cur):
			numSurge++
		default:
			for _, q := range dn.old {
				p.remove(q, "rolling update")
			}
			dn.old = nil
			changed = true
		}
	}
	room := min(max(maxSurge-numSurge, 0), len(candidates))
	for _, n := range append(allowed, candidates[:room]...) {
		if p.createDaemonPod(s, n) {
			changed = true
		}
	}
	return changed
}
