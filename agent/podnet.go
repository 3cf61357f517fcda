package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"

	"github.com/podman-swarm/podman-swarm/agent/apiserver"
	"github.com/podman-swarm/podman-swarm/agent/netkeeper"
	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/ingress/l4"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/netrules"
	"github.com/podman-swarm/podman-swarm/quadlet"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// clusterPodCIDR is the pod CIDR the cluster records (settings/network), which the leader
// gives pod IPs from, else this node's own: store.Ranges, as the leader reads them.
func clusterPodCIDR(node *cluster.Node, own netalloc.Ranges) netip.Prefix {
	var n *store.NetworkSettings
	if e, ok := node.Get(store.KeyNetworkSettings); ok && !e.Deleted {
		n, _ = store.DecodeNetwork(e.Value) // one that does not decode: this node's own
	}
	return store.Ranges(n, own).PodCIDR
}

// openNodePorts is this node's table of its pods' node ports, each pod's network loading
// the node's rules (the swarm netns load hook) before its containers start.
func openNodePorts(cfg Config, node *cluster.Node, addr, swarmBinary string, ranges netalloc.Ranges, log *slog.Logger) (*noderuntime.NodePorts, error) {
	rules := netkeeper.RulesPath(cfg.StateDir)
	return noderuntime.OpenNodePorts(noderuntime.NodePortsConfig{
		File:    filepath.Join(cfg.StateDir, noderuntime.NodePortsFile),
		Range:   ranges.NodePortRange,
		Address: addr,
		PodCIDR: func() netip.Prefix { return clusterPodCIDR(node, ranges) },
		OnStart: func(pod string) []string {
			return []string{swarmBinary, "netns", "load", "--rules", rules, "--pod", pod}
		},
	}, log)
}

// rulesInput is what this node's pods' rules are made of: every Service with its endpoints
// and every pod with a pod IP whose node reported where it publishes its ports.
func rulesInput(views *view.View, node *cluster.Node) netrules.Input {
	var in netrules.Input
	views.Read(func(st *store.State, _ uint64) {
		members := node.Members()
		in.Services = apiserver.EndpointList(st, members, "").Items
		for _, p := range apiserver.DiscoveryPods(st, members) {
			if p.PodIP == "" || p.Ports == nil || p.NodeDown {
				continue
			}
			in.Pods = append(in.Pods, netrules.Pod{Name: p.Pod.Key(), IP: p.PodIP, Address: p.Address, Ports: p.Ports})
		}
	})
	return in
}

// runningPods names, as podman does, this node's running pods that have a network of their
// own: those whose rules the keeper loads.
func runningPods(ports *noderuntime.NodePorts, r *reconcile.Reconciler) []string {
	var out []string
	for _, key := range ports.Keys() {
		if s, ok := r.Status(key); ok && s.Phase == reconcile.PhaseRunning {
			ns, name, _ := strings.Cut(key, "/")
			out = append(out, quadlet.PodName(ns, name))
		}
	}
	return out
}

// newNetKeeper keeps the rules of this node's pods current, poked by every change of the
// view.
func newNetKeeper(cfg Config, views *view.View, node *cluster.Node, ports *noderuntime.NodePorts, r *reconcile.Reconciler, log *slog.Logger) *netkeeper.Keeper {
	return netkeeper.New(netkeeper.Config{
		StateDir: cfg.StateDir,
		Input: func(context.Context) (netrules.Input, error) {
			return rulesInput(views, node), nil
		},
		Pods: func(context.Context) ([]string, error) {
			return runningPods(ports, r), nil
		},
		Logger: log,
	})
}

// pokeOnChange pokes the keeper after every change of the view until ctx ends.
type pokeOnChange struct {
	views  *view.View
	keeper *netkeeper.Keeper
}

func (p pokeOnChange) Start(ctx context.Context) error {
	n, err := p.views.Notify()
	if err != nil {
		return fmt.Errorf("follow the view for the pods' rules: %w", err)
	}
	defer n.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-n.Done():
			return nil
		case <-n.C():
			p.keeper.Poke()
		}
	}
}

// IngressPortsFile is the file, in the state folder the node's ingress shares with its
// agent, where `swarm ingress` lists the Service ports it opened.
const IngressPortsFile = "ingress-ports.json"

// ingressLoadBalancerPorts reads the LoadBalancer Service ports ("8088/TCP") the node's
// ingress opened; none while it has not run.
func ingressLoadBalancerPorts(file string) func() []string {
	return func() []string {
		opened, err := l4.ReadOpened(file)
		if err != nil {
			return nil
		}
		var out []string
		for _, o := range opened {
			if o.Kind == l4.ServicePort {
				out = append(out, o.Key.String())
			}
		}
		slices.Sort(out)
		return out
	}
}
