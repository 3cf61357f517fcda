package cluster

import (
	"net"
	"strconv"

	"github.com/hashicorp/memberlist"
)

// The nodes that memberlist's Members returns are its own records, which it rewrites in
// place (under a lock of its own) when a member's address or metadata changes: reading one
// to send to it would race with that. Sends go to nodes built from this node's member
// table instead, which memberlist's event callbacks keep current.

// alivePeers returns the other members that are alive, to send to.
func (n *Node) alivePeers() []*memberlist.Node {
	var peers []*memberlist.Node
	for _, m := range n.members.list() {
		if m.Name == n.cfg.NodeName || m.State != StateAlive {
			continue
		}
		if node, ok := sendNode(m); ok {
			peers = append(peers, node)
		}
	}
	return peers
}

// memberNode returns the member called name to send to, whatever its state (a removed
// member is told why it is cut off); false when it is unknown.
func (n *Node) memberNode(name string) (*memberlist.Node, bool) {
	for _, m := range n.members.list() {
		if m.Name == name {
			return sendNode(m)
		}
	}
	return nil, false
}

// sendNode is the memberlist node that sends to m reach: its name and gossip address.
func sendNode(m Member) (*memberlist.Node, bool) {
	host, port, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return nil, false
	}
	ip := net.ParseIP(host)
	p, err := strconv.ParseUint(port, 10, 16)
	if ip == nil || err != nil {
		return nil, false
	}
	return &memberlist.Node{Name: m.Name, Addr: ip, Port: uint16(p)}, true
}
