package cluster

import (
	"errors"
	"log/slog"
	"time"

	"github.com/hashicorp/memberlist"
)

// DefaultPort is the usual gossip port (TCP and UDP), the same as Serf's.
const DefaultPort = 7946

// Config describes one node. Zero durations take the defaults documented on
// each field, which suit a LAN.
type Config struct {
	// NodeName must be unique in the cluster and stable across restarts.
	NodeName string

	// BindAddr and BindPort are where gossip listens, TCP and UDP. An empty
	// BindAddr means all addresses; BindPort 0 lets the system pick a free
	// port (tests), which a restarted node would not find again: agents pass
	// DefaultPort or their own.
	BindAddr string
	BindPort int

	// AdvertiseAddr and AdvertisePort are what other nodes dial, when they
	// differ from the bind address (NAT, or BindAddr 0.0.0.0 on a host with
	// several addresses).
	AdvertiseAddr string
	AdvertisePort int

	// Join lists host:port of members to join. Empty on the first node, which
	// founds the cluster. A node that was a member before also finds its
	// remembered peers without it.
	Join []string

	// JoinToken admits the node to the cluster it joins (read it with
	// Node.JoinToken on any member). It is ignored once the node holds a
	// keyring of its own, except when that keyring is refused, which happens
	// when the token was rotated while the node was away.
	JoinToken string

	// StateDir keeps the keyring, the store and the known peers. Required.
	StateDir string

	// ForceNewCluster lets a node that holds a store but no keyring found a
	// new cluster with that store and a new join token. Without it such a
	// node refuses to start unless it joins (Join and JoinToken), since
	// founding would silently split it from the cluster it belonged to. It is
	// ignored by a node that has a keyring.
	ForceNewCluster bool

	// Resync starts the node with an empty store and fetches the whole state
	// from a member, which repairs a damaged store file: once the state is
	// fetched, the old file is kept beside the new one under a name with the
	// time. The node needs a member to fetch from (Join or the remembered
	// peers) and its keyring or JoinToken; Start fails, leaving the old file
	// in place, when no member answers.
	Resync bool

	// Meta is gossiped as this node's metadata: labels, the API address.
	// Encoded, it must fit in memberlist's 512 bytes.
	Meta map[string]string

	// ProbeInterval (default 1s) and ProbeTimeout (default 500ms) set how
	// fast failures are detected; a node is declared dead a few probe
	// intervals after it stops answering.
	ProbeInterval time.Duration
	ProbeTimeout  time.Duration
	// GossipInterval (default 200ms) is how often queued updates are sent.
	GossipInterval time.Duration
	// PushPullInterval (default 30s) is how often a node exchanges its whole
	// state with a random member, which repairs whatever gossip missed.
	PushPullInterval time.Duration
	// StreamTimeout (default 10s) bounds TCP exchanges: joins, push/pull,
	// large values.
	StreamTimeout time.Duration
	// AckTimeout (default 5s) is how long Write waits for other members to
	// confirm that they wrote a change to disk.
	AckTimeout time.Duration

	// TombstoneTTL (default 24h) is how long a deleted key is remembered,
	// counted on each node's own clock from when the delete was made (see
	// Entry.Received). A node cut off for longer can bring a deleted key back
	// when it returns.
	TombstoneTTL time.Duration
	// ReconnectInterval (default 10s) is how often failed members, and the
	// remembered peers of a node that is alone, are dialled again, which
	// heals partitions and whole-cluster restarts.
	ReconnectInterval time.Duration
	// ReconnectTimeout (default 72h) is how long a failed member is retried
	// and listed by Members before it is forgotten.
	ReconnectTimeout time.Duration

	// OnReplace, if set, is called whenever an entry takes the place of another on this
	// node: a local write (Put or Delete) over the key's previous entry, or a newer version
	// merged from another node. old is what the node held until then, new what it holds
	// now; neither may be modified. It is not called for a key the node did not hold, nor
	// while the store is read back from disk at start. It runs on the path that applied the
	// change (a writer, or memberlist's receive loop), after the store's lock is released
	// and before watchers hear of the key: it must return quickly and not write to the
	// store itself.
	OnReplace func(old, new Entry)

	// Logger receives the node's logs and memberlist's; nil discards them.
	Logger *slog.Logger

	// Clock returns the wall time wherever the node reads it; nil means
	// time.Now. No decision compares it with another node's: it measures how
	// long this node has held an entry, stamps local writes for people to
	// read, and is sent in probe answers to warn about skew. Tests shift it
	// to play a node whose clock is wrong; memberlist's own timers are not
	// affected.
	Clock func() time.Time

	// WrapTransport, if set, wraps the network transport. Tests use it to
	// capture or drop traffic.
	WrapTransport func(memberlist.NodeAwareTransport) memberlist.NodeAwareTransport
}

// persistDelay lets a burst of membership changes, or of collected
// tombstones, reach the disk in one write. Writes to the store do not wait
// for it: they are in the log before they return.
const persistDelay = 100 * time.Millisecond

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ProbeInterval, time.Second)
	def(&c.ProbeTimeout, 500*time.Millisecond)
	def(&c.GossipInterval, 200*time.Millisecond)
	def(&c.PushPullInterval, 30*time.Second)
	def(&c.StreamTimeout, 10*time.Second)
	def(&c.AckTimeout, 5*time.Second)
	def(&c.TombstoneTTL, 24*time.Hour)
	def(&c.ReconnectInterval, 10*time.Second)
	def(&c.ReconnectTimeout, 72*time.Hour)
	if c.BindAddr == "" {
		c.BindAddr = "0.0.0.0"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.NodeName == "" {
		errs = append(errs, errors.New("NodeName is empty"))
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("StateDir is empty"))
	}
	if c.BindPort < 0 || c.BindPort > 65535 {
		errs = append(errs, errors.New("BindPort is out of range"))
	}
	if c.ForceNewCluster && len(c.Join) > 0 {
		errs = append(errs, errors.New("ForceNewCluster founds a new cluster and Join joins an existing one: set only one of them"))
	}
	if c.ForceNewCluster && c.Resync {
		errs = append(errs, errors.New("ForceNewCluster founds a new cluster and Resync fetches the state of an existing one: set only one of them"))
	}
	return errors.Join(errs...)
}

// memberlistConfig maps our configuration onto memberlist's, starting from
// its LAN defaults. Encryption is mandatory both ways: a packet that is not
// sealed with one of our keys is dropped, and we never send in the clear.
func (c Config) memberlistConfig() *memberlist.Config {
	mc := memberlist.DefaultLANConfig()
	mc.Name = c.NodeName
	mc.BindAddr = c.BindAddr
	mc.BindPort = c.BindPort
	mc.AdvertiseAddr = c.AdvertiseAddr
	mc.AdvertisePort = c.AdvertisePort
	mc.ProbeInterval = c.ProbeInterval
	mc.ProbeTimeout = c.ProbeTimeout
	mc.GossipInterval = c.GossipInterval
	mc.PushPullInterval = c.PushPullInterval
	mc.TCPTimeout = c.StreamTimeout
	// A suspect member is declared dead after SuspicionMult x log10(members) probe
	// intervals (at least SuspicionMult): 3 rather than memberlist's 4 takes a dead
	// machine's pods elsewhere about 1 s sooner at 5 nodes and 1.7 s sooner at 50. A
	// member declared dead too soon costs little: its pods move only once its workloads
	// stop answering too (agent/liveness), and it refutes and rejoins.
	mc.SuspicionMult = 3
	mc.GossipVerifyIncoming = true
	mc.GossipVerifyOutgoing = true
	// Compression is off: compressed-then-encrypted messages let their sizes
	// hint at their content, and what we send is small.
	mc.EnableCompression = false
	// A node whose address changed (DHCP) may take its name back once its old
	// self has been dead this long.
	mc.DeadNodeReclaimTime = 30 * time.Second
	return mc
}
