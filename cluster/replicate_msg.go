package cluster

import (
	"encoding/binary"
	"time"
)

// replicateItem is one committed write on its way to a member. With WantAck
// the member answers once its entries are on its disk.
type replicateItem struct {
	ID      uint64
	WantAck bool
	Entries []Entry
	// encoded is the item as a message carries it (encodeItem), made once for every
	// member it goes to; nil: encoded with each message.
	encoded []byte
}

// withEncoding returns it with its encoding made at now. A write goes to every member,
// and a write of thousands of entries is megabytes to encode: once, not once per member.
// The entries' receipt ages are then as of now rather than of each message, which tells
// a member it received them a moment later than it did: at worst it keeps a tombstone
// that much longer.
func (it replicateItem) withEncoding(now time.Time) replicateItem {
	it.encoded = appendItem(make([]byte, 0, 2*binary.MaxVarintLen64+encodedBound(it.Entries)), it, now)
	return it
}

// appendItem appends the encoding of it at now.
func appendItem(b []byte, it replicateItem, now time.Time) []byte {
	b = appendUvarint(b, it.ID)
	var flags byte
	if it.WantAck {
		flags = 1
	}
	return appendEntries(append(b, flags), it.Entries, now)
}

// replicateMsg carries committed writes straight from their writer to a
// member: every write that waited while the previous message to that member
// was being sent.
type replicateMsg struct {
	From  string
	Items []replicateItem
}

// replicateAck answers the items of a replicateMsg that asked for it.
type replicateAck struct {
	From  string
	IDs   []uint64
	Error string // empty when the member wrote the entries to disk
}

// encodeReplicateMsg encodes m at now, the sender's clock: each entry carries its age, as
// gossip does, never a time.
func encodeReplicateMsg(m replicateMsg, now time.Time) []byte {
	size := 1 + 2*binary.MaxVarintLen64 + len(m.From)
	for _, it := range m.Items {
		if it.encoded != nil {
			size += len(it.encoded)
		} else {
			size += 2*binary.MaxVarintLen64 + encodedBound(it.Entries)
		}
	}
	b := append(make([]byte, 0, size), byte(msgReplicate))
	b = appendString(b, m.From)
	b = appendUvarint(b, uint64(len(m.Items)))
	for _, it := range m.Items {
		if it.encoded != nil {
			b = append(b, it.encoded...)
		} else {
			b = appendItem(b, it, now)
		}
	}
	return b
}

// minEncodedItem is the smallest encoded item: an ID, the flags and a count.
const minEncodedItem = 3

// decodeReplicateMsg decodes a message, placing each entry's age before now, the
// receiver's clock.
func decodeReplicateMsg(body []byte, now time.Time) (replicateMsg, error) {
	d := decoder{buf: body}
	m := replicateMsg{From: d.string()}
	items := d.count(minEncodedItem)
	m.Items = make([]replicateItem, 0, items)
	for range items {
		it := replicateItem{ID: d.uvarint(), WantAck: d.byte()&1 != 0}
		count := d.count(minEncodedEntry)
		it.Entries = make([]Entry, 0, count)
		for range count {
			it.Entries = append(it.Entries, d.entry(now))
		}
		m.Items = append(m.Items, it)
	}
	return m, d.done()
}

func encodeReplicateAck(a replicateAck) []byte {
	b := []byte{byte(msgReplicateAck)}
	b = appendString(b, a.From)
	b = appendUvarint(b, uint64(len(a.IDs)))
	for _, id := range a.IDs {
		b = appendUvarint(b, id)
	}
	return appendString(b, a.Error)
}

func decodeReplicateAck(body []byte) (replicateAck, error) {
	d := decoder{buf: body}
	a := replicateAck{From: d.string()}
	n := d.count(1)
	a.IDs = make([]uint64, 0, n)
	for range n {
		a.IDs = append(a.IDs, d.uvarint())
	}
	a.Error = d.string()
	return a, d.done()
}
