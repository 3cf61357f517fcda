package cluster

// chooseLeader picks the leader from a membership view: the alive member with
// the lowest rank, unranked members last and the name breaking ties. Every
// node that sees the same alive members picks the same one. No clock is read:
// ranks come from the cluster's Lamport clock (see joinRank), so a node whose
// wall clock is wrong gains or loses nothing by it. While a member of the
// previous release is alive, the leader is the one those members choose by
// their own rule (chooseLeaderV1), since they never follow a later member:
// so one leader schedules during an upgrade, and it is never this node.
func chooseLeader(members []Member) string {
	if olderAlive(members) {
		return chooseLeaderV1(members)
	}
	var best *Member
	for i := range members {
		m := &members[i]
		if m.State != StateAlive {
			continue
		}
		if best == nil || outranks(m, best) {
			best = m
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}

func outranks(a, b *Member) bool {
	if a.Rank != b.Rank {
		switch {
		case a.Rank == 0:
			return false
		case b.Rank == 0:
			return true
		}
		return a.Rank < b.Rank
	}
	return a.Name < b.Name
}

// Leader returns the name of the leader: the alive member with the lowest
// rank (see Member.Rank). Every node with the same view of the membership
// names the same leader; when it fails, the others agree on the next one as
// soon as memberlist declares it dead. A node that joins later never takes
// the role from a leader that is alive, whatever its clock says. During a
// partition each side has its own. While a node of the previous release is
// alive, the leader is one of those nodes (see protocol.go). Empty only
// after this node left.
func (n *Node) Leader() string {
	return n.members.leader()
}

// IsLeader reports whether this node is the leader.
func (n *Node) IsLeader() bool {
	return n.Leader() == n.cfg.NodeName
}
