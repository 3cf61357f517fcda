package dns

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// slowBytes is what ServeDNS writes for the query in wire format, over UDP.
func slowBytes(t testing.TB, h *Handler, query []byte) []byte {
	t.Helper()
	req := new(mdns.Msg)
	if err := req.Unpack(query); err != nil {
		t.Fatalf("unpack the query: %v", err)
	}
	w := &recorder{}
	h.ServeDNS(w, req)
	b, err := w.msg.Pack()
	if err != nil {
		t.Fatalf("pack the answer: %v", err)
	}
	return b
}

// comparePacked asks h the query twice at the same turn of the rotation, from the packed
// replies and through ServeDNS, and fails unless both give the same bytes. It reports
// whether the packed path answered.
func comparePacked(t testing.TB, h *Handler, query []byte) bool {
	t.Helper()
	turn := h.turn.Load()
	fast, ok := h.answerPacked(query, nil)
	if !ok {
		return false
	}
	h.turn.Store(turn)
	slow := slowBytes(t, h, query)
	if !bytes.Equal(fast, slow) {
		t.Fatalf("the packed reply differs from ServeDNS's\npacked   %x\nServeDNS %x", fast, slow)
	}
	return true
}

// packQuery makes a query in wire format.
func packQuery(t testing.TB, name string, qtype, qclass uint16, id uint16, rd, cd bool, edns int) []byte {
	t.Helper()
	m := new(mdns.Msg).SetQuestion(name, qtype)
	m.Question[0].Qclass = qclass
	m.Id, m.RecursionDesired, m.CheckingDisabled = id, rd, cd
	if edns > 0 {
		m.SetEdns0(uint16(edns), edns%2 == 0)
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPackedSameBytes: for many shapes of query, the packed reply is byte for byte what
// ServeDNS writes, after ServeDNS answered the question once.
func TestPackedSameBytes(t *testing.T) {
	h := bigHandler(t)
	names := []string{
		"web.shop.svc.cluster.local.", "WeB.Shop.SVC.cluster.LOCAL.", "web.shop.cluster.local.",
		"_http._tcp.web.shop.svc.cluster.local.", "_metrics._tcp.web.shop.svc.cluster.local.", "_tcp.web.shop.svc.cluster.local.",
		"resolver.shop.svc.cluster.local.", "db.shop.svc.cluster.local.", "empty.ops.svc.cluster.local.",
		"node1.node.cluster.local.", "node.cluster.local.", "shop.svc.cluster.local.", "svc.cluster.local.",
		"cluster.local.", "missing.shop.svc.cluster.local.", "a\\.b.svc.cluster.local.", "big.shop.svc.cluster.local.",
		"api.shop.svc.cluster.local.", "_http._tcp.api.shop.svc.cluster.local.", "peers.shop.svc.cluster.local.",
		"_gossip._tcp.peers.shop.svc.cluster.local.", "10-42-0-7.peers.shop.svc.cluster.local.", "alias.shop.svc.cluster.local.",
		"mail.shop.svc.cluster.local.", "loop1.shop.svc.cluster.local.",
	}
	types := []uint16{mdns.TypeA, mdns.TypeAAAA, mdns.TypeSRV, mdns.TypeSOA, mdns.TypeTXT, mdns.TypeANY}
	answered := 0
	for _, name := range names {
		for _, qtype := range types {
			for _, edns := range []int{0, 512, 1232, 4096, 4097} {
				for _, flags := range []struct{ rd, cd bool }{{false, false}, {true, false}, {true, true}} {
					for _, class := range []uint16{mdns.ClassINET, mdns.ClassCHAOS} {
						q := packQuery(t, name, qtype, class, 0x1234, flags.rd, flags.cd, edns)
						slowBytes(t, h, q) // packs the reply
						for range 3 {      // every variant of a rotated answer
							if comparePacked(t, h, q) {
								answered++
							}
						}
					}
				}
			}
		}
	}
	if answered == 0 {
		t.Fatal("nothing was answered from the packed replies")
	}
}

// TestPackedNotAnswered: messages that are not a plain query go to ServeDNS.
func TestPackedNotAnswered(t *testing.T) {
	h := bigHandler(t)
	plain := packQuery(t, "web.shop.svc.cluster.local.", mdns.TypeA, mdns.ClassINET, 7, true, false, 0)
	slowBytes(t, h, plain)
	if !comparePacked(t, h, plain) {
		t.Fatal("a plain query was not answered")
	}
	two := new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA)
	two.Question = append(two.Question, two.Question[0])
	cookie := new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA)
	cookie.SetEdns0(1232, true)
	cookie.IsEdns0().Option = append(cookie.IsEdns0().Option, &mdns.EDNS0_COOKIE{Code: mdns.EDNS0COOKIE, Cookie: "0123456789abcdef"})
	for what, b := range map[string][]byte{
		"two questions":       mustPack(t, two),
		"a response":          setBits(plain, 2, 0x80),
		"opcode NOTIFY":       setBits(plain, 2, mdns.OpcodeNotify<<3),
		"an answer record":    setBits(plain, 7, 1),
		"bytes after the end": append(bytes.Clone(plain), 0),
		"an OPT with options": mustPack(t, cookie),
		"a compressed name":   append(append(bytes.Clone(plain[:12]), 0xc0, 12), plain[len(plain)-4:]...),
		"a short message":     plain[:14],
		"a truncated name":    plain[:20],
		"another catalog":     nil,
	} {
		if what == "another catalog" {
			h2 := bigHandler(t)
			h2.packed.Store(h.packed.Load())
			b = plain
			if _, ok := h2.answerPacked(b, nil); ok {
				t.Errorf("%s: answered from the packed replies of another catalog", what)
			}
			continue
		}
		if _, ok := h.answerPacked(b, nil); ok {
			t.Errorf("%s: answered from the packed replies", what)
		}
	}
}

// TestPackedLargeReply: a reply that does not fit the client's buffer is left to ServeDNS,
// which truncates it; one that fits a larger EDNS buffer is answered.
func TestPackedLargeReply(t *testing.T) {
	h := bigHandler(t)
	small := packQuery(t, "big.shop.svc.cluster.local.", mdns.TypeA, mdns.ClassINET, 1, true, false, 0)
	large := packQuery(t, "big.shop.svc.cluster.local.", mdns.TypeA, mdns.ClassINET, 1, true, false, 1232)
	slowBytes(t, h, small)
	slowBytes(t, h, large)
	if _, ok := h.answerPacked(small, nil); ok {
		t.Error("a reply larger than 512 bytes was answered to a query without EDNS")
	}
	if !comparePacked(t, h, large) {
		t.Error("a reply that fits the EDNS buffer was not answered")
	}
}

// TestPackedLimit: names that do not exist fill the packed replies only up to the limit.
func TestPackedLimit(t *testing.T) {
	h := bigHandler(t)
	for i := range maxPackedReplies + 10 {
		slowBytes(t, h, packQuery(t, fmt.Sprintf("n%d.svc.cluster.local.", i), mdns.TypeA, mdns.ClassINET, 1, false, false, 0))
	}
	if n := len(h.packed.Load().replies); n != maxPackedReplies {
		t.Errorf("%d packed replies, want the limit %d", n, maxPackedReplies)
	}
}

// TestPackedOverUDP: through the server, a repeated question is answered from the packed
// replies with the client's ID, and a new catalog is answered at once.
func TestPackedOverUDP(t *testing.T) {
	src := &switchable{}
	src.c.Store(NewCatalog(fixture(), 1))
	addr := startServer(t, NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: src}))
	for i := range 5 {
		m := ask(t, "udp", addr, "web.shop.svc.cluster.local.", mdns.TypeA)
		if len(m.Answer) != 2 {
			t.Fatalf("query %d: %d records, want 2", i, len(m.Answer))
		}
	}
	src.c.Store(NewCatalog(nil, 2))
	if m := ask(t, "udp", addr, "web.shop.svc.cluster.local.", mdns.TypeA); m.Rcode != mdns.RcodeNameError {
		t.Fatalf("after the Service went: %s, want NXDOMAIN", mdns.RcodeToString[m.Rcode])
	}
}

// TestPackedWithSessions: a socket bound to every address reads with sessions, so that the
// answer leaves from the address the query came to; the packed replies work there too. The
// test binds 127.0.0.1 but sets the server up as for 0.0.0.0.
func TestPackedWithSessions(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.53.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog(fixture(), 1)}})
	srv := &mdns.Server{PacketConn: pc, Handler: h, DecorateReader: packedReaders(h)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	<-started
	for i := range 3 {
		m := ask(t, "udp", pc.LocalAddr().String(), "web.shop.svc.cluster.local.", mdns.TypeA)
		if len(m.Answer) != 2 {
			t.Fatalf("query %d: %d records, want 2", i, len(m.Answer))
		}
	}
	p := h.packed.Load()
	p.mu.RLock()
	defer p.mu.RUnlock()
	if len(p.replies) != 1 {
		t.Errorf("%d packed replies, want 1", len(p.replies))
	}
	if err := srv.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPackedConcurrent: clients asking at once while the catalog changes get either the old
// or the new answer, each to its own query.
func TestPackedConcurrent(t *testing.T) {
	src := &switchable{}
	src.c.Store(NewCatalog(fixture(), 1))
	addr := startServer(t, NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: src}))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c := &mdns.Client{Timeout: 2 * time.Second}
			for i := range 200 {
				if i == 100 {
					src.c.Store(NewCatalog(nil, 2))
				}
				q := new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA)
				r, _, err := c.Exchange(q, addr) // checks that the ID is the query's
				if err != nil {
					t.Error(err)
					return
				}
				if len(r.Answer) != 2 && r.Rcode != mdns.RcodeNameError {
					t.Errorf("%d records, %s: neither the old nor the new answer", len(r.Answer), mdns.RcodeToString[r.Rcode])
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzPacked: whatever the message, the packed path answers only what ServeDNS would
// answer, with the same bytes.
func FuzzPacked(f *testing.F) {
	f.Add(packQuery(f, "web.shop.svc.cluster.local.", mdns.TypeA, mdns.ClassINET, 1, true, false, 0))
	f.Add(packQuery(f, "_http._tcp.web.shop.svc.cluster.local.", mdns.TypeSRV, mdns.ClassINET, 2, true, true, 1232))
	f.Add(packQuery(f, "missing.cluster.local.", mdns.TypeAAAA, mdns.ClassINET, 3, false, false, 4096))
	f.Add(packQuery(f, "big.shop.svc.cluster.local.", mdns.TypeA, mdns.ClassINET, 3, false, false, 4096))
	h := bigHandler(f)
	f.Fuzz(func(t *testing.T, query []byte) {
		req := new(mdns.Msg)
		if req.Unpack(query) != nil || len(req.Question) != 1 || !mdns.IsSubDomain("cluster.local.", mdns.CanonicalName(req.Question[0].Name)) {
			if _, ok := h.answerPacked(query, nil); ok {
				t.Fatalf("answered a message that ServeDNS does not answer from the catalog: %x", query)
			}
			return
		}
		slowBytes(t, h, query)
		comparePacked(t, h, query)
	})
}

// bigHandler serves the fixture and a headless Service on 20 nodes, whose A answer needs EDNS.
func bigHandler(t testing.TB) *Handler {
	svc := discovery.Service{Namespace: "shop", Name: "big", ClusterIP: discovery.ClusterIPNone, Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: "TCP"}}}
	for i := range 20 {
		svc.Endpoints = append(svc.Endpoints, discovery.Endpoint{
			Pod: fmt.Sprintf("big-%d", i), Node: fmt.Sprintf("node%d", i), Address: fmt.Sprintf("10.1.0.%d", i+1), Ready: true,
			Ports: []discovery.Port{{Name: "http", Port: 30080, Protocol: "TCP"}},
		})
	}
	return NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog(append(fixture(), svc), 1)}})
}

// switchable is a Source whose catalog a test replaces.
type switchable struct{ c atomic.Pointer[Catalog] }

func (s *switchable) Catalog() *Catalog { return s.c.Load() }

func mustPack(t *testing.T, m *mdns.Msg) []byte {
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setBits is msg with bits set in its byte at i.
func setBits(msg []byte, i int, bits byte) []byte {
	b := bytes.Clone(msg)
	b[i] |= bits
	return b
}
