package cluster

import (
	"fmt"

	"github.com/hashicorp/memberlist"
)

// admission is the node as memberlist's AliveDelegate and MergeDelegate: it
// refuses, by name, members that were removed for good. The gossip key is
// what keeps a removed machine out; the name is refused as well so that the
// machine stays out when it comes back with a token obtained otherwise, and
// so that a member still counted by memberlist cannot refute its way back
// while the key is being rotated away from it.
type admission struct {
	n *Node
}

var (
	_ memberlist.AliveDelegate = (*admission)(nil)
	_ memberlist.MergeDelegate = (*admission)(nil)
)

// NotifyAlive refuses an alive message about a removed member, whoever
// relays it: memberlist then never counts the member again, never probes it
// and never gossips to it.
func (a *admission) NotifyAlive(peer *memberlist.Node) error {
	return a.n.admit(peer.Name)
}

// NotifyMerge refuses a join by a node whose view counts a removed member as
// alive, the removed member itself above all. memberlist calls it before it
// merges anything, so neither the joiner's members nor its store get in.
func (a *admission) NotifyMerge(peers []*memberlist.Node) error {
	for _, p := range peers {
		if p.State != memberlist.StateAlive {
			continue
		}
		if err := a.n.admit(p.Name); err != nil {
			return err
		}
	}
	return nil
}

// admit returns an error when name was removed from the cluster. This node
// never refuses itself, even when it learned that it was removed: memberlist
// would lose track of its own state.
func (n *Node) admit(name string) error {
	if name == n.cfg.NodeName || !n.isRemoved(name) {
		return nil
	}
	return fmt.Errorf("member %s was removed from the cluster", name)
}
