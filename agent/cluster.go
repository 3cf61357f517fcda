package agent

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/fielderr"
	"github.com/podman-swarm/podman-swarm/internal/lifecycle"
)

// clusterConfig maps the agent's configuration onto the cluster layer's.
func clusterConfig(cfg Config, apiAddr string) (cluster.Config, error) {
	host, port, err := splitHostPort(cfg.Bind)
	if err != nil {
		return cluster.Config{}, fielderr.New("Bind", "%s %q: %w", cfg.Bind, err)
	}
	meta := map[string]string{nodemeta.API: apiAddr, nodemeta.Runtime: cfg.Runtime}
	for k, v := range cfg.Labels {
		meta[nodemeta.LabelPrefix+k] = v
	}
	cc := cluster.Config{
		NodeName:         cfg.NodeName,
		BindAddr:         host,
		BindPort:         port,
		Join:             cfg.Join,
		JoinToken:        cfg.JoinToken,
		StateDir:         cfg.StateDir,
		Meta:             meta,
		ProbeInterval:    cfg.ProbeInterval,
		PushPullInterval: cfg.PushPullInterval,
		ForceNewCluster:  cfg.ForceNewCluster,
		Resync:           cfg.Resync,
		Clock:            cfg.Clock,
		Logger:           cfg.Logger,
	}
	if cfg.Advertise != "" {
		ah, ap, err := net.SplitHostPort(cfg.Advertise)
		if err != nil {
			ah, ap = cfg.Advertise, strconv.Itoa(port)
		}
		cc.AdvertiseAddr = ah
		cc.AdvertisePort, _ = strconv.Atoi(ap)
	}
	return cc, nil
}

// advertisedAPI is the API address other agents are told: the listener's, with the address
// gossip advertises in place of an unspecified one when that is already known.
func advertisedAPI(listen string, cfg Config) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || !net.ParseIP(host).IsUnspecified() {
		return listen
	}
	if addr := nodeAddress(cfg, ""); addr != "" {
		return net.JoinHostPort(addr, port)
	}
	return listen
}

// advertiseAPIReachably corrects the API address in the node's metadata once gossip has
// chosen its own: an API that listens on every address is advertised at the address others
// reach this node at, so that other agents can pass requests on to it.
func advertiseAPIReachably(node *cluster.Node, meta map[string]string, log *slog.Logger) {
	api := meta[nodemeta.API]
	if !strings.HasPrefix(api, "[::]:") && !strings.HasPrefix(api, "0.0.0.0:") {
		return
	}
	_, port, _ := net.SplitHostPort(api)
	host, _, _ := net.SplitHostPort(node.Addr())
	meta[nodemeta.API] = net.JoinHostPort(host, port)
	if err := node.SetMeta(meta); err != nil {
		log.Warn("advertise the API address", "err", err)
	}
}

// leaveTimeout bounds the wait for a leave message to spread.
const leaveTimeout = 5 * time.Second

// membership is the node's place in the cluster as a part of the agent: it runs the other
// parts and, once they have all stopped, takes the node out of the cluster, so that no
// part uses the node after it is gone. With leave set by then, the node says goodbye, and
// its pods move at once instead of after the dead-node grace period.
type membership struct {
	node  *cluster.Node
	parts *lifecycle.Group
	leave atomic.Bool
	log   *slog.Logger
}

// Start runs the parts until ctx ends or one of them fails, then stops the node.
func (m *membership) Start(ctx context.Context) error {
	err := m.parts.Run(ctx)
	if err != nil {
		m.log.Error("a part of the agent failed; stopping the node", "err", err)
	}
	if m.leave.Load() {
		if lerr := m.node.Leave(leaveTimeout); lerr != nil {
			m.log.Warn("leaving the cluster", "err", lerr)
		}
	}
	return errors.Join(err, m.node.Shutdown())
}
