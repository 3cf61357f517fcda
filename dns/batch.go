package dns

import (
	"net"
	"slices"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchSize is how many datagrams one system call reads or writes at most. Under load many
// queries wait in the socket: one recvmmsg and one sendmmsg then serve them all, where a
// read and a write per query cost most of a query's time on small machines.
const batchSize = 32

// batchConn reads and writes datagrams in batches (recvmmsg/sendmmsg on Linux; one at a time
// elsewhere, by the same calls).
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

func newBatchConn(uc *net.UDPConn) batchConn {
	if a, ok := uc.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() == nil {
		return ipv6.NewPacketConn(uc)
	}
	return ipv4.NewPacketConn(uc)
}

// oobSize holds the control message of a query that came to a wildcardConn (IPV6_PKTINFO
// takes 40 bytes on 64-bit Linux).
const oobSize = 64

// batchReader is the read side of a boundConn or wildcardConn in batches: packed replies are
// written back in one batch, and the other queries are queued for the server, one per
// ReadPacketConn.
type batchReader struct {
	conn    batchConn
	sources answerSources  // a wildcardConn's: the source of each answer; nil for a boundConn
	in      []ipv4.Message // read slots, each with its own buffer
	out     []ipv4.Message // replies of the current batch
	outBufs [][]byte       // each slot's reply buffer
	outVecs [][][]byte     // each slot's Buffers for its reply, made once
	pending []pendingQuery // queries for the server, in arrival order
}

type pendingQuery struct {
	data []byte
	from net.Addr
}

// newBatchReader reads uc in batches; withSources reads the address each query came to, for
// a socket bound to every address.
func newBatchReader(uc *net.UDPConn, withSources bool) *batchReader {
	b := &batchReader{conn: newBatchConn(uc), in: make([]ipv4.Message, batchSize), out: make([]ipv4.Message, 0, batchSize),
		outBufs: make([][]byte, batchSize), outVecs: make([][][]byte, batchSize)}
	if withSources {
		b.sources = answerSources{}
	}
	for i := range b.in {
		b.in[i].Buffers = [][]byte{make([]byte, 512)}
		if withSources {
			b.in[i].OOB = make([]byte, oobSize)
		}
		b.outBufs[i] = make([]byte, 0, 512)
		b.outVecs[i] = make([][]byte, 1)
	}
	return b
}

// next returns the next query the server must handle itself, answering packed ones on the
// way.
func (b *batchReader) next(answer func(query, out []byte) ([]byte, bool)) ([]byte, net.Addr, error) {
	for len(b.pending) == 0 {
		n, err := b.conn.ReadBatch(b.in, 0)
		if err != nil {
			return nil, nil, err
		}
		b.out = b.out[:0]
		for i := range n {
			m := &b.in[i]
			query := m.Buffers[0][:m.N]
			var source []byte
			if b.sources != nil {
				source = b.sources.of(m.OOB[:m.NN])
			}
			if reply, ok := answer(query, b.outBufs[i][:0]); ok {
				b.outBufs[i] = reply
				b.outVecs[i][0] = reply
				b.out = append(b.out, ipv4.Message{Buffers: b.outVecs[i], Addr: m.Addr, OOB: source})
				continue
			}
			from := m.Addr
			if ua, ok := from.(*net.UDPAddr); ok && b.sources != nil {
				from = &queryAddr{UDPAddr: ua, source: source}
			}
			b.pending = append(b.pending, pendingQuery{data: slices.Clone(query), from: from})
		}
		b.flush()
	}
	q := b.pending[0]
	b.pending = b.pending[1:]
	return q.data, q.from, nil
}

// flush writes the batch's replies; a failed write loses that reply only (the client asks
// again), as a failed single write would.
func (b *batchReader) flush() {
	for len(b.out) > 0 {
		n, err := b.conn.WriteBatch(b.out, 0)
		if err != nil || n == 0 {
			if len(b.out) > 0 {
				b.out = b.out[1:] // skip the datagram that failed
			}
			continue
		}
		b.out = b.out[n:]
	}
}
