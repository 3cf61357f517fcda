package agent

import (
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/podman-swarm/podman-swarm/agent/apiserver"
	"github.com/podman-swarm/podman-swarm/agent/liveness"
	"github.com/podman-swarm/podman-swarm/agent/noderuntime"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/netalloc"
)

// Runtimes a node can run pods with.
const (
	RuntimeSystemd = "systemd" // Quadlet units driven over D-Bus
	RuntimeNone    = "none"    // gossip and schedule, run nothing: for scale and failure tests
)

// Config is one node's configuration, usually from `swarm agent` flags. DefaultConfig
// holds the defaults a command starts from; a zero field other than those Start requires
// (NodeName, Bind, APIListen, StateDir) takes the library's own default, documented on the
// field.
type Config struct {
	NodeName  string
	Bind      string   // gossip address, host:port
	Advertise string   // address other nodes reach this one at; "" = from Bind
	Join      []string // host:port of members to join
	JoinToken string
	APIListen string // the HTTP API, host:port
	StateDir  string
	Runtime   string // RuntimeSystemd or RuntimeNone; "" = RuntimeSystemd
	Labels    map[string]string
	// NoAuth switches API authentication off: anyone who reaches the API can run anything
	// as this user. For tests and trusted single-user set-ups only.
	NoAuth bool
	// TLSCert and TLSKey make the API listen on HTTPS; TLSCA verifies the other agents' API
	// certificates when a request is passed on to them (the system's roots and TLSCert
	// itself are trusted as well).
	TLSCert, TLSKey, TLSCA string
	// UnitDir is the Quadlet folder the systemd runtime writes pods into; "" = DefaultUnitDir.
	UnitDir string
	// PodDNS is the DNS server the pods resolve names with: where this node's swarm dns
	// answers, on port 53. "" = the node's address; PodDNSNone = the node's own resolvers.
	PodDNS string
	// ClusterDomain is the domain of the cluster's names, as swarm dns --cluster-domain;
	// "" = DefaultClusterDomain.
	ClusterDomain string
	// PodNetwork is the Quadlet Network= of the pods; "" = podman's default.
	// DefaultConfig has DefaultPodNetwork.
	PodNetwork string

	// ServiceCIDR is where Services' ClusterIPs come from, PodCIDR where pods' IPs come
	// from, ServiceNodePortRange where NodePort and LoadBalancer Services' node ports come
	// from ("30000-32767"): cluster-wide, recorded by the founding node, so that a node
	// whose own differ warns and uses the cluster's. NodePortRange is where this node
	// publishes its pods' container ports that have no hostPort. "" takes the default
	// (netalloc.DefaultSpec); IPv4 only.
	ServiceCIDR, PodCIDR, ServiceNodePortRange, NodePortRange string

	// DeadGrace is how long a node whose agent is dead keeps its pods while its workloads
	// do not answer either, before it is judged lost and they are placed elsewhere (see the
	// liveness package); zero takes DefaultDeadGrace. A node whose workloads answer keeps
	// its pods however long its agent is down.
	DeadGrace time.Duration
	// RollbackOnFailure, on the node that leads, writes a Deployment whose rollout
	// exceeded its progress deadline back to its previous revision's template, as
	// `kubectl rollout undo` does, unless the Deployment's annotation
	// swarm.podman.io/rollback-on-failure says "false". Without it only Deployments
	// annotated "true" roll back.
	RollbackOnFailure bool
	// ProbeInterval tunes failure detection (see cluster.Config); zero takes its default.
	ProbeInterval time.Duration
	// PushPullInterval tunes anti-entropy (see cluster.Config); zero takes its default.
	PushPullInterval time.Duration

	// SelfFence stops this node's pods while it is cut off from a majority of the cluster's
	// members, from shortly before the others may place them again (noderuntime.FenceAfter)
	// until it reaches a majority again. Off by default: the pods of a node cut off keep
	// running, and may run twice, once on each side, until the cut heals.
	SelfFence bool

	// ForceNewCluster founds a new cluster with the store of a node that lost its keyring
	// (see cluster.Config); without it such a node refuses to start unless it joins.
	ForceNewCluster bool
	// Resync starts with an empty store and fetches the state from the other members,
	// setting the old store file aside (see cluster.Config): the remedy for a damaged one.
	Resync bool

	// PodAttach runs `swarm exec` commands in this node's pods and reaches their ports for
	// `swarm port-forward`; nil takes the systemd runtime's (podman exec), and with
	// RuntimeNone refuses both. Tests that run no runtime set it.
	PodAttach apiserver.PodAttacher
	// PodRuntime answers the logs and the descriptions of this node's pods; nil takes the
	// systemd runtime's, and with RuntimeNone there are none. Tests that run no runtime set
	// it.
	PodRuntime apiserver.PodRuntime
	// PodUsage finds the cgroups of this node's containers for `swarm top pods`; nil takes
	// the systemd runtime's, and with RuntimeNone there are none. Tests set it.
	PodUsage apiserver.PodUsageSource

	// Clock reads the wall time for the cluster node and the token checks; nil is
	// time.Now. Tests shift it to play a node with a wrong clock.
	Clock func() time.Time

	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger

	// tuneCluster, set by tests, adjusts the cluster configuration last (to rejoin fast
	// after a cut, say).
	tuneCluster func(*cluster.Config)
	// WrapTransport, if set, wraps the gossip transport, closest to the network (see
	// cluster.Config.WrapTransport): tests cut links between nodes with it.
	WrapTransport func(memberlist.NodeAwareTransport) memberlist.NodeAwareTransport
	// dialWorkloads, set by tests, opens the liveness probes' connections (to play a
	// machine cut off with the gossip links); nil dials the network.
	dialWorkloads liveness.Dialer
	// removeVolume, set by tests, deletes the volumes of deleted claims in place of podman
	// (which runs them only with RuntimeSystemd).
	removeVolume noderuntime.RemoveVolume
}

// DefaultProbeInterval is the failure detection probe interval, the cluster's own default,
// spelled out so that a command can show it.
const DefaultProbeInterval = time.Second

// DefaultDeadGrace is how long a node that memberlist declared dead must also have its
// workloads silent before its pods move. Memberlist's own suspicion phase (a few probe
// intervals, during which the node can refute) already absorbs short blips, and a crashed
// agent whose pods still answer moves nothing however long it is down, so one probe
// interval of silence (two rounds of probes) is enough.
const DefaultDeadGrace = time.Second

// PodDNSNone as Config.PodDNS leaves the pods with the node's resolvers.
const PodDNSNone = "none"

// DefaultClusterDomain is the domain of the cluster's names, as in Kubernetes.
const DefaultClusterDomain = "cluster.local"

// DefaultPodNetwork is the network of the pods placed by an earlier release, which have no
// pod IP (new pods get pasta with their own pod IP instead, see noderuntime.NodePorts): it
// gives every such pod an address of its own in pasta's network. With podman's
// default pasta network a container takes its node's address, so it cannot reach its own
// node at that address: neither the ports other pods of the node publish there nor the
// node's swarm dns (measured on rootless podman with pasta). With an address of its own it
// reaches its node's address like any other node's. 10.0.2.0/24 is only seen inside the
// pod.
const DefaultPodNetwork = "pasta:-a,10.0.2.100,-n,24,-g,10.0.2.2"

// DefaultConfig is the configuration of a node on this host before any flag: named after
// the host, gossip and API on every address at their default ports, pods run by systemd
// with the default unit folder, cluster domain, pod network and timings. It has no
// StateDir: where a node keeps its state is the caller's choice.
func DefaultConfig() Config {
	hostname, _ := os.Hostname()
	return Config{
		NodeName:      hostname,
		Bind:          net.JoinHostPort("0.0.0.0", strconv.Itoa(cluster.DefaultPort)),
		APIListen:     net.JoinHostPort("0.0.0.0", api.DefaultPort),
		Runtime:       RuntimeSystemd,
		UnitDir:       DefaultUnitDir(),
		ClusterDomain: DefaultClusterDomain,
		PodNetwork:    DefaultPodNetwork,
		DeadGrace:     DefaultDeadGrace,
		ProbeInterval: DefaultProbeInterval,

		ServiceCIDR:          netalloc.DefaultServiceCIDR,
		PodCIDR:              netalloc.DefaultPodCIDR,
		ServiceNodePortRange: netalloc.DefaultServiceNodePortRange,
		NodePortRange:        netalloc.DefaultNodePortRange,
	}
}

// networkSpec is the ranges of c, defaults filled in.
func (c Config) networkSpec() netalloc.Spec {
	s := netalloc.DefaultSpec()
	for _, f := range []struct {
		to   *string
		from string
	}{
		{&s.ServiceCIDR, c.ServiceCIDR}, {&s.PodCIDR, c.PodCIDR},
		{&s.ServiceNodePortRange, c.ServiceNodePortRange}, {&s.NodePortRange, c.NodePortRange},
	} {
		if f.from != "" {
			*f.to = f.from
		}
	}
	return s
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

// probeInterval is the failure detector's probe interval, the cluster's default when unset.
func (c Config) probeInterval() time.Duration {
	if c.ProbeInterval > 0 {
		return c.ProbeInterval
	}
	return DefaultProbeInterval
}

// withDefaults fills the zero fields that have a library default.
func (c Config) withDefaults() Config {
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.DeadGrace <= 0 {
		c.DeadGrace = DefaultDeadGrace
	}
	if c.Runtime == "" {
		c.Runtime = RuntimeSystemd
	}
	if c.UnitDir == "" {
		c.UnitDir = DefaultUnitDir()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

// volumeRemover deletes the volumes of this node's deleted claims: podman's with
// RuntimeSystemd, the tests' when they set one, none otherwise.
func (c Config) volumeRemover() noderuntime.RemoveVolume {
	switch {
	case c.removeVolume != nil:
		return c.removeVolume
	case c.Runtime == RuntimeSystemd:
		return noderuntime.PodmanRemoveVolume
	}
	return nil
}
