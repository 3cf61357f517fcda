package cluster

// chooseLeader picks the leader from a membership view: the alive member that
// started first, the name breaking ties. Every node that sees the same alive
// members picks the same one, and the leader keeps its role for as long as it
// lives, since nodes that join later are younger.
func chooseLeader(members []Member) string {
	var best *Member
	for i := range members {
		m := &members[i]
		if m.State != StateAlive {
			continue
		}
		if best == nil || olderThan(m, best) {
			best = m
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}

func olderThan(a, b *Member) bool {
	if !a.Started.Equal(b.Started) {
		return a.Started.Before(b.Started)
	}
	return a.Name < b.Name
}
