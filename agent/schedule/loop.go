// Package schedule is the scheduling loop of a node: whenever the desired state, the pods'
// status or the membership changes (and on a timer), the node that leads plans with the
// scheduler and writes the plan as assignments and pending records. Every node runs the
// loop so that a new leader takes over without a hand-off; only the leader writes, and only
// while more than half of the cluster's known members are alive and answer it (see the
// quorum package): on the small side of a partition it writes nothing.
//
// A majority that answers is not enough: the leader must also hold what that majority
// holds. A node that did not lead, or led without a quorum, may lack what the leader of the
// other side wrote meanwhile (its ClusterIPs, node ports, pod IPs, assignments), and when a
// partition heals in stages it can lead again, its pings answered, before gossip, the
// periodic fetch or a push/pull has brought those writes; a plan made then hands out again
// what the others gave. So after this node did not lead, found no quorum, or saw a member
// come back (listed alive, not at the look before), it catches up with the members that
// answer its pings (cluster.Node.CatchUp: it fetches the entries of the digest buckets that
// differ, and returns once they are merged) at its next plan: at once when the plan has
// nothing to write, so that the next write does not wait for it, and otherwise before
// writing, the plan dropped and made again from its store only when those that answered
// whole make a majority with it; else it writes nothing and tries again a probe interval
// later. Any two majorities share a member, so the store then holds every write
// that reached a majority. Between such changes the leader plans as before, with no
// catch-up and no comparison of digests, which the status records that change all the
// time would rarely let agree.
package schedule

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/quorum"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/debounce"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// Cluster is what the loop reads and writes of the cluster.
type Cluster interface {
	WatchKeys(prefix string) (<-chan string, func())
	WatchMembers() (<-chan cluster.MemberEvent, func())
	IsLeader() bool
	Name() string
	Members() []cluster.Member
	Removals() []cluster.Removal
	Ping(ctx context.Context, name string) error
	List(prefix string) []cluster.Entry
	Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error)
	CatchUp(ctx context.Context, name string) error
}

const (
	// resync bounds how long the scheduler waits when nothing happens.
	resync = 5 * time.Second
	// settle lets a burst of changes (an apply of many objects) settle into one plan.
	settle = 20 * time.Millisecond
)

// Loop plans for the cluster while its node leads.
type Loop struct {
	node      Cluster
	deadGrace time.Duration
	probe     time.Duration // the failure detector's probe interval
	roster    *quorum.Roster
	now       func() time.Time // the clock the members' Since is read on
	log       *slog.Logger
	writes    outcome // of the last plan's writes
	noQuorum  bool    // the last plan was refused for want of a quorum, and said so
	ranges    netalloc.Ranges
	recorder  Recorder
	problems  map[string]string // Service key -> the allocation problem last recorded for it
	differs   bool              // this node's ranges differ from the cluster's, and it said so
	// behind: the store may lack what a majority of the members hold (this node did not
	// lead, had no quorum, or a member came back since it last caught up), so the next
	// plan that writes anything waits until it has caught up (see catchUp).
	behind  bool
	lagging bool            // the last catch-up fell short of a majority, and it said so
	alive   map[string]bool // the members listed alive at the last look
	// settled: the last plan led, reached a majority, was caught up, had nothing to
	// write and nothing due later, so until a store or membership change the next one
	// would find the same.
	settled bool
	// silent holds when each member whose pods may be about to move last did not answer
	// a ping ahead of the move (see pingAhead).
	silent map[string]time.Time
	// rollbackOnFailure rolls back the Deployments whose rollout exceeded its progress
	// deadline, unless their annotation says otherwise (see rollbackTarget).
	rollbackOnFailure bool
	// deadline is the earliest progress deadline of a rollout still running at the last
	// plan, or the earliest time a Job or CronJob waits for: a settled loop plans again
	// once it has passed.
	deadline time.Time
	// jobs is what the Job and CronJob controllers decided for the plan being made.
	jobs jobPlan
}

// SetRollbackOnFailure turns the automatic rollback of failed rollouts on for the
// Deployments that do not say otherwise. Call it before Start.
func (a *Loop) SetRollbackOnFailure(on bool) { a.rollbackOnFailure = on }

// Recorder records an event about an object (agent/events.Recorder).
type Recorder interface {
	Event(obj corev1.ObjectReference, eventType, reason, message string)
}

// SetNetwork sets the ranges this node allocates from until the cluster's own record
// (settings/network) has reached it, and where the events about Services whose request
// cannot be honoured go (nil: only logged). Call it before Start.
func (a *Loop) SetNetwork(r netalloc.Ranges, rec Recorder) {
	a.ranges = r
	a.recorder = rec
}

// New is the scheduling loop of node; deadGrace is how long a dead node keeps its pods,
// measured on now, the clock the cluster node stamps member changes with (nil: time.Now).
// roster keeps the known members the quorum is counted on; probe is the failure
// detector's probe interval, which paces the pings that confirm the quorum.
func New(node Cluster, deadGrace, probe time.Duration, roster *quorum.Roster, now func() time.Time, log *slog.Logger) *Loop {
	if now == nil {
		now = time.Now
	}
	return &Loop{node: node, deadGrace: deadGrace, probe: probe, roster: roster, now: now, log: log.With("component", "schedule"),
		ranges: netalloc.DefaultRanges(), problems: map[string]string{}, behind: true, silent: map[string]time.Time{}}
}

// Start runs the loop until ctx ends: one plan per burst of changes, and one at least
// every resync (sooner when the last plan asked to look again earlier).
func (a *Loop) Start(ctx context.Context) error {
	keys, stopKeys := a.node.WatchKeys("")
	defer stopKeys()
	events, stopEvents := a.node.WatchMembers()
	defer stopEvents()
	changes := make(chan struct{}, 1)
	relayed := make(chan struct{})
	go func() {
		defer close(relayed)
		relay(ctx, changes, keys, events)
	}()
	defer func() { <-relayed }() // Start returns only once ctx ended, which ends the relay
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-changes:
			a.settled = false
		case <-timer.C:
			if a.settled && (a.deadline.IsZero() || a.now().Before(a.deadline)) {
				// Nothing changed since a plan that had nothing to do, and nothing is
				// due: the same plan again would read the whole store (thousands of
				// pods) for nothing, every resync, on the node that leads.
				timer.Reset(resync)
				continue
			}
		}
		if !debounce.Settle(ctx, changes, settle) {
			return nil
		}
		timer.Reset(a.scheduleOnce(ctx))
	}
}

// relay turns every store change and membership event into one pending trigger on out,
// until ctx ends or both sources close: the loop rereads the whole state anyway, so
// triggers that arrive while one waits add nothing.
func relay(ctx context.Context, out chan<- struct{}, keys <-chan string, events <-chan cluster.MemberEvent) {
	for keys != nil || events != nil {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-keys:
			if !ok {
				keys = nil
				continue
			}
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
		}
		select {
		case out <- struct{}{}:
		default:
		}
	}
}

// scheduleOnce plans once if this node leads, writes the plan, and says when to look again.
//
// A plan that would write anything is made twice: first from the membership, then, once
// the members it lists alive (and the dead ones it takes pods from) have been pinged, with the
// alive ones that did not answer and the dead ones that did counted as suspect (see
// byReach). The membership keeps a member alive until failure detection has run its
// course, which on the small side of a partition can take longer than the dead-node
// grace, and dead until it has rejoined, which after a partition can take a while; the
// pings see both at once.
func (a *Loop) scheduleOnce(ctx context.Context) time.Duration {
	return a.plan(ctx, nil)
}

// plan is one round of scheduleOnce. A plan that would write while the store may be
// behind (see catchUp) is made again once caught up, in a second round that does not
// catch up again (if the membership changed once more meanwhile, the next round does) and
// pings only the members the first round did not: pinged holds the first round's answers,
// nil in the first round.
func (a *Loop) plan(ctx context.Context, pinged map[string]bool) time.Duration {
	a.settled = false
	now := a.now()
	members := a.node.Members()
	removed := quorum.Removed(a.node.Removals())
	// Every node keeps its roster, so that whichever leads after a restart counts right.
	known := a.roster.Observe(members, removed, now)
	alive, back := cameBack(a.alive, members)
	a.alive = alive
	if back {
		a.behind = true
	}
	if !a.node.IsLeader() {
		a.writes.set(WriteOutcome{})
		a.noQuorum = false
		a.behind, a.lagging = true, false
		return resync
	}
	st := store.Read(a.node, a.log)
	in := schedulingInput(st, members, removed, now, a.deadGrace, rand.Uint64())
	a.jobs = a.planJobs(st, now)
	in.Pods = append(in.Pods, a.jobs.pods...)
	in.Known = known
	in.Nodes = withLiveness(in.Nodes, st.Nodes)
	r := a.clusterRanges(st)
	// The Services' allocations are planned with the pods and written in the same atomic
	// write, under the same quorum: a leader without a majority allocates nothing either.
	alloc := netalloc.PlanServices(r, serviceRequests(st), st.Allocations)
	out := givePodIPs(st, scheduler.Plan(in), r.PodCIDR)
	changes, rollouts := a.changes(st, out, alloc, now)
	var reached map[string]bool
	if out.NoQuorum == "" && len(changes) == 0 {
		a.pingAhead(ctx, in.Nodes)
	}
	if out.NoQuorum == "" && len(changes) > 0 {
		known := a.recentlySilent(in.Nodes)
		maps.Copy(known, pinged)
		reached = a.reach(ctx, pingTargets(in, out, a.node.Name()), known)
		in.Nodes = byReach(in.Nodes, a.node.Name(), reached)
		out = givePodIPs(st, scheduler.Plan(in), r.PodCIDR)
		changes, rollouts = a.changes(st, out, alloc, now)
	}
	if out.NoQuorum != "" {
		a.behind = true
		if !a.noQuorum {
			a.log.Warn("not scheduling: this node leads but does not reach a majority of the cluster's members, so it writes no assignment until it does",
				"why", out.NoQuorum)
			a.noQuorum = true
		}
		return a.probe
	}
	if a.noQuorum {
		a.log.Info("scheduling again: a majority of the cluster's members is alive")
		a.noQuorum = false
	}
	if len(changes) == 0 && a.behind {
		// Nothing to write, but the store may lack what the others wrote while this node
		// did not lead or a member was away: catch up now, so that the next plan that
		// writes (an apply, the pods of a node that dies) does not wait for it.
		a.catchUp(ctx, known, members, a.reach(ctx, pingTargets(in, out, a.node.Name()), nil))
	}
	if len(changes) > 0 && a.behind {
		// The plan was made from a store that may lack what the others wrote while this
		// node did not lead or reach them: it is dropped, and made again from the store
		// once caught up.
		if pinged != nil || !a.catchUp(ctx, known, members, reached) {
			return a.probe
		}
		return a.plan(ctx, reached)
	}
	written := a.write(ctx, changes)
	a.writes.set(written)
	if written.Err == nil {
		a.report(alloc)
	}
	for _, w := range alloc.Write {
		a.log.Info("service allocated", "service", w.Key, "clusterIP", w.Allocation.ClusterIP, "nodePorts", len(w.Allocation.Ports))
	}
	for _, c := range out.Create {
		a.log.Info("pod assigned", "pod", c.Pod.Key(), "to", c.Node)
	}
	for _, d := range out.Delete {
		a.log.Info("pod removed", "pod", d.Pod.Key(), "from", d.Node, "reason", d.Reason)
	}
	for _, key := range sortedKeys(out.Bind) {
		a.log.Info("claim bound", "claim", key, "node", out.Bind[key])
	}
	for _, key := range out.Unused {
		a.log.Info("claim deleted: no pod uses it any more", "claim", key)
	}
	if written.Err == nil {
		a.reportRollbacks(rollouts.rollbacks)
		a.reportJobs(a.jobs.events)
	}
	if written.Err == nil && len(rollouts.rollbacks) == 0 {
		a.reportStatefulSets(st, out) // a plan that rolls back writes no pod
	}
	a.settled = len(changes) == 0 && out.RecheckAt.IsZero() && !a.behind
	// A progress deadline is further off than a resync as a rule: it leaves the loop
	// settled, but wakes it when it comes due.
	a.deadline = earliestTime(rollouts.recheckAt, a.jobs.recheckAt)
	next := resync
	for _, at := range []time.Time{out.RecheckAt, rollouts.recheckAt, a.jobs.recheckAt} {
		if !at.IsZero() {
			if d := at.Sub(now); d < next {
				next = max(d, 10*time.Millisecond)
			}
		}
	}
	return next
}

// changes are the store writes of one plan: the pods' assignments and pending records,
// the Services' allocations, and the Deployments' rollout records. A plan that rolls a
// Deployment back writes that alone: the pods are then planned for the template put
// back, by the plan its write triggers.
func (a *Loop) changes(st *store.State, out scheduler.Output, alloc netalloc.ServicePlan, now time.Time) ([]change, rolloutPlan) {
	var rollouts rolloutPlan
	if out.NoQuorum == "" {
		var err error
		if rollouts, err = planRollouts(st, out, now, a.rollbackOnFailure, a.live); err != nil {
			a.log.Warn("plan the rollouts", "err", err)
		}
	}
	if len(rollouts.rollbacks) > 0 {
		return a.withNetwork(st, rollouts.changes), rollouts
	}
	namespaces, err := namespaceChanges(st, now, a.live)
	if err != nil {
		a.log.Warn("plan the deletion of namespaces", "err", err)
	}
	a.logNamespaceDeletes(namespaces)
	return a.withNetwork(st, slices.Concat(planChanges(st, out, alloc, now), rollouts.changes, a.jobs.changes, namespaces)), rollouts
}

// live is the stored entry of key.
func (a *Loop) live(key string) (cluster.Entry, bool) {
	for _, e := range a.node.List(key) {
		if e.Key == key {
			return e, true
		}
	}
	return cluster.Entry{}, false
}

// reportRollbacks logs each rollback written and records its event, as Kubernetes does.
func (a *Loop) reportRollbacks(done []rollbackDone) {
	for _, r := range done {
		msg := rollbackMessage(r.name, r.ToRevision)
		a.log.Warn("deployment rolled back: its rollout exceeded its progress deadline", "deployment", r.namespace+"/"+r.name,
			"fromRevision", r.FromRevision, "toRevision", r.ToRevision)
		if a.recorder != nil {
			a.recorder.Event(corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: r.namespace, Name: r.name},
				corev1.EventTypeNormal, "DeploymentRollback", msg)
		}
	}
}

// reach pings the targets that pinged does not hold the answer of, and returns the answer
// of every target: true for those that answered.
func (a *Loop) reach(ctx context.Context, targets []string, pinged map[string]bool) map[string]bool {
	var ask []string
	for _, name := range targets {
		if _, ok := pinged[name]; !ok {
			ask = append(ask, name)
		}
	}
	answered := quorum.Reach(ctx, a.node, ask, quorum.PingTimeout(a.probe))
	out := make(map[string]bool, len(targets))
	for _, name := range targets {
		if was, ok := pinged[name]; ok {
			out[name] = was
		} else {
			out[name] = answered[name]
		}
	}
	return out
}

// write stores a plan's changes in one atomic write sent straight to every member, so that
// no node misses an assignment that gossip, which picks its receivers at random, may not
// bring it until the next push/pull. It reports the keys that failed: all of them or none.
// A write stored here that no other member confirmed in time stands, and spreads as usual.
func (a *Loop) write(ctx context.Context, changes []change) WriteOutcome {
	changes = oncePerKey(changes)
	if len(changes) == 0 {
		return WriteOutcome{}
	}
	writes := make([]cluster.Change, len(changes))
	for i, c := range changes {
		writes[i] = cluster.Change{Key: c.key, Value: c.value, Delete: c.delete}
		if c.delete {
			a.log.Debug("unassign", "key", c.key)
		}
	}
	deleted := a.objectsDeleted(changes)
	v, err := a.node.Write(ctx, writes, cluster.AckOne)
	if err == nil || errors.Is(err, cluster.ErrNotConfirmed) {
		a.recordDeletions(ctx, v, deleted)
	}
	switch {
	case err == nil:
		return WriteOutcome{}
	case errors.Is(err, cluster.ErrNotConfirmed):
		a.log.Debug("schedule stored here, not yet confirmed by another member", "err", err)
		return WriteOutcome{}
	}
	var out WriteOutcome
	for _, c := range changes {
		// The network record, the rollout records and the DaemonSets' status ride along
		// with a plan; they are no object anyone waits for.
		if c.key != store.KeyNetworkSettings && !strings.HasPrefix(c.key, store.PrefixRollout) &&
			!strings.HasPrefix(c.key, store.PrefixDaemonSetStatus) {
			out.Failed = append(out.Failed, c.key)
		}
	}
	out.Err = err
	a.log.Warn("write schedule", "keys", len(changes), "err", err)
	return out
}

// report records a Warning event on each Service whose request the plan could not honour,
// once per distinct problem: the plan is made again every few seconds and would otherwise
// count the same event up each time.
func (a *Loop) report(plan netalloc.ServicePlan) {
	now := map[string]string{}
	for _, p := range plan.Problems {
		msg := p.Field + ": " + p.Message
		now[p.Key] = msg
		if a.problems[p.Key] == msg {
			continue
		}
		a.log.Warn("service not allocated", "service", p.Key, "why", msg)
		if a.recorder != nil {
			ns, name, _ := strings.Cut(p.Key, "/")
			a.recorder.Event(corev1.ObjectReference{Kind: "Service", APIVersion: "v1", Namespace: ns, Name: name},
				corev1.EventTypeWarning, "AllocationFailed", msg)
		}
	}
	a.problems = now
}

// clusterRanges are the ranges the cluster allocates from: its record, else this node's
// own. A node whose own differ from the record says so once.
func (a *Loop) clusterRanges(st *store.State) netalloc.Ranges {
	r := store.Ranges(st.Network, a.ranges)
	if differs := r != a.ranges; differs != a.differs {
		a.differs = differs
		if differs {
			a.log.Warn("this node's network flags differ from the cluster's; using the cluster's (the ranges are cluster-wide, set by the node that founded it)",
				"cluster", r.Spec(), "flags", a.ranges.Spec())
		}
	}
	return r
}

// withNetwork adds the cluster's ranges to a plan's first write when the store has no
// record of them yet: the leader of a new cluster is its founding node, whose ranges thus
// become the cluster's, written under the same quorum as everything it allocates from
// them. A cluster with nothing to plan holds no record yet.
func (a *Loop) withNetwork(st *store.State, changes []change) []change {
	if st.Network != nil || len(changes) == 0 {
		return changes
	}
	return append(changes, change{key: store.KeyNetworkSettings, value: store.MustJSON(a.ranges.Spec())})
}
