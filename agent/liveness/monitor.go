package liveness

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Cluster is what the monitor reads and writes of the cluster.
type Cluster interface {
	Name() string
	IsLeader() bool
	Members() []cluster.Member
	WatchMembers() (<-chan cluster.MemberEvent, func())
	List(prefix string) []cluster.Entry
	Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error)
}

// Config is what a Monitor is made of.
type Config struct {
	Node Cluster
	// Grace is the confirm period: how long a dead member's workloads must stay silent
	// before it is lost.
	Grace time.Duration
	// Interval is the time between two rounds (the failure detector's probe interval);
	// each dial waits half of it.
	Interval time.Duration
	// Dial opens the probes' connections; nil: a net.Dialer's.
	Dial Dialer
	// Now is the clock the membership stamps its changes with; nil: time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Monitor judges the members while its node leads, and keeps the verdicts under node/:
// one record for each member whose agent is down or that is lost, none for the others.
type Monitor struct {
	cfg Config
	log *slog.Logger
	// answered is when each dead member's workloads last answered this leader.
	answered map[string]time.Time
}

// New is the monitor of cfg.Node.
func New(cfg Config) *Monitor {
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{}).DialContext
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Monitor{cfg: cfg, log: cfg.Logger.With("component", "liveness"), answered: map[string]time.Time{}}
}

// Start runs a round every interval, and at once when the membership changes, until ctx
// ends.
func (m *Monitor) Start(ctx context.Context) error {
	events, stop := m.cfg.Node.WatchMembers()
	defer stop()
	tick := time.NewTicker(m.cfg.Interval)
	defer tick.Stop()
	for {
		due := m.round(ctx)
		var soon <-chan time.Time
		var timer *time.Timer
		if !due.IsZero() {
			timer = time.NewTimer(max(due.Sub(m.cfg.Now()), 10*time.Millisecond))
			soon = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-soon:
		case _, ok := <-events:
			if !ok {
				events = nil
			}
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// round judges every member once, if this node leads, and writes the verdicts that
// changed. It returns when the earliest member still AgentDown would be lost if its
// workloads stay silent (zero: none), for a round then.
func (m *Monitor) round(ctx context.Context) (due time.Time) {
	if !m.cfg.Node.IsLeader() {
		// A leader to be starts afresh: what it heard before is stale by then.
		clear(m.answered)
		return time.Time{}
	}
	members := m.cfg.Node.Members()
	if !slices.ContainsFunc(members, func(mem cluster.Member) bool { return mem.State == cluster.StateDead }) &&
		len(m.cfg.Node.List(store.PrefixNode)) == 0 {
		// No one to judge and no verdict to take back: reading the whole store (thousands
		// of pods) every probe interval would be the leader's main cost when idle.
		clear(m.answered)
		return time.Time{}
	}
	st := store.Read(m.cfg.Node, m.log)
	evidence := m.ask(ctx, st, members)
	if ctx.Err() != nil {
		return time.Time{}
	}
	now := m.cfg.Now()
	var changes []cluster.Change
	judged := map[string]bool{}
	for _, mem := range members {
		v := Judge(mem, evidence[mem.Name], now, m.cfg.Grace)
		if v.Status == "" {
			continue
		}
		if at := DueAt(mem, evidence[mem.Name], m.cfg.Grace); v.Status == store.LivenessAgentDown && !at.IsZero() && (due.IsZero() || at.Before(due)) {
			due = at
		}
		old, had := st.Nodes[mem.Name]
		if v.Status == store.LivenessReady {
			// Ready needs no record: the membership says it to every node.
			if had {
				m.logChange(old.Status, store.NodeLiveness{Node: mem.Name, Status: v.Status, Reason: v.Reason})
			}
			continue
		}
		judged[mem.Name] = true
		if had && old.Status == v.Status {
			continue
		}
		rec := store.NodeLiveness{Node: mem.Name, Status: v.Status, Reason: v.Reason, Since: now, Leader: m.cfg.Node.Name()}
		changes = append(changes, cluster.Change{Key: store.NodeKey(mem.Name), Value: store.MustJSON(rec)})
		m.logChange(old.Status, rec)
	}
	// The records of members alive again, gone by their own word, or forgotten.
	for _, name := range slices.Sorted(maps.Keys(st.Nodes)) {
		if !judged[name] {
			changes = append(changes, cluster.Change{Key: store.NodeKey(name), Delete: true})
		}
	}
	for name := range m.answered {
		if !slices.ContainsFunc(members, func(mem cluster.Member) bool { return mem.Name == name && mem.State == cluster.StateDead }) {
			delete(m.answered, name)
		}
	}
	if len(changes) == 0 {
		return due
	}
	if _, err := m.cfg.Node.Write(ctx, changes, cluster.AckOne); err != nil && ctx.Err() == nil {
		// The next round compares with the store again and retries.
		m.log.Debug("write node verdicts", "keys", len(changes), "err", err)
	}
	return due
}

// ask dials the workloads of every dead member at once and returns what each told.
func (m *Monitor) ask(ctx context.Context, st *store.State, members []cluster.Member) map[string]Evidence {
	out := map[string]Evidence{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, mem := range members {
		if mem.State != cluster.StateDead {
			continue
		}
		targets := Targets(st, mem)
		if len(targets) == 0 {
			out[mem.Name] = Evidence{}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := Answered(ctx, m.cfg.Dial, targets, m.cfg.Interval/2)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				m.answered[mem.Name] = m.cfg.Now()
			}
			out[mem.Name] = Evidence{Asked: true, Answered: ok, LastAnswer: m.answered[mem.Name]}
		}()
	}
	wg.Wait()
	return out
}

// logChange logs a verdict that changed, with its reason.
func (m *Monitor) logChange(old store.Liveness, rec store.NodeLiveness) {
	log := m.log.Info
	if rec.Status == store.LivenessLost {
		log = m.log.Warn
	}
	was := string(old)
	if was == "" {
		was = "none"
	}
	log("node "+string(rec.Status), "node", rec.Node, "was", was, "reason", rec.Reason)
}
