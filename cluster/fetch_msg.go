package cluster

import (
	"encoding/binary"
	"time"
)

// fetchRequest asks a member for its entries in the buckets where its digest differs
// from the sender's.
type fetchRequest struct {
	ID      uint64
	From    string
	Buckets buckets
}

// fetchChunk is part of the answer to a fetchRequest; Last marks the final one, which
// may carry no entries at all when nothing differed.
type fetchChunk struct {
	ID      uint64
	From    string
	Last    bool
	Entries []Entry
}

func encodeFetchRequest(r fetchRequest) []byte {
	b := []byte{byte(msgFetch)}
	b = appendUvarint(b, r.ID)
	b = appendString(b, r.From)
	for _, h := range r.Buckets {
		b = binary.BigEndian.AppendUint64(b, h)
	}
	return b
}

func decodeFetchRequest(body []byte) (fetchRequest, error) {
	d := decoder{buf: body}
	r := fetchRequest{ID: d.uvarint(), From: d.string()}
	if d.err == nil && len(d.buf) != 8*digestBuckets {
		d.fail(errShortBuffer)
	}
	if d.err == nil {
		for i := range r.Buckets {
			r.Buckets[i] = binary.BigEndian.Uint64(d.buf[8*i:])
		}
		d.buf = nil
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
