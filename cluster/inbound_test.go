package cluster

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"
)

func TestFetchWanted(t *testing.T) {
	mine := storeDigest{root: 1, count: 10}
	for _, c := range []struct {
		name                      string
		peer                      peerDigest
		quiet, receiving, overdue bool
		want                      bool
	}{
		{"the peer holds more and nothing is arriving", peerDigest{root: 2, count: 12}, true, false, false, true},
		{"the peer holds as many, other versions", peerDigest{root: 2, count: 10}, true, false, false, true},
		{"same store", peerDigest{root: 1, count: 10}, true, false, false, false},
		{"same store, overdue or not", peerDigest{root: 1, count: 10}, false, true, true, false},
		{"the peer holds fewer: it is the one behind", peerDigest{root: 2, count: 9}, true, false, false, false},
		{"the peer holds fewer, even overdue", peerDigest{root: 2, count: 9}, true, false, true, false},
		{"this store changed within the settle time", peerDigest{root: 2, count: 12}, false, false, false, false},
		{"a stream is arriving, maybe the very write", peerDigest{root: 2, count: 12}, true, true, false, false},
		{"a store that never rests, differing for long", peerDigest{root: 2, count: 12}, false, true, true, true},
	} {
		if got := fetchWanted(c.peer, mine, c.quiet, c.receiving, c.overdue); got != c.want {
			t.Errorf("%s: fetchWanted = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestInboundStreamsCountsOpenStreams opens real TCP streams to memberlist's own
// transport on loopback: each counts from the moment the transport hands it over until
// whoever reads it closes it, once however many times it is closed.
func TestInboundStreamsCountsOpenStreams(t *testing.T) {
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{BindAddrs: []string{"127.0.0.1"}, BindPort: 0})
	if err != nil {
		t.Fatal(err)
	}
	in := countInbound(nt)
	t.Cleanup(func() { _ = nt.Shutdown() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(nt.GetAutoBindPort()))

	if in.receiving() {
		t.Fatal("receiving before any stream was opened")
	}
	accept := func() net.Conn {
		t.Helper()
		select {
		case c := <-in.StreamCh():
			return c
		case <-time.After(10 * time.Second):
			t.Fatal("no stream handed over within 10s")
			return nil
		}
	}
	var dialed []net.Conn
	for range 2 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		dialed = append(dialed, c)
	}
	t.Cleanup(func() {
		for _, c := range dialed {
			_ = c.Close()
		}
	})
	first, second := accept(), accept()
	if got := in.open.Load(); got != 2 {
		t.Fatalf("open streams = %d, want 2", got)
	}
	_ = first.Close()
	_ = first.Close()
	if got := in.open.Load(); got != 1 || !in.receiving() {
		t.Fatalf("after one stream closed (twice): open = %d, receiving = %v; want 1, true", got, in.receiving())
	}
	_ = second.Close()
	if in.receiving() {
		t.Fatalf("receiving after every stream closed (open = %d)", in.open.Load())
	}
}

// A difference counts towards an overdue fetch from when it is first seen; a match, or a
// fetch, starts the count again.
func TestFetcherOverdue(t *testing.T) {
	var f fetcher
	t0 := time.Unix(1000, 0)
	if f.overdue(true, t0) || f.overdue(true, t0.Add(fetchOverdue-time.Millisecond)) {
		t.Fatal("overdue before fetchOverdue")
	}
	if !f.overdue(true, t0.Add(fetchOverdue)) {
		t.Fatal("not overdue after differing for fetchOverdue")
	}
	if f.overdue(false, t0.Add(fetchOverdue)) || f.overdue(true, t0.Add(fetchOverdue+time.Second)) {
		t.Fatal("still overdue after a match")
	}
	f.fetched()
	if f.overdue(true, t0.Add(2*fetchOverdue)) {
		t.Fatal("overdue at once after a fetch")
	}
}
