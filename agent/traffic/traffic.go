// Package traffic counts the gossip bytes a node sends and receives, for the API's /stats.
package traffic

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// Counter counts the gossip bytes a node sends and receives, packets (UDP) and streams
// (TCP) alike, after encryption: what actually crosses the network.
type Counter struct {
	sent     atomic.Uint64
	received atomic.Uint64
}

// Sent is the number of bytes sent so far.
func (t *Counter) Sent() uint64 { return t.sent.Load() }

// Received is the number of bytes received so far.
func (t *Counter) Received() uint64 { return t.received.Load() }

// countingTransport wraps memberlist's transport to fill a Counter.
type countingTransport struct {
	memberlist.NodeAwareTransport
	t       *Counter
	packets chan *memberlist.Packet
	streams chan net.Conn
}

var _ memberlist.NodeAwareTransport = (*countingTransport)(nil)

// Wrap makes a transport that counts into t what inner sends and receives; it fits
// cluster.Config.WrapTransport. Its relays stop when inner closes its channels, at the
// node's shutdown.
func (t *Counter) Wrap(inner memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	c := &countingTransport{
		NodeAwareTransport: inner,
		t:                  t,
		packets:            make(chan *memberlist.Packet),
		streams:            make(chan net.Conn),
	}
	go func() {
		defer close(c.packets)
		for p := range inner.PacketCh() {
			t.received.Add(uint64(len(p.Buf)))
			c.packets <- p
		}
	}()
	go func() {
		defer close(c.streams)
		for conn := range inner.StreamCh() {
			c.streams <- &countingConn{Conn: conn, t: t}
		}
	}()
	return c
}

func (c *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	c.t.sent.Add(uint64(len(b)))
	return c.NodeAwareTransport.WriteTo(b, addr)
}

func (c *countingTransport) WriteToAddress(b []byte, addr memberlist.Address) (time.Time, error) {
	c.t.sent.Add(uint64(len(b)))
	return c.NodeAwareTransport.WriteToAddress(b, addr)
}

func (c *countingTransport) PacketCh() <-chan *memberlist.Packet { return c.packets }
func (c *countingTransport) StreamCh() <-chan net.Conn           { return c.streams }

func (c *countingTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	conn, err := c.NodeAwareTransport.DialTimeout(addr, timeout)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, t: c.t}, nil
}

func (c *countingTransport) DialAddressTimeout(addr memberlist.Address, timeout time.Duration) (net.Conn, error) {
	conn, err := c.NodeAwareTransport.DialAddressTimeout(addr, timeout)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, t: c.t}, nil
}

// countingConn counts a stream's bytes both ways.
type countingConn struct {
	net.Conn
	t *Counter
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.t.received.Add(uint64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.t.sent.Add(uint64(n))
	return n, err
}
