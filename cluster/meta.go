package cluster

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/hashicorp/memberlist"
)

// nodeMeta is what a node gossips about itself: when it started (shown to
// people), its rank in the order of succession, whether it leads in its own
// view, and the caller's metadata.
type nodeMeta struct {
	Started time.Time
	Rank    uint64 // 0: not ranked yet
	Leading bool
	// Fetches: the member repairs its store by digests and fetches, so a push/pull
	// with it need not carry the whole store (set by every node of this build).
	Fetches bool
	// ExactFetches: the member answers a fetch that lists the hashes of the asker's
	// entries with only the entries the asker lacks or holds at another version
	// (msgFetchExact), rather than with whole buckets.
	ExactFetches bool
	// Announces: the member reads notes of large writes on their way to it
	// (msgIncoming), and waits for them rather than fetching what they carry.
	Announces bool
	Meta      map[string]string
	// Version is the format it was read in, which names the cluster protocol
	// the member speaks (see protocol.go); encodeMeta ignores it.
	Version uint8
}

// metaVersion leads the encoded metadata, so that a later format can be
// told apart. Version 2 added the rank and the leading flag; version 1 is
// still read, as an unranked member.
const (
	metaVersion   = 2
	metaVersionV1 = 1
)

// The flags of the encoded metadata. A reader ignores the flags it does not know.
const (
	metaLeading      = 1
	metaFetches      = 2
	metaExactFetches = 4
	metaAnnounces    = 8
)

// encodeMeta writes the metadata compactly, keys sorted so that the same
// metadata always gives the same bytes (memberlist reports an update when the
// bytes change). It fails when the result exceeds what memberlist carries.
func encodeMeta(m nodeMeta) ([]byte, error) {
	b := []byte{metaVersion}
	b = appendUvarint(b, uint64(m.Started.UnixNano()))
	b = appendUvarint(b, m.Rank)
	var flags byte
	if m.Leading {
		flags |= metaLeading
	}
	if m.Fetches {
		flags |= metaFetches
	}
	if m.ExactFetches {
		flags |= metaExactFetches
	}
	if m.Announces {
		flags |= metaAnnounces
	}
	b = append(b, flags)
	b = appendUvarint(b, uint64(len(m.Meta)))
	for _, k := range slices.Sorted(maps.Keys(m.Meta)) {
		b = appendString(b, k)
		b = appendString(b, m.Meta[k])
	}
	if len(b) > memberlist.MetaMaxSize {
		return nil, fmt.Errorf("node metadata takes %d bytes, more than the %d that memberlist gossips", len(b), memberlist.MetaMaxSize)
	}
	return b, nil
}

// decodeMeta reads both formats. A format beyond this node's is a
// *newerProtocolError that keeps the version, so that the member can be
// named as running a newer release.
func decodeMeta(buf []byte) (nodeMeta, error) {
	if len(buf) > 0 && buf[0] > metaVersion {
		return nodeMeta{Version: buf[0]}, &newerProtocolError{what: "node metadata", version: buf[0]}
	}
	if len(buf) == 0 || (buf[0] != metaVersion && buf[0] != metaVersionV1) {
		return nodeMeta{}, fmt.Errorf("unknown node metadata format")
	}
	d := decoder{buf: buf[1:]}
	m := nodeMeta{Started: time.Unix(0, int64(d.uvarint())), Version: buf[0]}
	if buf[0] == metaVersion {
		m.Rank = d.uvarint()
		flags := d.byte()
		m.Leading, m.Fetches = flags&metaLeading != 0, flags&metaFetches != 0
		m.ExactFetches, m.Announces = flags&metaExactFetches != 0, flags&metaAnnounces != 0
	}
	n := d.count(2)
	if n > 0 {
		m.Meta = make(map[string]string, n)
	}
	for range n {
		k := d.string()
		m.Meta[k] = d.string()
	}
	if err := d.done(); err != nil {
		return nodeMeta{}, err
	}
	return m, nil
}
