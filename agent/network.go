package agent

import (
	"log/slog"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/netalloc"
)

// checkNetwork warns when this node's ranges differ from the cluster's (settings/network),
// which it then uses. The record is written by the leader with its first write of a plan
// (see agent/schedule), which in a new cluster is the founding node: the first node leads
// for as long as it is alive. A joining node that has not received the record yet says
// nothing here; its scheduling loop warns when it does.
func checkNetwork(node *cluster.Node, own netalloc.Spec, log *slog.Logger) {
	if e, ok := node.Get(store.KeyNetworkSettings); ok && !e.Deleted {
		cl, err := store.DecodeNetwork(e.Value)
		if err != nil {
			log.Warn("the cluster's network settings do not decode; using this node's own", "key", store.KeyNetworkSettings, "err", err)
			return
		}
		if *cl != own {
			log.Warn("this node's network flags differ from the cluster's; using the cluster's (the ranges are cluster-wide, set by the node that founded it)",
				"cluster", cl, "flags", own)
		}
	}
}
