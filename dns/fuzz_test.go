package dns

import (
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// FuzzHandler sends arbitrary names and types: every query gets an answer that packs, and a
// cluster name never reaches the upstreams.
func FuzzHandler(f *testing.F) {
	for _, s := range []string{"web.shop.svc.cluster.local.", "_http._tcp.web.shop.svc.cluster.local.", "node1.node.cluster.local.", "cluster.local.", "a\\.b.svc.cluster.local.", "example.com."} {
		f.Add(s, mdns.TypeA)
	}
	h := NewHandler(HandlerConfig{
		Domain: "cluster.local", TTL: 5 * time.Second,
		Source: Static{NewCatalog(fixture(), 1)}, Whitelist: HostList{},
	})
	f.Fuzz(func(t *testing.T, name string, qtype uint16) {
		if _, ok := mdns.IsDomainName(name); !ok {
			return
		}
		req := new(mdns.Msg).SetQuestion(mdns.Fqdn(name), qtype)
		if _, err := req.Pack(); err != nil {
			return
		}
		w := &recorder{}
		h.ServeDNS(w, req)
		if w.msg == nil {
			t.Fatal("no answer")
		}
		if _, err := w.msg.Pack(); err != nil {
			t.Fatalf("%s: the answer does not pack: %v", name, err)
		}
		if w.msg.Rcode == mdns.RcodeServerFailure {
			t.Fatalf("%s reached the (missing) upstreams", name)
		}
	})
}
