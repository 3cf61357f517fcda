package cluster

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

// slowStreams wraps the transport of the writer of a test: every stream it opens stays
// open a while after its last write, so that the sends of one write to every member
// overlap, and it records how many were open at once.
type slowStreams struct {
	mu        sync.Mutex
	open, max int
}

func (s *slowStreams) wrap(inner memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	return &slowTransport{NodeAwareTransport: inner, s: s}
}

func (s *slowStreams) opened() {
	s.mu.Lock()
	s.open++
	s.max = max(s.max, s.open)
	s.mu.Unlock()
}

func (s *slowStreams) closed() { s.mu.Lock(); s.open--; s.mu.Unlock() }

func (s *slowStreams) most() int { s.mu.Lock(); defer s.mu.Unlock(); return s.max }

type slowTransport struct {
	memberlist.NodeAwareTransport
	s *slowStreams
}

func (w *slowTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	c, err := w.NodeAwareTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	w.s.opened()
	return &slowConn{Conn: c, s: w.s}, nil
}

type slowConn struct {
	net.Conn
	s    *slowStreams
	once sync.Once
}

func (c *slowConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	time.Sleep(200 * time.Millisecond)
	return n, err
}

func (c *slowConn) Close() error {
	c.once.Do(c.s.closed)
	return c.Conn.Close()
}

// TestLargeSendsTakeTurns writes more than largeSendBytes on a node of eleven, and checks
// that its messages to the ten others were never all on their way at once: at most
// largeSendSlots were, and every member got the write all the same.
func TestLargeSendsTakeTurns(t *testing.T) {
	slow := &slowStreams{}
	nodes := startCluster(t, largeSendSlots+3, func(c *Config) {
		noPushPull(c)
		if c.NodeName == "n0" {
			c.WrapTransport = slow.wrap
		}
	})
	waitFor(t, 10*time.Second, "no stream of the join is open any more", func() bool {
		slow.mu.Lock()
		defer slow.mu.Unlock()
		return slow.open == 0
	})
	slow.mu.Lock()
	slow.max = 0
	slow.mu.Unlock()

	var changes []Change
	for _, e := range writtenBy("x", "large/", 400, 1000) {
		changes = append(changes, Change{Key: e.Key, Value: e.Value})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := nodes[0].Write(ctx, changes, AckAll); err != nil {
		t.Fatal(err)
	}
	if got := slow.most(); got > largeSendSlots || got < 2 {
		t.Fatalf("%d messages of the write were on their way at once, want 2 to %d", got, largeSendSlots)
	}
}
