package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The wire and disk formats are a plain sequence of uvarints and
// length-prefixed byte strings. They are small enough that a store entry
// usually fits in one gossip packet, and they need no schema.

var errShortBuffer = errors.New("message ends early")

func appendUvarint(b []byte, v uint64) []byte {
	return binary.AppendUvarint(b, v)
}

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// entryDeleted is the only flag of an encoded entry.
const entryDeleted = 1

// appendEntry writes an entry. ref says how Received is written: a zero ref
// (the store file) writes it as it is, a time on this node's clock; any other
// ref (the sender's now, in messages) writes only the age at ref, a
// duration, so that the receiver never reads a time from another node's
// clock.
func appendEntry(b []byte, e Entry, ref time.Time) []byte {
	b = appendString(b, e.Key)
	b = appendBytes(b, e.Value)
	b = appendUvarint(b, e.Version.Time)
	b = appendString(b, e.Version.Node)
	var flags byte
	if e.Deleted {
		flags |= entryDeleted
	}
	b = append(b, flags)
	b = binary.AppendVarint(b, e.Modified.UnixNano())
	return binary.AppendVarint(b, receivedOffset(e.Received, ref))
}

// maxEntryOverhead bounds what appendEntry writes besides an entry's key, value and
// writer's name: their three lengths, the version's time, the flags and two times.
const maxEntryOverhead = 6*binary.MaxVarintLen64 + 1

// encodedBound bounds the bytes appendEntries writes for entries. A buffer sized by it
// is never grown: a large write is megabytes, and a buffer grown by doubling touches
// twice that in fresh memory, on every member that encodes or logs it.
func encodedBound(entries []Entry) int {
	n := binary.MaxVarintLen64
	for _, e := range entries {
		n += len(e.Key) + len(e.Value) + len(e.Version.Node) + maxEntryOverhead
	}
	return n
}

// appendEntries appends the count of entries and each of them, encoded at ref.
func appendEntries(b []byte, entries []Entry, ref time.Time) []byte {
	b = slices.Grow(b, encodedBound(entries))
	b = appendUvarint(b, uint64(len(entries)))
	for _, e := range entries {
		b = appendEntry(b, e, ref)
	}
	return b
}

// receivedOffset is Received as written for ref, in nanoseconds: the time
// itself for a zero ref, else its distance to ref, which is never positive
// (a Received ahead of ref, after this node's clock was set back, is sent as
// new). An unknown Received is 0 either way.
func receivedOffset(received, ref time.Time) int64 {
	switch {
	case received.IsZero():
		return 0
	case ref.IsZero():
		return received.UnixNano()
	}
	return int64(min(received.Sub(ref), 0))
}

// decoder reads what the append functions wrote. The first error sticks and
// every later read returns zero values, so callers check once at the end.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail(errShortBuffer)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail(errShortBuffer)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.buf) < 1 {
		d.fail(errShortBuffer)
		return 0
	}
	v := d.buf[0]
	d.buf = d.buf[1:]
	return v
}

// bytes copies, because memberlist reuses the buffers it hands to delegates.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.fail(fmt.Errorf("length %d beyond the %d bytes left: %w", n, len(d.buf), errShortBuffer))
		return nil
	}
	if n == 0 {
		return nil
	}
	v := make([]byte, n)
	copy(v, d.buf[:n])
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) string() string {
	return string(d.bytes())
}

// entry reads what appendEntry wrote with the same kind of ref: for a
// message, the receiver's now, which turns the sender's age into a time on
// this node's clock (keeping its monotonic reading).
func (d *decoder) entry(ref time.Time) Entry {
	e := d.entryV1()
	off := d.varint()
	switch {
	case !ref.IsZero():
		e.Received = ref.Add(time.Duration(off))
	case off != 0:
		e.Received = time.Unix(0, off)
	}
	return e
}

// entryV1 reads an entry of the first store format, which had no Received.
func (d *decoder) entryV1() Entry {
	var e Entry
	e.Key = d.string()
	e.Value = d.bytes()
	e.Version.Time = d.uvarint()
	e.Version.Node = d.string()
	flags := d.byte()
	e.Deleted = flags&entryDeleted != 0
	e.Modified = time.Unix(0, d.varint())
	return e
}

// count reads a number of items that follow, refusing counts that could not
// fit in what is left, so a corrupt message cannot make us allocate wildly.
func (d *decoder) count(minItemSize int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.buf)/minItemSize) {
		d.fail(fmt.Errorf("count %d beyond the %d bytes left: %w", n, len(d.buf), errShortBuffer))
		return 0
	}
	return int(n)
}

// done reports the sticky error, or an error when bytes are left over.
func (d *decoder) done() error {
	if d.err != nil {
		return d.err
	}
	if len(d.buf) != 0 {
		return fmt.Errorf("%d bytes left after the message", len(d.buf))
	}
	return nil
}

// minEncodedEntry is the smallest encoded entry: empty key, value and node,
// one-byte time, flags, modification and receipt times. The first store
// format had no receipt time.
const (
	minEncodedEntry   = 7
	minEncodedEntryV1 = 6
)

// appendState writes a clock and a set of entries, as sent in push/pull and
// written to disk; ref as for appendEntry.
func appendState(b []byte, clock uint64, entries []Entry, ref time.Time) []byte {
	b = slices.Grow(b, binary.MaxVarintLen64+encodedBound(entries))
	return appendEntries(appendUvarint(b, clock), entries, ref)
}

// decodeState reads what appendState wrote with the same ref.
func decodeState(buf []byte, ref time.Time) (uint64, []Entry, error) {
	return decodeStateWith(buf, minEncodedEntry, func(d *decoder) Entry { return d.entry(ref) })
}

func decodeStateWith(buf []byte, minEntry int, entry func(*decoder) Entry) (uint64, []Entry, error) {
	d := decoder{buf: buf}
	clock := d.uvarint()
	n := d.count(minEntry)
	entries := make([]Entry, 0, n)
	for range n {
		entries = append(entries, entry(&d))
	}
	if err := d.done(); err != nil {
		return 0, nil, err
	}
	return clock, entries, nil
}
