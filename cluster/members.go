package cluster

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// MemberState is what this node believes about a member.
type MemberState int

const (
	// StateAlive: the member answers probes (memberlist may briefly suspect
	// it without telling us; it stays alive here until declared dead).
	StateAlive MemberState = iota
	// StateDead: the member stopped answering and was declared failed.
	StateDead
	// StateLeft: the member left on purpose (Leave).
	StateLeft
)

func (s MemberState) String() string {
	switch s {
	case StateAlive:
		return "alive"
	case StateDead:
		return "dead"
	case StateLeft:
		return "left"
	default:
		return "MemberState(" + strconv.Itoa(int(s)) + ")"
	}
}

// Member is one node of the cluster as this node sees it.
type Member struct {
	Name    string
	Addr    string            // gossip address, host:port
	Meta    map[string]string // the member's Config.Meta
	Started time.Time         // when the member started, on its own clock: for people to read
	// Rank is the member's place in the order of succession, taken from the
	// cluster's Lamport clock when it joined: the alive member with the
	// lowest rank leads. 0 while it has none yet (a node still joining, or
	// one whose metadata cannot be read): such a member leads only when no
	// ranked member is alive.
	Rank  uint64
	State MemberState
	Since time.Time // when this node saw the member enter State, on this node's clock

	leading  bool  // the member leads in its own view
	fetches  bool  // the member repairs its store by fetches (nodeMeta.Fetches)
	exact    bool  // the member answers exact fetches (nodeMeta.ExactFetches)
	notes    bool  // the member reads notes of writes on their way (nodeMeta.Announces)
	protocol uint8 // the cluster protocol it speaks (protocol.go); 0 if unknown
}

// MemberEventType says what happened to a member.
type MemberEventType int

const (
	// MemberJoined: a member appeared, or came back after failing or leaving.
	MemberJoined MemberEventType = iota
	// MemberUpdated: a member changed its metadata.
	MemberUpdated
	// MemberFailed: a member was declared dead. Callers usually wait a grace
	// period before acting, since it may come back.
	MemberFailed
	// MemberLeft: a member left on purpose.
	MemberLeft
)

func (t MemberEventType) String() string {
	switch t {
	case MemberJoined:
		return "joined"
	case MemberUpdated:
		return "updated"
	case MemberFailed:
		return "failed"
	case MemberLeft:
		return "left"
	default:
		return "MemberEventType(" + strconv.Itoa(int(t)) + ")"
	}
}

// MemberEvent reports a change of one member, with the member as it is after
// the change.
type MemberEvent struct {
	Type   MemberEventType
	Member Member
}

// memberTable keeps every member this node has heard of, including dead and
// departed ones, which memberlist itself forgets or does not expose.
type memberTable struct {
	mu      sync.Mutex
	byName  map[string]*Member
	leaving map[string]bool // members that announced a Leave
	removed map[string]bool // members removed for good: they stay left
	emit    func(MemberEvent)
	now     func() time.Time
}

func newMemberTable(emit func(MemberEvent)) *memberTable {
	return &memberTable{
		byName:  make(map[string]*Member),
		leaving: make(map[string]bool),
		removed: make(map[string]bool),
		emit:    emit,
		now:     time.Now,
	}
}

// fromNode turns memberlist's view of a node into a Member. A member whose
// metadata we cannot read still appears, unranked.
func fromNode(n *memberlist.Node) (Member, error) {
	m := Member{
		Name: n.Name,
		Addr: net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port))),
	}
	meta, err := decodeMeta(n.Meta)
	m.protocol = meta.Version
	if err != nil {
		return m, fmt.Errorf("read metadata of member %s: %w", n.Name, err)
	}
	m.Started, m.Meta, m.Rank, m.leading, m.fetches = meta.Started, meta.Meta, meta.Rank, meta.Leading, meta.Fetches
	m.exact, m.notes = meta.ExactFetches, meta.Announces
	return m, nil
}

// alive records that a member joined or came back, and reports whether it
// came back: known here as dead or left before. A removed member does not
// come back: memberlist may still count it until its probes fail.
func (t *memberTable) alive(m Member) (returned bool) {
	t.mu.Lock()
	if t.removed[m.Name] {
		t.mu.Unlock()
		return false
	}
	if old, ok := t.byName[m.Name]; ok && old.State != StateAlive {
		returned = true
	}
	delete(t.leaving, m.Name)
	m.State, m.Since = StateAlive, t.now()
	t.byName[m.Name] = &m
	ev := MemberEvent{Type: MemberJoined, Member: m.clone()}
	t.mu.Unlock()
	t.emit(ev)
	return returned
}

// updated records new metadata of a live member.
func (t *memberTable) updated(m Member) {
	t.mu.Lock()
	if t.removed[m.Name] {
		t.mu.Unlock()
		return
	}
	old, ok := t.byName[m.Name]
	ev := MemberEvent{Type: MemberUpdated}
	switch {
	case !ok:
		m.State, m.Since = StateAlive, t.now()
	case old.State == StateLeft || old.State == StateDead:
		// memberlist reports updates of members it counts alive only: one recorded
		// gone here came back without a join (a removal forgotten while memberlist
		// still counted it).
		delete(t.leaving, m.Name)
		m.State, m.Since = StateAlive, t.now()
		ev.Type = MemberJoined
	default:
		m.State, m.Since = old.State, old.Since
	}
	t.byName[m.Name] = &m
	ev.Member = m.clone()
	t.mu.Unlock()
	t.emit(ev)
}

// gone records that memberlist no longer counts a member: it left if it said
// so beforehand, else it failed. A removed member stays left.
func (t *memberTable) gone(name string) {
	t.mu.Lock()
	m, ok := t.byName[name]
	if !ok || t.removed[name] {
		t.mu.Unlock()
		return
	}
	ev := MemberEvent{Type: MemberFailed}
	m.State = StateDead
	if t.leaving[name] {
		ev.Type, m.State = MemberLeft, StateLeft
	}
	m.Since = t.now()
	ev.Member = m.clone()
	t.mu.Unlock()
	t.emit(ev)
}

// announcedLeave records a member's leave announcement. It usually arrives
// before memberlist reports the member gone; if it arrives after, the failure
// already reported is corrected to a leave.
func (t *memberTable) announcedLeave(name string) {
	t.mu.Lock()
	t.leaving[name] = true
	m, ok := t.byName[name]
	if !ok || m.State != StateDead {
		t.mu.Unlock()
		return
	}
	m.State = StateLeft
	ev := MemberEvent{Type: MemberLeft, Member: m.clone()}
	t.mu.Unlock()
	t.emit(ev)
}

// markRemoved records that a member was removed for good: it is reported as
// left at once, so that its pods move without waiting for the failure
// detector, and nothing memberlist says about it changes that until the
// removal is forgotten. It reports whether the removal is news.
func (t *memberTable) markRemoved(name string) bool {
	t.mu.Lock()
	if t.removed[name] {
		t.mu.Unlock()
		return false
	}
	t.removed[name] = true
	m, ok := t.byName[name]
	if !ok || m.State == StateLeft {
		t.mu.Unlock()
		return true
	}
	m.State, m.Since = StateLeft, t.now()
	ev := MemberEvent{Type: MemberLeft, Member: m.clone()}
	t.mu.Unlock()
	t.emit(ev)
	return true
}

// unmarkRemoved lets a member whose removal was forgotten join again. It
// stays left until memberlist reports it alive.
func (t *memberTable) unmarkRemoved(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.removed, name)
}

// isRemoved reports whether a member was marked removed.
func (t *memberTable) isRemoved(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removed[name]
}

// known reports whether the table lists a member, in any state.
func (t *memberTable) known(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.byName[name]
	return ok
}

// remainingWithout counts the members, in any state, that are neither self,
// nor name, nor removed: those that stay in the cluster once name is removed.
func (t *memberTable) remainingWithout(self, name string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	count := 0
	for n := range t.byName {
		if n != self && n != name && !t.removed[n] {
			count++
		}
	}
	return count
}

// forgetBefore drops members that have been dead or gone since before cutoff.
func (t *memberTable) forgetBefore(cutoff time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for name, m := range t.byName {
		if m.State != StateAlive && m.Since.Before(cutoff) {
			delete(t.byName, name)
			delete(t.leaving, name)
		}
	}
}

// aliveCount returns how many members are alive, this node included.
func (t *memberTable) aliveCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	count := 0
	for _, m := range t.byName {
		if m.State == StateAlive {
			count++
		}
	}
	return count
}

// list returns every known member, sorted by name.
func (t *memberTable) list() []Member {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Member, 0, len(t.byName))
	for _, m := range t.byName {
		out = append(out, m.clone())
	}
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// leader is chooseLeader over the table, without the copies and the sorting of list,
// which it needs neither of: it is read for every plan and every membership event.
func (t *memberTable) leader() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	members := make([]Member, 0, len(t.byName))
	for _, m := range t.byName {
		members = append(members, *m)
	}
	return chooseLeader(members)
}

// addrsIn returns the addresses of the members in one of the given states,
// except self.
func (t *memberTable) addrsIn(self string, states ...MemberState) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range t.byName {
		if m.Name != self && slices.Contains(states, m.State) {
			out = append(out, m.Addr)
		}
	}
	slices.Sort(out)
	return out
}

func (m Member) clone() Member {
	m.Meta = maps.Clone(m.Meta)
	return m
}

// Members returns every member this node knows of, itself included, sorted
// by name. Failed and departed members stay listed, with the time they
// failed or left, until Config.ReconnectTimeout.
func (n *Node) Members() []Member {
	return n.members.list()
}

// WatchMembers returns a channel of membership changes, in order, and a
// function that ends the watch and closes the channel. A slow reader never
// blocks the node: events wait for it.
func (n *Node) WatchMembers() (<-chan MemberEvent, func()) {
	return n.memberHub.subscribe(func(MemberEvent) bool { return true }, nil)
}

// memberChanged publishes a membership event and keeps the peers file, the
// leader log and this node's leading flag up to date.
func (n *Node) memberChanged(ev MemberEvent) {
	n.log.Info("member changed", "event", ev.Type.String(), "member", ev.Member.Name, "addr", ev.Member.Addr)
	n.memberHub.publish(ev)
	n.peersDirty.Store(true)
	n.markDirty()
	leader := n.Leader()
	if prev, _ := n.leader.Swap(leader).(string); prev != leader {
		n.log.Info("leader changed", "leader", leader, "previous", prev)
	}
	n.claim(leader == n.cfg.NodeName)
}

// HealthScore is the failure detector's opinion of this node itself: 0 when it answers
// its probes in time, more when it has been slow to (an overloaded machine). Each point
// stretches the time this node gives a probe of a peer by one probe interval, up to
// memberlist's AwarenessMaxMultiplier: a slow node judges its peers slowly rather than
// wrongly.
func (n *Node) HealthScore() int {
	if ml := n.ml.Load(); ml != nil {
		return ml.GetHealthScore()
	}
	return 0
}
