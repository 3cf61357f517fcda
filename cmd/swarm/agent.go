package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/agent"
)

func newAgentCommand() *cobra.Command {
	cfg := agent.DefaultConfig()
	var labels []string
	var logLevel string
	var leaveOnStop bool
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run the node agent: gossip, store, scheduler and API",
		Long: `Run this node's agent. Started without --join, it founds a new cluster: it creates
the gossip key and a join token and writes the token to <state-dir>/join-token (never to
its log); swarm join-token on the node prints the command that adds another node. With
--join and --join-token it joins a cluster.

The API (--api-listen) wants a token: each agent writes one of its own to
<state-dir>/api-token (mode 0600) at its first start, which the CLI and the companion
servers on the node read by themselves; the founding node's is the admin token. More with
swarm token create. --tls-cert and --tls-key make the API speak HTTPS only: use them
where the network between the nodes and their users is not trusted.

The node that leads places pods only while it reaches more than half of the cluster's known
members (those that have not left or been removed): the smaller side of a network partition
places nothing, and the larger one places the pods of the nodes it lost once their agents
are dead and their workloads have not answered for --dead-grace. With --self-fence a node cut off from a majority also stops its own pods,
before the larger side may start them again, and starts them once it is back. A pod with a
writable hostPath never moves: it waits for its node's return, or the node's removal.

The agent holds the whole desired state of the cluster under --state-dir; a restarted node,
or a whole cluster restarted at once, loses nothing. A node that holds a store but lost its
keyring refuses to found a new cluster: rejoin with --join and --join-token, or found one from
that store with --force-new-cluster. A damaged store is repaired with --resync, which sets the
file aside and fetches the state from the other members.

Pods resolve names with this node's swarm dns: their resolv.conf names --pod-dns (by default
the node's address, where swarm dns answers with its default --listen 0.0.0.0:53), searches
<namespace>.svc.<domain> svc.<domain> <domain> (--cluster-domain, as swarm dns's), and has
ndots:5. Each pod gets an address of its own in pasta's network (--pod-network), so that it
reaches the ports published on its own node, and that node's DNS, at the node's address as
it reaches any other node's. Changing any of these restarts every pod of the node once.`,
		Example: `  # the first node
  swarm agent --bind 198.18.0.11:7946 --runtime none
  # another node, with the token from the first
  swarm agent --bind 198.18.0.12:7946 --join 198.18.0.11:7946 --join-token "$(ssh node1 cat ~/.local/state/swarm/join-token)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if cfg.Labels, err = parseLabels(labels); err != nil {
				return err
			}
			if cfg.JoinToken == "" {
				cfg.JoinToken = os.Getenv("SWARM_JOIN_TOKEN")
			}
			cfg.Logger, err = newLogger(logLevel)
			if err != nil {
				return err
			}
			return runAgent(cmd.Context(), cfg, leaveOnStop)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.NodeName, "node-name", cfg.NodeName, "this node's name, unique in the cluster and stable across restarts")
	f.StringVar(&cfg.Bind, "bind", cfg.Bind, "gossip address, TCP and UDP")
	f.StringVar(&cfg.Advertise, "advertise", "", "address other nodes reach this one at (default: the bind address)")
	f.StringSliceVar(&cfg.Join, "join", nil, "host:port of members to join, comma-separated")
	f.StringVar(&cfg.JoinToken, "join-token", "", "the cluster's join token (or $SWARM_JOIN_TOKEN); read it from <state-dir>/join-token on a member")
	f.StringVar(&cfg.APIListen, "api-listen", cfg.APIListen, "address of the HTTP API; other agents pass requests (logs, describe) to it")
	f.BoolVar(&cfg.NoAuth, "no-auth", false, "serve the API without tokens: anyone who reaches it can run anything as this user (closed test networks only)")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate of the API; with --tls-key the API speaks HTTPS only")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	f.StringVar(&cfg.TLSCA, "tls-ca", "", "PEM certificates that verify other agents' API certificates, besides the system's roots and --tls-cert")
	f.StringVar(&cfg.StateDir, "state-dir", defaultStateDir(), "folder of the node's state: keyring, store, join token, API token")
	f.StringVar(&cfg.Runtime, "runtime", cfg.Runtime, "how pods run: systemd (Quadlet units) or none (schedule only, for tests)")
	f.StringVar(&cfg.UnitDir, "unit-dir", cfg.UnitDir, "Quadlet folder the pods' units are written into (--runtime systemd)")
	f.StringVar(&cfg.PodDNS, "pod-dns", "", "DNS server of the pods, port 53: where this node's swarm dns answers (default: the node's address); none for the node's own resolvers")
	f.StringVar(&cfg.ClusterDomain, "cluster-domain", cfg.ClusterDomain, "domain of the cluster's names in the pods' search path, as given to swarm dns")
	f.StringVar(&cfg.PodNetwork, "pod-network", cfg.PodNetwork, "podman --network of the pods placed before pods had IPs of their own (new pods get pasta with their pod IP from --pod-cidr); empty for podman's default, in which a pod cannot reach its own node's address")
	f.StringVar(&cfg.ServiceCIDR, "service-cidr", cfg.ServiceCIDR, "IPv4 range of the Services' ClusterIPs, cluster-wide: the founding node's value is kept, another node's differing one is ignored with a warning")
	f.StringVar(&cfg.PodCIDR, "pod-cidr", cfg.PodCIDR, "IPv4 range of the pods' own IPs, cluster-wide like --service-cidr; must not overlap it nor this host's networks")
	f.StringVar(&cfg.ServiceNodePortRange, "service-node-port-range", cfg.ServiceNodePortRange, "ports of NodePort and LoadBalancer Services, FIRST-LAST, cluster-wide like --service-cidr")
	f.StringVar(&cfg.NodePortRange, "node-port-range", cfg.NodePortRange, "ports this node publishes its pods' container ports on when they set no hostPort, FIRST-LAST; must not overlap --service-node-port-range")
	f.StringSliceVar(&labels, "label", nil, "node label key=value for nodeSelector; repeatable")
	f.DurationVar(&cfg.DeadGrace, "dead-grace", cfg.DeadGrace, "how long a node whose agent is dead keeps its pods once its workloads stop answering too")
	f.DurationVar(&cfg.ProbeInterval, "probe-interval", cfg.ProbeInterval, "failure detection probe interval")
	f.BoolVar(&cfg.RollbackOnFailure, "rollback-on-failure", false, "while this node leads, roll a Deployment whose rollout exceeded its progressDeadlineSeconds back to its previous revision, as kubectl rollout undo does, once per failed rollout; a Deployment's annotation swarm.podman.io/rollback-on-failure: \"true\" or \"false\" overrides it (default: only annotated Deployments roll back)")
	f.BoolVar(&cfg.SelfFence, "self-fence", false, "stop this node's pods while it is cut off from a majority of the cluster, shortly before the others may start them again, so that no pod runs twice (default: they keep running, and may run on both sides until the cut heals)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	f.BoolVar(&cfg.ForceNewCluster, "force-new-cluster", false, "found a new cluster with the store of a node whose keyring is lost, with a new join token (ignored once the node has a keyring)")
	f.BoolVar(&cfg.Resync, "resync", false, "start with an empty store and fetch the state from the other members (--join or the remembered peers); the old store file is kept beside, named with the time")
	f.BoolVar(&leaveOnStop, "leave-on-stop", false, "leave the cluster when stopped, so that this node's pods move at once (default: they keep running here; they move only if the node stays down)")
	return cmd
}

// runAgent runs the agent until SIGINT or SIGTERM (or ctx ends, or the node fails).
// Stopping the agent (an upgrade, a restart) stops no workload: the pods are systemd's and
// keep running, and the node stays a member that other nodes see come back. Only with
// leaveOnStop does it leave, handing its pods over at once.
func runAgent(ctx context.Context, cfg agent.Config, leaveOnStop bool) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := agent.Start(ctx, cfg)
	if err != nil {
		return withFlagNames(explainStartError(err))
	}
	select {
	case <-ctx.Done():
	case <-a.Done():
		return a.Shutdown(false) // a part failed: the error says which
	}
	if leaveOnStop {
		cfg.Logger.Info("stopping: leaving the cluster so that this node's pods move at once")
	} else {
		cfg.Logger.Info("stopping; the pods keep running, and move to other nodes only if they stop answering too, for --dead-grace")
	}
	return a.Shutdown(leaveOnStop)
}

func parseLabels(kvs []string) (map[string]string, error) {
	labels := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--label %q: want key=value, for example disk=ssd", kv)
		}
		labels[k] = v
	}
	return labels, nil
}

func defaultStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "swarm")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "swarm")
	}
	return "swarm-state"
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
