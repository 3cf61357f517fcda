package cluster

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

// testLogger discards logs unless CLUSTER_TEST_LOG is set, since memberlist
// keeps logging from its goroutines after a test has ended.
func testLogger() *slog.Logger {
	if os.Getenv("CLUSTER_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fastConfig is a node on loopback with timings short enough for tests:
// failures are detected within a second or two.
func fastConfig(name, dir string) Config {
	return Config{
		NodeName:          name,
		BindAddr:          "127.0.0.1",
		StateDir:          dir,
		ProbeInterval:     100 * time.Millisecond,
		ProbeTimeout:      80 * time.Millisecond,
		GossipInterval:    20 * time.Millisecond,
		PushPullInterval:  500 * time.Millisecond,
		StreamTimeout:     2 * time.Second,
		ReconnectInterval: 200 * time.Millisecond,
		Logger:            testLogger(),
	}
}

// start starts a node and shuts it down at the end of the test.
func start(t *testing.T, cfg Config) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start %s: %v", cfg.NodeName, err)
	}
	t.Cleanup(func() { _ = n.Shutdown() })
	return n
}

// startCluster starts count nodes named n0, n1, ... that all join n0, and
// waits until each sees all of them alive. configure, if not nil, adjusts
// each node's configuration.
func startCluster(t *testing.T, count int, configure func(*Config)) []*Node {
	t.Helper()
	nodes := make([]*Node, 0, count)
	for i := range count {
		cfg := fastConfig("n"+strconv.Itoa(i), t.TempDir())
		if i > 0 {
			cfg.Join = []string{nodes[0].Addr()}
			cfg.JoinToken = nodes[0].JoinToken()
		}
		if configure != nil {
			configure(&cfg)
		}
		nodes = append(nodes, start(t, cfg))
	}
	waitAlive(t, nodes, count)
	return nodes
}

// waitAlive waits until every node sees want alive members.
func waitAlive(t *testing.T, nodes []*Node, want int) {
	t.Helper()
	waitFor(t, 15*time.Second, "every node sees "+strconv.Itoa(want)+" alive members", func() bool {
		for _, n := range nodes {
			if n.members.aliveCount() != want {
				return false
			}
		}
		return true
	})
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitValue waits until every node reads want under key.
func waitValue(t *testing.T, nodes []*Node, key string, want []byte) {
	t.Helper()
	waitFor(t, 15*time.Second, "every node reads "+key, func() bool {
		for _, n := range nodes {
			e, ok := n.Get(key)
			if !ok || !bytes.Equal(e.Value, want) {
				return false
			}
		}
		return true
	})
}

// waitDeleted waits until every node holds a tombstone for key.
func waitDeleted(t *testing.T, nodes []*Node, key string) {
	t.Helper()
	waitFor(t, 15*time.Second, "every node holds a tombstone for "+key, func() bool {
		for _, n := range nodes {
			if e, ok := n.entry(key); !ok || !e.Deleted {
				return false
			}
		}
		return true
	})
}

// entry reads a key including tombstones.
func (n *Node) entry(key string) (Entry, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	e, ok := n.entries[key]
	return e, ok
}

// testNet wraps the transports of a test's nodes: it can cut the links
// between groups of nodes, and record every byte any node sends.
type testNet struct {
	mu      sync.Mutex
	group   map[string]int // gossip address -> group, while partitioned
	capture bool
	packets [][]byte        // every UDP payload sent
	streams []*bytes.Buffer // what each side of each TCP stream sent
}

// partition cuts every link between nodes of different groups.
func (tn *testNet) partition(groups ...[]*Node) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.group = make(map[string]int)
	for i, g := range groups {
		for _, n := range g {
			tn.group[n.Addr()] = i
		}
	}
}

// heal restores every link.
func (tn *testNet) heal() {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.group = nil
}

func (tn *testNet) blocked(from, to string) bool {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if tn.group == nil {
		return false
	}
	gf, okf := tn.group[from]
	gt, okt := tn.group[to]
	return okf && okt && gf != gt
}

func (tn *testNet) recordPacket(b []byte) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if tn.capture {
		tn.packets = append(tn.packets, bytes.Clone(b))
	}
}

func (tn *testNet) recordStream(buf *bytes.Buffer, b []byte) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	if !tn.capture {
		return
	}
	if buf.Len() == 0 {
		tn.streams = append(tn.streams, buf)
	}
	buf.Write(b)
}

// startCapture starts recording all traffic.
func (tn *testNet) startCapture() {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.capture = true
}

// captured returns what was recorded so far.
func (tn *testNet) captured() (packets, streams [][]byte) {
	tn.mu.Lock()
	defer tn.mu.Unlock()
	packets = slices.Clone(tn.packets)
	for _, s := range tn.streams {
		streams = append(streams, bytes.Clone(s.Bytes()))
	}
	return packets, streams
}

// wrap is a Config.WrapTransport.
func (tn *testNet) wrap(inner memberlist.NodeAwareTransport) memberlist.NodeAwareTransport {
	nt := inner.(*memberlist.NetTransport)
	w := &testTransport{
		NodeAwareTransport: inner,
		net:                tn,
		self:               net.JoinHostPort("127.0.0.1", strconv.Itoa(nt.GetAutoBindPort())),
		streams:            make(chan net.Conn),
		done:               make(chan struct{}),
	}
	go w.forwardStreams()
	return w
}

type testTransport struct {
	memberlist.NodeAwareTransport
	net     *testNet
	self    string
	streams chan net.Conn
	done    chan struct{}
	once    sync.Once
}

var errCut = errors.New("link cut by the test")

func (w *testTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return w.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (w *testTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if w.net.blocked(w.self, a.Addr) {
		return time.Now(), nil // a lost packet
	}
	w.net.recordPacket(b)
	return w.NodeAwareTransport.WriteToAddress(b, a)
}

func (w *testTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return w.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (w *testTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if w.net.blocked(w.self, a.Addr) {
		return nil, errCut
	}
	c, err := w.NodeAwareTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return &recordedConn{Conn: c, net: w.net, sent: new(bytes.Buffer)}, nil
}

func (w *testTransport) StreamCh() <-chan net.Conn { return w.streams }

func (w *testTransport) forwardStreams() {
	for {
		select {
		case c := <-w.NodeAwareTransport.StreamCh():
			select {
			case w.streams <- &recordedConn{Conn: c, net: w.net, sent: new(bytes.Buffer)}:
			case <-w.done:
				_ = c.Close()
				return
			}
		case <-w.done:
			return
		}
	}
}

// Shutdown stops the inner transport before the relay: memberlist still reads streams
// while its transport shuts down, and a stream that arrives meanwhile (a peer's push/pull)
// must be relayed, or the inner transport's listener blocks handing it over and its
// Shutdown waits for that listener for ever.
func (w *testTransport) Shutdown() error {
	err := w.NodeAwareTransport.Shutdown()
	w.once.Do(func() { close(w.done) })
	return err
}

// recordedConn records what a node writes on a stream.
type recordedConn struct {
	net.Conn
	net  *testNet
	sent *bytes.Buffer
}

func (c *recordedConn) Write(b []byte) (int, error) {
	c.net.recordStream(c.sent, b)
	return c.Conn.Write(b)
}
