package dns

import (
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

func forwardingServer(t *testing.T, wl Whitelist, upstreams ...string) string {
	return startServer(t, NewHandler(HandlerConfig{
		Domain:    "cluster.local",
		TTL:       5 * time.Second,
		Source:    Static{NewCatalog(fixture(), 1)},
		Forwarder: &Upstreams{Addrs: upstreams, Timeout: 500 * time.Millisecond},
		Whitelist: wl,
	}))
}

func TestForward(t *testing.T) {
	up := startUpstream(t, "127.0.53.2", mdns.RcodeSuccess)
	addr := forwardingServer(t, nil, up.addr)
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			check(t, ask(t, network, addr, "example.com.", mdns.TypeA), mdns.RcodeSuccess, section{"example.com. 60 IN A 192.0.2.1"})
			check(t, ask(t, network, addr, "nowhere.example.com.", mdns.TypeA), mdns.RcodeNameError, nil)
			// Cluster names are the server's own, on both networks.
			check(t, ask(t, network, addr, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{
				"web.shop.svc.cluster.local. 5 IN A 10.0.0.1",
				"web.shop.svc.cluster.local. 5 IN A 10.0.0.2",
			})
		})
	}
}

func TestForwardTruncatedRetriesOverTCP(t *testing.T) {
	up := startUpstream(t, "127.0.53.2", mdns.RcodeSuccess)
	u := &Upstreams{Addrs: []string{up.addr}, Timeout: time.Second}
	r, err := u.Forward(new(mdns.Msg).SetQuestion("big.example.com.", mdns.TypeTXT))
	if err != nil {
		t.Fatal(err)
	}
	if r.Truncated || len(r.Answer) != len(bigTXT()) {
		t.Errorf("got %d records (truncated %v), want all %d", len(r.Answer), r.Truncated, len(bigTXT()))
	}
	if up.udp.Load() != 1 || up.tcp.Load() != 1 {
		t.Errorf("upstream asked %d times over UDP and %d over TCP, want once each", up.udp.Load(), up.tcp.Load())
	}

	// Through the server: a UDP client without EDNS gets a truncated answer, and all of it
	// over TCP.
	addr := forwardingServer(t, nil, up.addr)
	if m := ask(t, "udp", addr, "big.example.com.", mdns.TypeTXT); !m.Truncated {
		t.Errorf("UDP answer of %d records is not truncated", len(m.Answer))
	}
	check(t, ask(t, "tcp", addr, "big.example.com.", mdns.TypeTXT), mdns.RcodeSuccess, bigTXT())
}

func TestForwardNextUpstream(t *testing.T) {
	good := startUpstream(t, "127.0.53.3", mdns.RcodeSuccess)
	tests := map[string]string{
		"refused port": deadUpstream(t, "127.0.53.2", false),
		"timeout":      deadUpstream(t, "127.0.53.2", true),
		"SERVFAIL":     startUpstream(t, "127.0.53.2", mdns.RcodeServerFailure).addr,
		"REFUSED":      startUpstream(t, "127.0.53.2", mdns.RcodeRefused).addr,
	}
	for name, first := range tests {
		t.Run(name, func(t *testing.T) {
			addr := forwardingServer(t, nil, first, good.addr)
			check(t, ask(t, "udp", addr, "example.com.", mdns.TypeA), mdns.RcodeSuccess, section{"example.com. 60 IN A 192.0.2.1"})
		})
	}
}

func TestForwardAllUpstreamsFail(t *testing.T) {
	addr := forwardingServer(t, nil,
		deadUpstream(t, "127.0.53.2", false),
		startUpstream(t, "127.0.53.3", mdns.RcodeServerFailure).addr)
	check(t, ask(t, "udp", addr, "example.com.", mdns.TypeA), mdns.RcodeServerFailure, nil)
	// The cluster still answers.
	check(t, ask(t, "udp", addr, "node1.node.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{"node1.node.cluster.local. 5 IN A 10.0.0.1"})
}

func TestWhitelist(t *testing.T) {
	up := startUpstream(t, "127.0.53.2", mdns.RcodeSuccess)
	wl := NewHostList([]string{"example.com"}) // the only site these pods may reach
	addr := forwardingServer(t, wl, up.addr)
	tests := []struct {
		name   string
		rcode  int
		answer section
	}{
		{"example.com.", mdns.RcodeSuccess, section{"example.com. 60 IN A 192.0.2.1"}},
		{"WWW.Example.COM.", mdns.RcodeSuccess, section{"www.example.com. 60 IN A 192.0.2.2"}},
		{"alias.example.com.", mdns.RcodeSuccess, section{
			"alias.example.com. 60 IN CNAME www.example.com.",
			"www.example.com. 60 IN A 192.0.2.2",
		}},
		{"leak.example.com.", mdns.RcodeRefused, nil},
		{"other.org.", mdns.RcodeRefused, nil},
		{"badexample.com.", mdns.RcodeRefused, nil},
		{"web.shop.svc.cluster.local.", mdns.RcodeSuccess, section{
			"web.shop.svc.cluster.local. 5 IN A 10.0.0.1",
			"web.shop.svc.cluster.local. 5 IN A 10.0.0.2",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, ask(t, "udp", addr, tc.name, mdns.TypeA), tc.rcode, tc.answer)
		})
	}
	// A refused name never leaves the node.
	before := up.udp.Load()
	ask(t, "udp", addr, "other.org.", mdns.TypeA)
	if n := up.udp.Load() - before; n != 0 {
		t.Errorf("other.org was asked upstream %d times", n)
	}
}
