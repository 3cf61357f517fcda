package agent

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/netns"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// nodeAddress is the address this node's pods publish their ports on and that other nodes
// reach them at: the advertised address, else the gossip bind address when it is one.
func nodeAddress(cfg Config, gossipAddr string) string {
	for _, hp := range []string{cfg.Advertise, cfg.Bind, gossipAddr} {
		host, _, err := net.SplitHostPort(hp)
		if err != nil {
			host = hp
		}
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
			return host
		}
	}
	return ""
}

// PinnedConfigFile is the file under the state folder that keeps what the Deployments'
// pods of this node were first created with (podconfig.Keeper.KeepPinsIn), mode 0600.
const PinnedConfigFile = "pinned-config.json"

// ConfigVolumesDir is the folder under the state folder that holds the pods' configMap
// volumes.
const ConfigVolumesDir = "config"

// renderOptions are the node's facts the pods are rendered with. They must stay the same
// across restarts of the agent: a change rewrites, and so restarts, every pod.
func renderOptions(cfg Config, addr string) (quadlet.Options, error) {
	self, err := os.Executable()
	if err != nil {
		return quadlet.Options{}, fmt.Errorf("find the swarm binary for probes: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	opts := quadlet.Options{
		PublishAddress: addr,
		Network:        cfg.PodNetwork,
		// The pod's own pasta address is the same in every pod and unreachable from
		// outside: the pod is reached at its node's address.
		PodIP:       addr,
		HostIP:      addr,
		NodeName:    cfg.NodeName,
		SwarmBinary: self,
		// The agent's own folder: only its user reads it (see podconfig).
		ConfigDir: filepath.Join(cfg.StateDir, ConfigVolumesDir),
	}
	dns := cfg.PodDNS
	if dns == "" {
		dns = addr
	}
	if dns != "" && dns != PodDNSNone {
		opts.DNS, opts.ClusterDomain = []string{dns}, cfg.ClusterDomain
	}
	return opts, nil
}

// startSystemdRuntime connects to the user's systemd and builds the reconciler, which
// reports each pod's status to report and renders each pod with the network ports gives it.
func startSystemdRuntime(ctx context.Context, cfg Config, opts quadlet.Options, ports *noderuntime.NodePorts, report func(podKey string, s reconcile.Status)) (*reconcile.Reconciler, error) {
	if err := netns.Missing(); err != nil {
		return nil, fmt.Errorf("the pods' Service and pod addresses need tools this node lacks: %w", err)
	}
	sd, err := reconcile.NewDBus(ctx)
	if err != nil {
		return nil, err
	}
	return reconcile.New(reconcile.Config{
		UnitDir:    cfg.UnitDir,
		Options:    opts,
		PodNetwork: ports.Network,
		Systemd:    sd,
		Report:     report,
		Logger:     cfg.Logger.With("node", cfg.NodeName),
	})
}
