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

// Leader returns the name of the leader: the alive member that started first
// (the name breaks ties). Every node with the same view of the membership
// names the same leader; when it fails, the others agree on the next one as
// soon as memberlist declares it dead. During a partition each side has its
// own. Empty only after this node left.
func (n *Node) Leader() string {
	return chooseLeader(n.members.list())
}

// IsLeader reports whether this node is the leader.
func (n *Node) IsLeader() bool {
	return n.Leader() == n.cfg.NodeName
}
