package cluster

import (
	"net"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/memberlist"
)

// inboundStreams counts the streams that other members opened to this node and that are
// still open. A large write sent straight to this node arrives as one stream, which on a
// busy machine can take seconds to read; while one is open, what a peer's digest says
// this node lacks may well be on its way, and fetching it too would move it twice.
type inboundStreams struct {
	memberlist.NodeAwareTransport
	open    atomic.Int64
	streams chan net.Conn
}

var _ memberlist.NodeAwareTransport = (*inboundStreams)(nil)

// countInbound wraps inner so that it counts the open inbound streams. Its relay stops
// when inner closes its stream channel, at the node's shutdown.
func countInbound(inner memberlist.NodeAwareTransport) *inboundStreams {
	t := &inboundStreams{NodeAwareTransport: inner, streams: make(chan net.Conn)}
	go func() {
		defer close(t.streams)
		for conn := range inner.StreamCh() {
			t.open.Add(1)
			t.streams <- &countedConn{Conn: conn, open: &t.open}
		}
	}()
	return t
}

// StreamCh is memberlist's source of inbound streams.
func (t *inboundStreams) StreamCh() <-chan net.Conn { return t.streams }

// receiving reports whether a member has a stream open to this node.
func (t *inboundStreams) receiving() bool { return t.open.Load() > 0 }

// countedConn is an inbound stream that leaves the count when it is closed.
type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}
