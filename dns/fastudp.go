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
type packedReader struct {
	mdns.Reader // for the server's other reads
	h           *Handler
	log         *slog.Logger
	in, out     []byte
	bound       int // 0 not known yet, 1 to one address, -1 to every address (0.0.0.0 or ::)
}

// decorateUDP makes the UDP server's reader a packedReader.
func decorateUDP(h *Handler) mdns.DecorateReader {
	return func(r mdns.Reader) mdns.Reader {
		// The server's own buffers are as large: a longer query is cut there too.
		return &packedReader{Reader: r, h: h, log: h.log, in: make([]byte, mdns.MinMsgSize), out: make([]byte, 0, mdns.MinMsgSize)}
	}
}

// ReadUDP implements mdns.Reader. It sets no read deadline: the server's read loop needs
// none, and Shutdown sets one in the past to end it.
func (r *packedReader) ReadUDP(conn *net.UDPConn, _ time.Duration) ([]byte, *mdns.SessionUDP, error) {
	for {
		n, session, err := mdns.ReadFromSessionUDP(conn, r.in)
		if err != nil {
			return nil, nil, err
		}
		reply, ok := r.h.answerPacked(r.in[:n], r.out)
		if !ok {
			return slices.Clone(r.in[:n]), session, nil // the server reads the next one before it is served
		}
		r.out = reply
		if err := r.write(conn, reply, session); err != nil {
			r.log.Debug("cannot write the answer", "client", session.RemoteAddr().String(), "err", err)
		}
	}
}

// write sends a reply. A socket bound to one address answers from it; one bound to every
// address must answer from the address the query came to, which the session knows (and
// which costs more: control messages, a route lookup for the source).
func (r *packedReader) write(conn *net.UDPConn, reply []byte, session *mdns.SessionUDP) error {
	if r.bound == 0 {
		r.bound = -1
		if a, ok := conn.LocalAddr().(*net.UDPAddr); ok && !a.IP.IsUnspecified() {
			r.bound = 1
		}
	}
	if to, ok := session.RemoteAddr().(*net.UDPAddr); ok && r.bound == 1 {
		_, err := conn.WriteToUDP(reply, to)
		return err
	}
	_, err := mdns.WriteToSessionUDP(conn, reply, session)
	return err
}
