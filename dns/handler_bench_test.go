package dns

import (
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// BenchmarkCluster is the handler's own cost for a cluster A query, without sockets.
func BenchmarkCluster(b *testing.B) {
	h := NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog(fixture(), 1)}})
	req := new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA)
	w := &recorder{}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeDNS(w, req)
	}
}

// BenchmarkPacked is the same query answered from the packed replies, as the UDP read loop
// does once ServeDNS answered it.
func BenchmarkPacked(b *testing.B) {
	h := NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog(fixture(), 1)}})
	req := new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA)
	h.ServeDNS(&recorder{}, req)
	query, err := req.Pack()
	if err != nil {
		b.Fatal(err)
	}
	out := make([]byte, 0, mdns.MinMsgSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := h.answerPacked(query, out); !ok {
			b.Fatal("not answered from the packed replies")
		}
	}
}
