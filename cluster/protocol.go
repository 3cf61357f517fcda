package cluster

import (
	"encoding/binary"
	"fmt"
	"time"
)

// A member's cluster protocol is the format of the metadata it gossips, so
// that every node knows what each peer reads:
//
//	1  the first release: metadata without rank, push/pull states and entry
//	   messages without the entries' ages; the leader is the alive member
//	   that started first, by the wall clock each member gossips.
//	2  this release: ranked metadata with the leading flag, entries with
//	   their ages, the leader by rank.
//
// A node of protocol 1 reads nothing of protocol 2: it counts such a member
// as alive but never as its leader, and drops its push/pull states and entry
// messages. This node reads both, counting entries of protocol 1 as received
// when they arrive, since their age is not known, and can write protocol 1.
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
// The layout is frozen: it is what nodes of the first release read. The
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
