package scheduler

import (
	"fmt"
	"sort"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// node is a member with what Plan has placed on it so far.
type node struct {
	Node
	alive bool // takes new pods
	// cordoned: takes no new pod but a DaemonSet's; draining: its pods move away, those
	// pinned to it too when dropData.
	cordoned, draining, dropData bool
	// gone means its pods are placed elsewhere; goneReason says why, for the removals.
	gone       bool
	goneReason string
	pods       int            // every pod on the node
	groups     map[string]int // pods per spread group (a Deployment's template)
	ports      portUse
}

// cluster is the nodes, sorted by name, and what runs on them as the plan unfolds.
type cluster struct {
	nodes  []*node
	byName map[string]*node
	seed   uint64
	claims map[string]*claimState // by the claim's key
	config manifest.ConfigLookup  // nil: pods are placed without looking at their configuration
}

func newCluster(in Input) *cluster {
	c := &cluster{byName: make(map[string]*node, len(in.Nodes)), seed: in.Seed, claims: claimsOf(in.Claims),
		config: in.Config}
	for _, m := range in.Nodes {
		if _, dup := c.byName[m.Name]; dup {
			continue
		}
		n := &node{Node: m, groups: map[string]int{}, ports: portUse{},
			cordoned: m.Unschedulable || m.Drain, draining: m.Drain, dropData: m.Drain && m.DrainLocalData}
		switch m.State {
		case NodeAlive:
			n.alive = true
		case NodeLeft:
			n.gone, n.goneReason = true, fmt.Sprintf("node %s left", m.Name)
		case NodeRemoved:
			n.gone, n.goneReason = true, fmt.Sprintf("node %s was removed from the cluster", m.Name)
		case NodeAgentDown:
			// Neither alive nor gone, like a suspect: its pods may well still serve.
		case NodeDead:
			if dead := in.Now.Sub(m.Since); dead >= in.DeadGrace {
				n.gone = true
				n.goneReason = fmt.Sprintf("node %s dead for %s", m.Name, dead.Round(time.Second))
			}
		}
		c.byName[m.Name] = n
		c.nodes = append(c.nodes, n)
	}
	sort.Slice(c.nodes, func(i, j int) bool { return c.nodes[i].Name < c.nodes[j].Name })
	return c
}

// absent is a node missing from the membership, for the pods pinned to it: it takes no
// pod, and no placement or count of nodes sees it.
func (c *cluster) absent(name string) *node {
	n := &node{
		Node:       Node{Name: name},
		gone:       true,
		goneReason: "node " + name + " is not a member",
		groups:     map[string]int{},
		ports:      portUse{},
	}
	c.byName[name] = n
	return n
}

// bind records q on its node.
func (c *cluster) bind(q *pod) {
	n := q.node
	n.pods++
	n.groups[q.group]++
	n.ports.add(q.ports)
	c.useClaims(q)
}

// unbind forgets q on its node.
func (c *cluster) unbind(q *pod) {
	n := q.node
	n.pods--
	if n.groups[q.group]--; n.groups[q.group] <= 0 {
		delete(n.groups, q.group)
	}
	n.ports.remove(q.ports)
	c.releaseClaims(q)
}
