package cluster

import (
	"encoding/binary"
	"hash/fnv"
	"sync"
	"time"
)

// A digest sums up what a node's store holds in a few bytes, so that two nodes can tell
// that they differ without exchanging their stores. Every entry is hashed (key, value,
// version, tombstone) and falls by the hash of its key in one of digestBuckets buckets;
// a bucket is the XOR of its entries' hashes and the root the XOR of the buckets. The
// root and the entry count ride on every probe answer (a dozen bytes more per probe, so
// idle gossip grows by about as many bytes per second); a node that finds a peer's root
// different from its own asks that peer over TCP for the buckets that differ (fetch.go).
//
// A hash of the content, rather than the highest Lamport time each writer reached, because
// gossip delivers a writer's entries out of order and loses some: a node can hold a
// writer's latest write and miss an earlier one, which a high-water mark cannot show.
const digestBuckets = 256

// digestVersion follows the probe answer's clock; a peer whose answer has none (the
// previous release, or an earlier build of this one) is never asked for a fetch.
const digestVersion = 1

type buckets [digestBuckets]uint64

// storeDigest is a node's digest and when it was computed.
type storeDigest struct {
	buckets buckets
	root    uint64
	count   int
	changed time.Time // on this node's clock
}

// peerDigest is the part of a digest that travels in a probe answer.
type peerDigest struct {
	root  uint64
	count int
}

// digestCache computes the digest only when the store changed since it was last read:
// an idle node hashes nothing.
type digestCache struct {
	mu      sync.Mutex
	dirty   bool
	touched time.Time // when the store last changed, on this node's clock
	d       storeDigest
}

// entryHash hashes what two nodes must agree on for an entry, and returns the bucket it
// falls in.
func entryHash(e Entry) (uint64, int) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(e.Key))
	bucket := int(h.Sum64() % digestBuckets)
	var b [binary.MaxVarintLen64 + 1]byte
	n := binary.PutUvarint(b[:], e.Version.Time)
	if e.Deleted {
		b[n] = 1
	}
	_, _ = h.Write(b[:n+1])
	_, _ = h.Write([]byte(e.Version.Node))
	_, _ = h.Write(e.Value)
	return h.Sum64(), bucket
}

// bucketOf is the bucket of a key.
func bucketOf(key string) int {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum64() % digestBuckets)
}

// digestOf sums up entries.
func digestOf(entries map[string]Entry) (buckets, int) {
	var bs buckets
	for _, e := range entries {
		h, b := entryHash(e)
		bs[b] ^= h
	}
	return bs, len(entries)
}

func rootOf(bs *buckets) uint64 {
	var r uint64
	for _, b := range bs {
		r ^= b
	}
	return r
}

// markDigestDirty notes that the store changed; the next read of the digest computes it.
func (n *Node) markDigestDirty() {
	now := n.now()
	n.digest.mu.Lock()
	n.digest.dirty = true
	n.digest.touched = now
	n.digest.mu.Unlock()
}

// storeQuietFor reports whether the store has not changed for d: no write is arriving.
func (n *Node) storeQuietFor(d time.Duration) bool {
	n.digest.mu.Lock()
	defer n.digest.mu.Unlock()
	return n.now().Sub(n.digest.touched) >= d
}

// storeDigest returns this node's digest, computing it if the store changed since.
func (n *Node) storeDigest() storeDigest {
	n.digest.mu.Lock()
	defer n.digest.mu.Unlock()
	if !n.digest.dirty && !n.digest.d.changed.IsZero() {
		return n.digest.d
	}
	n.mu.RLock()
	bs, count := digestOf(n.entries)
	n.mu.RUnlock()
	n.digest.dirty = false
	n.digest.d = storeDigest{buckets: bs, root: rootOf(&bs), count: count, changed: n.now()}
	return n.digest.d
}

// appendDigest adds the digest to a probe answer.
func appendDigest(b []byte, d storeDigest) []byte {
	b = append(b, digestVersion)
	b = binary.BigEndian.AppendUint64(b, d.root)
	return binary.AppendUvarint(b, uint64(d.count))
}

// decodeDigest reads a digest, false when there is none or of another version.
func decodeDigest(b []byte) (peerDigest, bool) {
	if len(b) < 10 || b[0] != digestVersion {
		return peerDigest{}, false
	}
	root := binary.BigEndian.Uint64(b[1:9])
	count, n := binary.Uvarint(b[9:])
	if n <= 0 {
		return peerDigest{}, false
	}
	return peerDigest{root: root, count: int(count)}, true
}
