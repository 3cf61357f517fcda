package dns

import (
	"log/slog"
	"net"
	"slices"
	"time"

	mdns "github.com/miekg/dns"
)

// packedReader answers, in the server's UDP read loop itself, the queries that have a packed
// reply (see Handler.answerPacked), and hands every other message to the server as it came.
// A repeated question about a cluster name then costs one read and one write: no goroutine,
// no message to unpack, build and pack.
//
// Neither read sets a deadline: the server's read loop needs none, and Shutdown sets one in
// the past to end it.
type packedReader struct {
	mdns.Reader // for the server's other reads
	h           *Handler
	log         *slog.Logger
	in, out     []byte
	batch       *batchReader // a boundConn's or wildcardConn's, made at its first read
}

var _ mdns.PacketConnReader = (*packedReader)(nil)

// boundConn is a UDP socket bound to one address, hidden from the server as a plain
// net.PacketConn: the server then reads it through ReadPacketConn, in batches and without the
// control messages that tell which address a query came to, which such a socket does not
// need.
type boundConn struct{ *net.UDPConn }

// wildcardConn is a UDP socket bound to every address (0.0.0.0 or ::), hidden from the server
// in the same way so that it is read in batches too. Its answers must leave from the address
// each query came to: the batch reader reads that address with the query and gives the
// server, as the query's source, a queryAddr that carries the control message for the
// answer, which WriteTo sends with it. (Without this the server reads such a socket one
// datagram at a time through sessions, at about half the rate.)
type wildcardConn struct{ *net.UDPConn }

// queryAddr is the client of a query that came to a wildcardConn, with the control message
// that makes the answer leave from the address the query came to (nil: any).
type queryAddr struct {
	*net.UDPAddr
	source []byte
}

// WriteTo sends b to addr, from the address of the query when addr is a queryAddr.
func (c wildcardConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if q, ok := addr.(*queryAddr); ok {
		n, _, err := c.WriteMsgUDP(b, q.source, q.UDPAddr)
		return n, err
	}
	return c.UDPConn.WriteTo(b, addr)
}

// serveUDP makes the UDP server of h answer packed replies in its read loop, reading in
// batches where the socket allows.
func serveUDP(srv *mdns.Server, h *Handler) {
	if uc, ok := srv.PacketConn.(*net.UDPConn); ok {
		a, _ := uc.LocalAddr().(*net.UDPAddr)
		switch {
		case a != nil && !a.IP.IsUnspecified():
			srv.PacketConn = boundConn{uc}
		case askForDestinations(uc):
			srv.PacketConn = wildcardConn{uc}
		}
	}
	srv.DecorateReader = packedReaders(h)
}

func packedReaders(h *Handler) mdns.DecorateReader {
	return func(r mdns.Reader) mdns.Reader {
		// The server's own buffers are as large: a longer query is cut there too.
		return &packedReader{Reader: r, h: h, log: h.log, in: make([]byte, mdns.MinMsgSize), out: make([]byte, 0, mdns.MinMsgSize)}
	}
}

// ReadPacketConn implements mdns.PacketConnReader for a boundConn or a wildcardConn, reading
// and answering in batches.
func (r *packedReader) ReadPacketConn(conn net.PacketConn, _ time.Duration) ([]byte, net.Addr, error) {
	if r.batch == nil {
		switch c := conn.(type) {
		case boundConn:
			r.batch = newBatchReader(c.UDPConn, false)
		case wildcardConn:
			r.batch = newBatchReader(c.UDPConn, true)
		default:
			return r.Reader.(mdns.PacketConnReader).ReadPacketConn(conn, 0)
		}
	}
	return r.batch.next(r.h.answerPacked)
}

// ReadUDP implements mdns.Reader for a socket bound to every address whose destinations
// could not be asked for (not Linux): the answer must come from the address the query came
// to, which the session knows.
func (r *packedReader) ReadUDP(conn *net.UDPConn, _ time.Duration) ([]byte, *mdns.SessionUDP, error) {
	for {
		n, session, err := mdns.ReadFromSessionUDP(conn, r.in)
		if err != nil {
			return nil, nil, err
		}
		if !r.answer(n, func(reply []byte) error { _, err := mdns.WriteToSessionUDP(conn, reply, session); return err }) {
			return slices.Clone(r.in[:n]), session, nil // the server reads the next one before it is served
		}
	}
}

// answer writes the packed reply to the query of n bytes in r.in, if there is one.
func (r *packedReader) answer(n int, write func([]byte) error) bool {
	reply, ok := r.h.answerPacked(r.in[:n], r.out)
	if !ok {
		return false
	}
	r.out = reply
	if err := write(reply); err != nil {
		r.log.Debug("cannot write the answer", "err", err)
	}
	return true
}
