package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/memberlist"
)

// A member's cluster protocol is the format of the metadata it gossips, so
// that every node knows what each peer reads:
//
//	1  the previous release: metadata without rank, push/pull states and entry
//	   messages without the entries' ages; the leader is the alive member
//	   that started first, by the wall clock each member gossips.
//	2  this release: ranked metadata with the leading flag, entries with
//	   their ages, the leader by rank.
//
// A node of protocol 1 reads nothing of protocol 2: it counts such a member
// as alive but never as its leader, and drops its push/pull states and entry
// messages. A cluster upgraded node by node holds both for a while, and left
// alone each side would have its own leader and its own store, and run some
// pods twice and others nowhere. So while an alive member speaks protocol 1,
// a node of this release:
//
//   - names the leader the older members choose and never leads itself, so
//     that one leader schedules (chooseLeader);
//   - reads push/pull states and entry messages of protocol 1, counting their
//     entries as received when they arrive, since their age is not known;
//   - sends its push/pull states and gossiped entries in protocol 1, which
//     members of this release read too, so that the store stays whole both
//     ways. Entries too large for gossip still go out directly in protocol
//     2, which the older members drop: the next push/pull brings them. The
//     ages are lost meanwhile: an entry that reaches a node then counts as
//     new there, so a tombstone, or an API token's lifetime, may last there
//     up to the age the entry already had longer (a node that held it keeps
//     its own count);
//   - sends its direct writes (replicate) to such a member as entry
//     messages of protocol 1, one by one, and counts it as a member that
//     cannot confirm them: a write asking for another member's confirmation
//     (AckOne) fails with ErrNotConfirmed, at once and naming it, when no
//     member of this release is alive to confirm it;
//   - logs an error naming each such member.
//
// Its metadata stays in protocol 2, as the ranks must outlive the upgrade.
// Once no alive member speaks protocol 1, everything is protocol 2 again and
// the member with the lowest rank leads.
const (
	protocolCurrent = metaVersion
	protocolV1      = metaVersionV1
)

// newerProtocolError is metadata or state of a format newer than this node
// reads: its sender runs a later release.
type newerProtocolError struct {
	what    string
	version uint8
}

func (e *newerProtocolError) Error() string {
	return fmt.Sprintf("%s of format %d, newer than this node reads: the sender runs a newer podman-swarm", e.what, e.version)
}

// appendEntryV1 writes an entry as protocol 1 lays it out, without its age.
// The layout is frozen: it is what nodes of the previous release read. The
// layout of protocol 2 is this one followed by the age.
func appendEntryV1(b []byte, e Entry) []byte {
	b = appendString(b, e.Key)
	b = appendBytes(b, e.Value)
	b = appendUvarint(b, e.Version.Time)
	b = appendString(b, e.Version.Node)
	var flags byte
	if e.Deleted {
		flags |= entryDeleted
	}
	b = append(b, flags)
	return binary.AppendVarint(b, e.Modified.UnixNano())
}

// decodeEntryMsgV1 reads an entry message of protocol 1, counting the entry
// as received at now.
func decodeEntryMsgV1(body []byte, now time.Time) (Entry, error) {
	d := decoder{buf: body}
	e := d.entryV1()
	e.Received = now
	return e, d.done()
}

// decodeAnyEntryMsg reads an entry message of either protocol. Which one is
// never in doubt: protocol 2 adds a field at the end, so each layout leaves
// the other's decoder short or with bytes over. (A message of protocol 2 cut
// right before its age would read as protocol 1, but memberlist's
// authenticated encryption delivers messages whole.)
func decodeAnyEntryMsg(body []byte, now time.Time) (Entry, error) {
	e, err := decodeEntryMsg(body, now)
	if err == nil {
		return e, nil
	}
	if e1, err1 := decodeEntryMsgV1(body, now); err1 == nil {
		return e1, nil
	}
	return Entry{}, err
}

// downgradeEntryMsg returns an entry message of protocol 2 in protocol 1,
// without the age: a prefix of the same bytes. Any other message comes back
// as it is.
func downgradeEntryMsg(msg []byte) []byte {
	if len(msg) == 0 || messageType(msg[0]) != msgEntry {
		return msg
	}
	d := decoder{buf: msg[1:]}
	d.entryV1()
	if d.err != nil || len(d.buf) == 0 {
		return msg
	}
	if _, n := binary.Varint(d.buf); n != len(d.buf) {
		return msg
	}
	end := len(msg) - len(d.buf)
	return msg[:end:end]
}

// encodePushPullV1 is a push/pull state in protocol 1.
func encodePushPullV1(clock uint64, entries []Entry) []byte {
	b := []byte{pushPullVersionV1}
	b = appendUvarint(b, clock)
	b = appendUvarint(b, uint64(len(entries)))
	for _, e := range entries {
		b = appendEntryV1(b, e)
	}
	return b
}

// decodeStateV1 reads the state of a push/pull of protocol 1, after its
// version, counting every entry as received at now.
func decodeStateV1(body []byte, now time.Time) (uint64, []Entry, error) {
	clock, entries, err := decodeStateWith(body, minEncodedEntryV1, (*decoder).entryV1)
	for i := range entries {
		entries[i].Received = now
	}
	return clock, entries, err
}

// downgradePushPull turns this node's push/pull state into protocol 1. It
// works on the encoded state, so that it depends on nothing but the format.
func downgradePushPull(buf []byte, now time.Time) ([]byte, error) {
	if len(buf) > 0 && buf[0] == pushPullVersionV1 {
		return buf, nil
	}
	clock, entries, err := decodePushPull(buf, now)
	if err != nil {
		return nil, fmt.Errorf("write push/pull state for cluster protocol %d: %w", protocolV1, err)
	}
	return encodePushPullV1(clock, entries), nil
}

// olderAlive reports whether one of members is alive and speaks protocol 1.
func olderAlive(members []Member) bool {
	for i := range members {
		if members[i].State == StateAlive && members[i].protocol == protocolV1 {
			return true
		}
	}
	return false
}

// chooseLeaderV1 is the leader the members of protocol 1 choose: the alive
// member of protocol 1 that started first, by the time it gossips, the name
// breaking ties. They cannot read the metadata of later members and never
// count them, so every node, of either release, that sees the same alive
// members names the same one. Start times come from each member's own wall
// clock: that is the previous release's rule, kept only until it is gone.
func chooseLeaderV1(members []Member) string {
	var best *Member
	for i := range members {
		m := &members[i]
		if m.State != StateAlive || m.protocol != protocolV1 {
			continue
		}
		if best == nil || m.Started.Before(best.Started) ||
			(m.Started.Equal(best.Started) && m.Name < best.Name) {
			best = m
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}

// olderProtocolAlive reports whether an alive member speaks protocol 1: then
// this node sends protocol 1 and does not lead. It is read for every gossip
// packet, so it walks the table without copying it.
func (t *memberTable) olderProtocolAlive() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.byName {
		if m.State == StateAlive && m.protocol == protocolV1 {
			return true
		}
	}
	return false
}

// allFetch reports whether every alive member but self says in its metadata that it
// repairs its store by digests and fetches (a member of an earlier build does not).
// Like olderProtocolAlive, it walks the table without copying it.
func (t *memberTable) allFetch(self string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.byName {
		if m.Name != self && m.State == StateAlive && !m.fetches {
			return false
		}
	}
	return true
}

// answersExactFetch reports whether member name is alive and says in its metadata that it
// answers exact fetches.
func (t *memberTable) answersExactFetch(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.byName[name]
	return ok && m.State == StateAlive && m.exact
}

// readsNotes reports whether member name is alive and says in its metadata that it reads
// notes of writes on their way.
func (t *memberTable) readsNotes(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.byName[name]
	return ok && m.State == StateAlive && m.notes
}

// protocolOf returns the protocol the table holds for a member while it is
// alive, 0 otherwise.
func (t *memberTable) protocolOf(name string) uint8 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, ok := t.byName[name]; ok && m.State == StateAlive {
		return m.protocol
	}
	return 0
}

// noticeProtocol logs an error naming a member that speaks another cluster
// protocol, once each time it joins or changes release: before is the
// protocol it had while alive, 0 if it was not.
func (n *Node) noticeProtocol(m Member, before uint8) {
	if m.protocol == before || m.protocol == protocolCurrent || m.protocol == 0 {
		return
	}
	if m.protocol < protocolCurrent {
		n.log.Error(fmt.Sprintf("node %s runs an older podman-swarm (cluster protocol %d, this node speaks %d); upgrade every node to this release: "+
			"until the last older node is upgraded, the older nodes' leader schedules, this node does not lead, "+
			"and the store is exchanged in the older format", m.Name, m.protocol, protocolCurrent),
			"member", m.Name, "addr", m.Addr, "protocol", m.protocol)
		return
	}
	n.log.Error(fmt.Sprintf("node %s runs a newer podman-swarm (cluster protocol %d, this node speaks %d); upgrade this node to that release: "+
		"this node cannot read that node's metadata nor its store", m.Name, m.protocol, protocolCurrent),
		"member", m.Name, "addr", m.Addr, "protocol", m.protocol)
}

// noticeOlderGone logs when the last alive member of protocol 1 is gone or
// upgraded; olderBefore says whether one was alive before the change.
func (n *Node) noticeOlderGone(olderBefore bool) {
	if olderBefore && !n.members.olderProtocolAlive() {
		n.log.Info(fmt.Sprintf("every alive member speaks cluster protocol %d: the leader is chosen by rank again", protocolCurrent))
	}
}

// splitOlder separates from peers the members of protocol 1, which read
// neither the direct write messages nor their confirmations.
func (n *Node) splitOlder(peers []*memberlist.Node) (current, older []*memberlist.Node) {
	for _, p := range peers {
		if n.members.protocolOf(p.Name) == protocolV1 {
			older = append(older, p)
		} else {
			current = append(current, p)
		}
	}
	return current, older
}

// sendToOlder sends committed writes to members of protocol 1 as the entry
// messages they read, over TCP and without waiting: they cannot confirm
// them, and the next push/pull brings them what a send misses. The entries
// of one write arrive one by one, as the previous release wrote them.
func (n *Node) sendToOlder(older []*memberlist.Node, entries []Entry) {
	if len(older) == 0 {
		return
	}
	now := n.now()
	msgs := make([][]byte, len(entries))
	for i, e := range entries {
		msgs[i] = downgradeEntryMsg(encodeEntryMsg(e, now))
	}
	ml := n.ml.Load()
	for _, p := range older {
		go func() {
			for _, msg := range msgs {
				if err := ml.SendReliable(p, msg); err != nil {
					n.log.Warn("writes not sent to a member of the previous release; push/pull will carry them", "member", p.Name, "err", err)
					return
				}
			}
		}()
	}
}

// olderMissing says why members of protocol 1 do not confirm a write.
func olderMissing(older []*memberlist.Node) []string {
	out := make([]string, 0, len(older))
	for _, p := range older {
		out = append(out, fmt.Sprintf("%s: runs an older podman-swarm (cluster protocol %d), which cannot confirm writes", p.Name, protocolV1))
	}
	slices.Sort(out)
	return out
}

// withOlderMissing adds the members of protocol 1 to the outcome of a write
// that every member should confirm (AckAll): err is what the members of
// this release answered, nil when they all confirmed it.
func withOlderMissing(err error, peers, older []*memberlist.Node) error {
	var u *UnconfirmedError
	if err != nil && !errors.As(err, &u) {
		return err
	}
	if u == nil {
		u = &UnconfirmedError{}
		for _, p := range peers {
			u.Confirmed = append(u.Confirmed, p.Name)
		}
		slices.Sort(u.Confirmed)
	}
	u.Missing = append(u.Missing, olderMissing(older)...)
	slices.Sort(u.Missing)
	return u
}
