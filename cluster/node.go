package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// ErrClosed is returned by writes to a node that was shut down.
var ErrClosed = errors.New("cluster node is shut down")

// Node is this process's membership in the cluster and its replica of the
// store. All methods are safe for concurrent use.
type Node struct {
	cfg     Config
	log     *slog.Logger
	ml      atomic.Pointer[memberlist.Memberlist]
	keys    *keyring
	addr    string // gossip address, fixed once memberlist runs
	started time.Time
	seeds   []string // remembered peers and Config.Join, dialled when alone

	metaMu   sync.Mutex // guards userMeta and the encoding of meta
	userMeta map[string]string
	meta     atomic.Pointer[[]byte]
	rank     atomic.Uint64 // place in the order of succession; 0 until taken
	leading  atomic.Bool   // this node leads in its own view, as gossiped
	announce chan struct{} // wakes the announce loop
	skew     skewTracker

	clock    lamportClock
	mu       sync.RWMutex // guards entries, reserved and closed
	entries  map[string]Entry
	reserved int // bytes of local writes waiting for the log
	closed   bool

	wal       *wal
	commits   *commitQueue
	frame     []byte     // the commit loop's frame buffer
	compactAt int64      // log size at which the commit loop compacts
	snapMu    sync.Mutex // one write of the store file at a time
	disk      diskHealth
	acks      waiters[peerAnswer]
	links     peerLinks
	digest    digestCache
	fetches   fetcher
	awaited   awaited // large writes announced to this node and not yet arrived
	inbound   *inboundStreams
	fetchWait waiters[fetchChunk]

	queue     *memberlist.TransmitLimitedQueue
	members   *memberTable
	keyHub    hub[string]
	memberHub hub[MemberEvent]
	leader    atomic.Value // string: last leader logged

	rotateMu  sync.Mutex
	rotations waiters[keyResponse]

	storeDirty atomic.Bool
	peersDirty atomic.Bool
	dirty      chan struct{}

	stop         chan struct{}
	wg           sync.WaitGroup
	shutdownOnce sync.Once
	shutdownErr  error
}

// Start runs a node. Without Config.Join and without a keyring in StateDir it
// founds a cluster with a new join token, unless StateDir holds a store: then
// it needs Config.ForceNewCluster, else it returns a
// *StoreWithoutKeyringError. Otherwise it joins: a new node must reach a
// member and present a valid token, or Start fails; a node that was a member
// before starts even when no peer answers, and keeps dialling them in the
// background (the whole cluster may be restarting). A store file that cannot
// be read is a *DamagedStoreError, which Config.Resync repairs. ctx bounds
// the initial join only; the node runs until Shutdown.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("start cluster node: %w", err)
	}
	log := cfg.Logger.With("component", "cluster", "node", cfg.NodeName)
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state folder: %w", err)
	}
	if err := removeStaleTemps(cfg.StateDir); err != nil {
		return nil, err
	}
	st, err := loadStartState(cfg, log)
	if err != nil {
		return nil, err
	}
	keys, err := newKeyring(cfg.StateDir, st.tokens)
	if err != nil {
		return nil, err
	}

	n := &Node{
		cfg:      cfg,
		log:      log,
		keys:     keys,
		started:  cfg.Clock(),
		seeds:    dedupe(append(slices.Clone(cfg.Join), st.peers...)),
		announce: make(chan struct{}, 1),
		entries:  make(map[string]Entry, len(st.entries)),
		dirty:    make(chan struct{}, 1),
		stop:     make(chan struct{}),
	}
	n.restore(st.clock, st.entries)
	if st.founding {
		n.rank.Store(n.clock.Increment())
	} else {
		n.rank.Store(st.rank)
	}
	n.members = newMemberTable(n.memberChanged)
	n.members.now = cfg.Clock
	if err := n.setMeta(cfg.Meta); err != nil {
		return nil, fmt.Errorf("start cluster node: %w", err)
	}

	mc := cfg.memberlistConfig()
	mc.Logger = newMemberlistLogger(cfg.Logger)
	mc.Keyring = keys.ml
	mc.Delegate = &delegate{n: n}
	mc.Events = &events{n: n}
	mc.Ping = &pings{n: n}
	mc.Alive, mc.Merge = &admission{n: n}, &admission{n: n}
	n.queue = &memberlist.TransmitLimitedQueue{
		NumNodes:       n.members.aliveCount,
		RetransmitMult: mc.RetransmitMult,
	}
	nt, inbound, err := listen(cfg, mc)
	if err != nil {
		return nil, err
	}
	n.inbound = inbound
	if err := n.startLog(); err != nil {
		_ = nt.Shutdown()
		return nil, err
	}
	ml, err := memberlist.Create(mc)
	if err != nil {
		_ = nt.Shutdown()
		n.stopLog()
		return nil, fmt.Errorf("start memberlist: %w", err)
	}
	n.ml.Store(ml)
	// Read once: memberlist rewrites its own node's record, without a lock
	// its readers could take, whenever the metadata is gossiped again.
	n.addr = ml.LocalNode().Address()

	if st.founding {
		log.Info("founding a new cluster", "addr", n.Addr())
		if len(st.entries) > 0 {
			log.Warn("founding a new cluster with the store of another (ForceNewCluster)", "entries", len(st.entries))
		}
	}
	if err := n.joinAtStart(ctx, st.wasMember && !cfg.Resync, st.fallback); err != nil {
		_ = ml.Shutdown()
		if cfg.Resync {
			return nil, fmt.Errorf("resync: the state could not be fetched, and %s was left as it was: start again once a member answers: %w",
				filepath.Join(cfg.StateDir, storeFile), err)
		}
		return nil, err
	}
	if err := n.settleRank(st.founding); err != nil {
		_ = ml.Shutdown()
		n.stopLog()
		return nil, err
	}
	if cfg.Resync {
		if err := n.setStoreAside(); err != nil {
			_ = ml.Shutdown()
			return nil, err
		}
	}
	// Saved only now, so that a refused joiner leaves no keyring behind.
	if err := keys.save(); err != nil {
		_ = ml.Shutdown()
		n.stopLog()
		return nil, err
	}

	n.wg.Add(4)
	go n.persistLoop()
	go n.reconnectLoop()
	go n.collectLoop()
	go n.announceLoop()
	return n, nil
}

// now reads the wall clock, Config.Clock.
func (n *Node) now() time.Time { return n.cfg.Clock() }

// listen opens the gossip sockets. It builds memberlist's own transport so
// that the port the system picked is known before memberlist starts, and
// Config.WrapTransport can wrap it; the transport memberlist uses counts the
// inbound streams on top.
func listen(cfg Config, mc *memberlist.Config) (*memberlist.NetTransport, *inboundStreams, error) {
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{cfg.BindAddr},
		BindPort:  cfg.BindPort,
		Logger:    mc.Logger,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("listen for gossip on %s: %w", net.JoinHostPort(cfg.BindAddr, strconv.Itoa(cfg.BindPort)), err)
	}
	mc.BindPort = nt.GetAutoBindPort()
	if mc.AdvertisePort == 0 {
		mc.AdvertisePort = mc.BindPort
	}
	var t memberlist.NodeAwareTransport = nt
	if cfg.WrapTransport != nil {
		t = cfg.WrapTransport(nt)
	}
	inbound := countInbound(t)
	mc.Transport = inbound
	return nt, inbound, nil
}

// restore loads the persisted store and moves the clock past every time in
// it, so new writes are ordered after the old ones. Entries of a store
// written before receipt times were kept count as received now, which keeps
// their tombstones a full Config.TombstoneTTL longer.
func (n *Node) restore(clock uint64, entries []Entry) {
	n.clock.Witness(clock)
	now := n.now()
	for i, e := range entries {
		n.clock.Witness(e.Version.Time)
		if e.Received.IsZero() {
			entries[i].Received = now
		}
	}
	mergeEntries(n.entries, entries)
	n.markDigestDirty()
}

// Leave tells the cluster that this node is leaving on purpose, so that its
// departure is reported as a leave and not a failure, and waits up to timeout
// for that to spread. Call Shutdown afterwards.
func (n *Node) Leave(timeout time.Duration) error {
	if n.isClosed() {
		return fmt.Errorf("leave cluster: %w", ErrClosed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Errors are already logged; memberlist's leave still follows.
	_ = n.sendToAll(ctx, encodeLeaveMsg(n.cfg.NodeName))
	if err := n.ml.Load().Leave(timeout); err != nil {
		return fmt.Errorf("leave cluster: %w", err)
	}
	n.log.Info("left the cluster")
	return nil
}

// Shutdown stops the node without saying goodbye (others will declare it
// failed), folds the store's log into the store file and closes every watch
// channel.
// It is safe to call more than once.
func (n *Node) Shutdown() error {
	n.shutdownOnce.Do(func() {
		n.mu.Lock()
		n.closed = true
		n.mu.Unlock()
		var errs []error
		if err := n.ml.Load().Shutdown(); err != nil {
			errs = append(errs, fmt.Errorf("stop memberlist: %w", err))
		}
		close(n.stop)
		n.wg.Wait()
		if err := n.closeLog(); err != nil {
			errs = append(errs, err)
		}
		if err := n.persist(); err != nil {
			errs = append(errs, err)
		}
		n.keyHub.close()
		n.memberHub.close()
		n.shutdownErr = errors.Join(errs...)
	})
	return n.shutdownErr
}

func (n *Node) isClosed() bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.closed
}

// Name returns this node's name.
func (n *Node) Name() string { return n.cfg.NodeName }

// Addr returns the gossip address other nodes reach this one at, host:port,
// the form that Config.Join takes.
func (n *Node) Addr() string {
	return n.addr
}

// JoinToken returns the token that admits a new node to the cluster.
func (n *Node) JoinToken() string {
	return n.keys.primary()
}

// SetMeta replaces the metadata this node gossips and waits until it has
// been sent to at least one member.
func (n *Node) SetMeta(meta map[string]string) error {
	if n.isClosed() {
		return fmt.Errorf("set node metadata: %w", ErrClosed)
	}
	if err := n.setMeta(meta); err != nil {
		return fmt.Errorf("set node metadata: %w", err)
	}
	if err := n.ml.Load().UpdateNode(n.cfg.StreamTimeout); err != nil {
		return fmt.Errorf("announce node metadata: %w", err)
	}
	return nil
}

// sendToAll sends msg over TCP to every other alive member, in parallel,
// and returns the failures.
func (n *Node) sendToAll(ctx context.Context, msg []byte) error {
	ml := n.ml.Load()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for _, m := range n.alivePeers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ml.SendReliable(m, msg); err != nil {
				n.log.Warn("send to member failed", "member", m.Name, "err", err)
				mu.Lock()
				errs = append(errs, fmt.Errorf("send to %s: %w", m.Name, err))
				mu.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return errors.Join(errs...)
}

func dedupe(addrs []string) []string {
	slices.Sort(addrs)
	return slices.Compact(addrs)
}
