package agent

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// podRuntime runs the pods assigned to this node. The systemd runtime is the reconciler;
// with --runtime none there is none, and pods are assigned but never reported running.
type podRuntime interface {
	SetDesired(pods []manifest.Pod)
	Run(ctx context.Context) error
	Logs(ctx context.Context, podKey, container string, follow bool, w io.Writer) error
	Describe(ctx context.Context, podKey string) (reconcile.PodDetail, error)
}

// DefaultUnitDir is where Quadlet reads a user's units.
func DefaultUnitDir() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "containers", "systemd")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".config", "containers", "systemd")
	}
	return filepath.Join(home, ".config", "containers", "systemd")
}

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

// startSystemdRuntime connects to the user's systemd and starts the reconciler.
func (a *Agent) startSystemdRuntime(ctx context.Context) (podRuntime, error) {
	opts, err := renderOptions(a.cfg, nodeAddress(a.cfg, a.node.Addr()))
	if err != nil {
		return nil, err
	}
	sd, err := reconcile.NewDBus(ctx)
	if err != nil {
		return nil, err
	}
	return reconcile.New(reconcile.Config{
		UnitDir: a.cfg.UnitDir,
		Options: opts,
		Systemd: sd,
		Report:  a.reportStatus,
		Logger:  a.cfg.Logger.With("node", a.cfg.NodeName),
	})
}

// reportStatus writes what this node observes of one of its pods into the store.
func (a *Agent) reportStatus(podKey string, s reconcile.Status) {
	a.ports.mu.Lock()
	defer a.ports.mu.Unlock()
	ps := PodStatus{
		Node:         a.cfg.NodeName,
		Phase:        corePhase(s.Phase),
		Ready:        s.Ready,
		RestartCount: int32(s.Restarts),
		HostIP:       nodeAddress(a.cfg, a.node.Addr()),
		Message:      s.Error,
		Ports:        s.Ports,
		Containers:   s.Containers,
		Updated:      time.Now().UTC(),
	}
	if open, ok := a.ports.open[podKey]; ok {
		ps.PortsOpen = &open
	}
	if _, err := a.node.Put(prefixStatus+podKey, mustJSON(ps)); err != nil {
		a.log.Warn("report pod status", "pod", podKey, "err", err)
	}
}

// runtimeLoop hands the runtime the pods assigned to this node whenever assignments change
// (and those that left them, for drainDelay), and removes the status this node reported for
// pods it no longer runs.
func (a *Agent) runtimeLoop(ctx context.Context) {
	keys, stopKeys := a.node.WatchKeys(prefixAssignment)
	defer stopKeys()
	tick := time.NewTicker(resync)
	defer tick.Stop()
	st := readState(a.node, a.log)
	var d drainer
	for {
		run, wait := d.run(a.podsOfThisNode(st), time.Now())
		a.runtime.SetDesired(run)
		var drained <-chan time.Time
		if wait > 0 {
			drained = time.After(wait)
		}
		for key, s := range st.status {
			if as, ok := st.assignments[key]; s.Node == a.cfg.NodeName && (!ok || as.Node != a.cfg.NodeName) {
				if _, err := a.node.Delete(prefixStatus + key); err != nil {
					a.log.Warn("remove the status of a pod that moved", "pod", key, "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-keys:
		case <-tick.C:
		case <-drained:
		}
		st = readState(a.node, a.log)
	}
}

// podsOfThisNode lists the pods the store assigns to this node.
func (a *Agent) podsOfThisNode(st *state) []manifest.Pod {
	var mine []manifest.Pod
	for _, key := range sortedKeys(st.assignments) {
		if as := st.assignments[key]; as.Node == a.cfg.NodeName {
			mine = append(mine, as.Pod)
		}
	}
	return mine
}
