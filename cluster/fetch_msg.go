package cluster

import (
	"encoding/binary"
	"time"
)

// fetchRequest asks a member for its entries in the buckets where its digest differs
// from the sender's. Held, when not empty, are the hashes (entryHash) of the entries the
// sender holds: the answer leaves those out. It travels as a msgFetchExact, which only a
// member that says so in its metadata reads; without Held, as a msgFetch.
type fetchRequest struct {
	ID      uint64
	From    string
	Buckets buckets
	Held    []uint64
}

// fetchHashBytes is what one held entry adds to a msgFetchExact.
const fetchHashBytes = 8

// fetchChunk is part of the answer to a fetchRequest; Last marks the final one, which
// may carry no entries at all when nothing differed.
type fetchChunk struct {
	ID      uint64
	From    string
	Last    bool
	Entries []Entry
}

func encodeFetchRequest(r fetchRequest) []byte {
	t := msgFetch
	if len(r.Held) > 0 {
		t = msgFetchExact
	}
	size := 1 + 2*binary.MaxVarintLen64 + len(r.From) + 8*digestBuckets + binary.MaxVarintLen64 + fetchHashBytes*len(r.Held)
	b := append(make([]byte, 0, size), byte(t))
	b = appendUvarint(b, r.ID)
	b = appendString(b, r.From)
	for _, h := range r.Buckets {
		b = binary.BigEndian.AppendUint64(b, h)
	}
	if t == msgFetchExact {
		b = appendUvarint(b, uint64(len(r.Held)))
		for _, h := range r.Held {
			b = binary.BigEndian.AppendUint64(b, h)
		}
	}
	return b
}

// decodeFetchRequest reads the body of a msgFetch, or with exact of a msgFetchExact.
func decodeFetchRequest(body []byte, exact bool) (fetchRequest, error) {
	d := decoder{buf: body}
	r := fetchRequest{ID: d.uvarint(), From: d.string()}
	if d.err == nil && (len(d.buf) < 8*digestBuckets || !exact && len(d.buf) != 8*digestBuckets) {
		d.fail(errShortBuffer)
	}
	if d.err == nil {
		for i := range r.Buckets {
			r.Buckets[i] = binary.BigEndian.Uint64(d.buf[8*i:])
		}
		d.buf = d.buf[8*digestBuckets:]
	}
	if exact {
		count := d.count(fetchHashBytes)
		if d.err == nil && len(d.buf) != fetchHashBytes*count {
			d.fail(errShortBuffer)
		}
		if d.err == nil {
			r.Held = make([]uint64, count)
			for i := range r.Held {
				r.Held[i] = binary.BigEndian.Uint64(d.buf[fetchHashBytes*i:])
			}
			d.buf = nil
		}
	}
	return r, d.done()
}

// encodeFetchChunk encodes c at now, the sender's clock: entries carry their ages.
func encodeFetchChunk(c fetchChunk, now time.Time) []byte {
	size := 2 + 2*binary.MaxVarintLen64 + len(c.From) + encodedBound(c.Entries)
	b := append(make([]byte, 0, size), byte(msgFetchChunk))
	b = appendUvarint(b, c.ID)
	b = appendString(b, c.From)
	var flags byte
	if c.Last {
		flags = 1
	}
	return appendEntries(append(b, flags), c.Entries, now)
}

func decodeFetchChunk(body []byte, now time.Time) (fetchChunk, error) {
	d := decoder{buf: body}
	c := fetchChunk{ID: d.uvarint(), From: d.string(), Last: d.byte()&1 != 0}
	count := d.count(minEncodedEntry)
	c.Entries = make([]Entry, 0, count)
	for range count {
		c.Entries = append(c.Entries, d.entry(now))
	}
	return c, d.done()
}
