package dns

import (
	"net"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// A burst of queries, packed and not (a question with an EDNS option goes to the handler),
// sent before any answer is read, so that the server reads them in batches: every query gets
// its own answer, under its own ID.
func TestBatchedBurst(t *testing.T) {
	addr := startServer(t, NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog(fixture(), 1)}}))
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
			t.Fatalf("%d answers missing: %v", len(want), err)
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
