package dns

import (
	"net"
	"runtime"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// A burst of queries, packed and not (a question with an EDNS option goes to the handler),
// sent before any answer is read, so that the server reads them in batches: every query gets
// its own answer, under its own ID.
func TestBatchedBurst(t *testing.T) {
	addr := startServer(t, NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog(fixture(), 1)}}))
	askInBurst(t, addr)
}

// TestWildcardAnswersFromTheAddressAsked: a server bound to every address (the packaged
// default, 0.0.0.0:53) reads in batches too, and each answer, packed or from the handler,
// leaves from the address its query came to. The clients' sockets are connected, so they
// take no answer from another address: one would be missing.
func TestWildcardAnswersFromTheAddressAsked(t *testing.T) {
	s, err := Listen("0.0.0.0:0", NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog(fixture(), 1)}}))
	if err != nil {
		t.Fatal(err)
	}
	run(t, "dns", s)
	if _, ok := s.udp.PacketConn.(wildcardConn); !ok && runtime.GOOS == "linux" {
		t.Fatalf("the socket on %s is read as a %T, not in batches", s.Addr(), s.udp.PacketConn)
	}
	_, port, _ := net.SplitHostPort(s.Addr())
	hosts := []string{"127.0.0.1", "127.0.53.9"}
	if c, err := net.ListenPacket("udp6", "[::1]:0"); err == nil {
		c.Close()
		hosts = append(hosts, "::1")
	}
	for _, host := range hosts {
		t.Run(host, func(t *testing.T) { askInBurst(t, net.JoinHostPort(host, port)) })
	}
}

// askInBurst sends queries to addr, a third of them not packed, before it reads any answer,
// and checks that each gets its own answer.
func askInBurst(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const n = 3*batchSize + 5
	want := map[uint16]int{} // ID -> records expected
	for i := range n {
		q := new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA)
		q.Id = uint16(1000 + i)
		if i%3 == 0 { // not packed: an EDNS option
			q.SetEdns0(1232, false)
			q.IsEdns0().Option = append(q.IsEdns0().Option, &mdns.EDNS0_NSID{Code: mdns.EDNS0NSID})
		}
		data, err := q.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(data); err != nil {
			t.Fatal(err)
		}
		want[q.Id] = 2
	}
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for range n {
		k, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("%d answers of %d missing from %s: %v", len(want), n, addr, err)
		}
		var m mdns.Msg
		if err := m.Unpack(buf[:k]); err != nil {
			t.Fatal(err)
		}
		if records, ok := want[m.Id]; !ok || len(m.Answer) != records {
			t.Fatalf("answer %d: %d records, expected %v (%v)", m.Id, len(m.Answer), records, ok)
		}
		delete(want, m.Id)
	}
}
