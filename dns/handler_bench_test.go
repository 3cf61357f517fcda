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
