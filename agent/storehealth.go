package agent

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// storeHealthCheck is how often the node's store health is compared with what it gossips.
// Reading it costs two mutexes; a change reaches the other members a gossip round later.
const storeHealthCheck = 500 * time.Millisecond

// metaNode is what publishing the store health needs of the cluster node.
type metaNode interface {
	StoreError() error
	SetMeta(meta map[string]string) error
}

// storeHealth gossips whether this node can write its store, in its metadata, which
// travels with the membership and not through the store: it gets out when the disk is
// full. A node that cannot write its store refuses every write and, when it leads, places
// no pod; the other nodes show why (swarm get nodes, and the pods not placed yet).
//
// The failure is this node's disk (StoreError) or, when the disk is fine, the scheduling
// loop's last plan that could not be written (the store is full, say).
type storeHealth struct {
	node metaNode
	// base is the node's other metadata, as the agent set it at start.
	base map[string]string
	// planWrites is the failure of the scheduling loop's last plan; nil when none.
	planWrites func() error
	// lbPorts, when set, are the LoadBalancer Service ports this node's ingress opened,
	// gossiped beside the store health (one writer of the node's metadata).
	lbPorts func() []string
	now     func() time.Time
	log     *slog.Logger

	published   string    // the reason gossiped now, "" for none
	publishedLB []string  // the LoadBalancer ports gossiped now
	since       time.Time // when the failure gossiped began
	// unsure: the last announcement failed, and what the node gossips is not known.
	unsure bool
}

func newStoreHealth(node metaNode, base map[string]string, planWrites func() error, now func() time.Time, log *slog.Logger) *storeHealth {
	return &storeHealth{node: node, base: maps.Clone(base), planWrites: planWrites, now: now, log: log.With("component", "storehealth")}
}

// Start publishes the store health until ctx ends.
func (h *storeHealth) Start(ctx context.Context) error {
	tick := time.NewTicker(storeHealthCheck)
	defer tick.Stop()
	for {
		h.check()
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// check gossips the store health anew when it changed. A failure to announce it is tried
// again at the next check.
func (h *storeHealth) check() {
	reason := storeFailure(h.node.StoreError(), h.planWrites())
	var lb []string
	if h.lbPorts != nil {
		lb = h.lbPorts()
	}
	if reason == h.published && slices.Equal(lb, h.publishedLB) && !h.unsure {
		return
	}
	since := h.since
	if h.published == "" {
		since = h.now()
	}
	meta := maps.Clone(h.base)
	nodemeta.SetStoreFailure(meta, reason, since)
	nodemeta.SetLoadBalancerPorts(meta, lb)
	if err := h.node.SetMeta(meta); err != nil {
		h.log.Warn("gossip the store health", "reason", reason, "err", err)
		h.unsure = true
		return
	}
	switch {
	case reason == h.published:
	case reason != "":
		h.log.Warn("gossiping that this node cannot write its store", "reason", reason)
	default:
		h.log.Info("gossiping that this node writes its store again")
	}
	h.published, h.since, h.unsure, h.publishedLB = reason, since, false, lb
}

// storeFailure is the reason gossiped for a failure of the disk or else of the last plan's
// writes; "" when neither failed. A node shutting down fails its writes with ErrClosed,
// which says nothing of its store.
func storeFailure(disk, plan error) string {
	if disk != nil {
		return nodemeta.StoreReason(disk)
	}
	if plan != nil && !errors.Is(plan, cluster.ErrClosed) {
		return nodemeta.StoreReason(plan)
	}
	return ""
}
