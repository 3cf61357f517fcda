package agent

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// Traffic counts the gossip bytes a node sends and receives, packets (UDP) and streams
// (TCP) alike, after encryption: what actually crosses the network.
type Traffic struct {
	SentBytes     atomic.Uint64
	ReceivedBytes atomic.Uint64
}

// countingTransport wraps memberlist's transport to fill a Traffic.
type countingTransport struct {
	memberlist.NodeAwareTransport
	t       *Traffic
	packets chan *memberlist.Packet
	streams chan net.Conn
}

var _ memberlist.NodeAwareTransport = (*countingTransport)(nil)

func (t *Traffic) wrap(inner memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	c := &countingTransport{
		NodeAwareTransport: inner,
		t:                  t,
		packets:            make(chan *memberlist.Packet),
		streams:            make(chan net.Conn),
	}
	go func() {
		defer close(c.packets)
		for p := range inner.PacketCh() {
			t.ReceivedBytes.Add(uint64(len(p.Buf)))
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
	c.t.SentBytes.Add(uint64(len(b)))
	return c.NodeAwareTransport.WriteTo(b, addr)
}

func (c *countingTransport) WriteToAddress(b []byte, addr memberlist.Address) (time.Time, error) {
	c.t.SentBytes.Add(uint64(len(b)))
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
	t *Traffic
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.t.ReceivedBytes.Add(uint64(n))
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.t.SentBytes.Add(uint64(n))
	return n, err
}
