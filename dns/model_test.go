package dns

import (
	"testing"

	mdns "github.com/miekg/dns"
)

// TestServiceTypes: a Service with a ClusterIP answers it whatever its endpoints; one
// without a ClusterIP yet answers NODATA; a headless one its ready pods' IPs, each of which
// resolves under the Service; SRV gives the Service port with the Service as target, or a
// headless Service's pods at their container ports.
func TestServiceTypes(t *testing.T) {
	apiSRV := "_http._tcp.api.shop.svc.cluster.local. 5 IN SRV 0 1 80 api.shop.svc.cluster.local."
	apiAddr := "api.shop.svc.cluster.local. 5 IN A 10.43.0.10"
	peersAddrs := section{
		"10-42-0-7.peers.shop.svc.cluster.local. 5 IN A 10.42.0.7",
		"10-42-1-3.peers.shop.svc.cluster.local. 5 IN A 10.42.1.3",
	}
	tests := []struct {
		qname  string
		qtype  uint16
		rcode  int
		answer section
		ns     section
		extra  section
	}{
		// ClusterIP: one record, ready endpoints or not.
		{qname: "api.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{apiAddr}},
		{qname: "api.shop.cluster.local.", qtype: mdns.TypeA, answer: section{"api.shop.cluster.local. 5 IN A 10.43.0.10"}},
		{qname: "api.shop.svc.cluster.local.", qtype: mdns.TypeAAAA, ns: section{soa}},
		{qname: "cache.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{"cache.shop.svc.cluster.local. 5 IN A 10.43.0.11"}},
		{qname: "_http._tcp.api.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{apiSRV}, extra: section{apiAddr}},
		{qname: "_http._tcp.api.shop.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"_http._tcp.api.shop.cluster.local. 5 IN SRV 0 1 80 api.shop.svc.cluster.local.",
		}, extra: section{apiAddr}},
		{qname: "api.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"api.shop.svc.cluster.local. 5 IN SRV 0 1 80 api.shop.svc.cluster.local.",
			"api.shop.svc.cluster.local. 5 IN SRV 0 1 9000 api.shop.svc.cluster.local.",
		}, extra: section{apiAddr}},
		{qname: "_redis._tcp.cache.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"_redis._tcp.cache.shop.svc.cluster.local. 5 IN SRV 0 1 6379 cache.shop.svc.cluster.local.",
		}, extra: section{"cache.shop.svc.cluster.local. 5 IN A 10.43.0.11"}},
		// A pod name exists under a headless Service only.
		{qname: "10-42-0-5.api.shop.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		// No ClusterIP yet: NODATA.
		{qname: "db.shop.svc.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "empty.ops.svc.cluster.local.", qtype: mdns.TypeSRV, ns: section{soa}},
		{qname: "_http._tcp.empty.ops.svc.cluster.local.", qtype: mdns.TypeSRV, ns: section{soa}},
		// Headless: the ready pods' IPs; SRV at the container port, pod targets.
		{qname: "peers.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{
			"peers.shop.svc.cluster.local. 5 IN A 10.42.0.7",
			"peers.shop.svc.cluster.local. 5 IN A 10.42.1.3",
		}},
		{qname: "_gossip._tcp.peers.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"_gossip._tcp.peers.shop.svc.cluster.local. 5 IN SRV 0 1 7946 10-42-0-7.peers.shop.svc.cluster.local.",
			"_gossip._tcp.peers.shop.svc.cluster.local. 5 IN SRV 0 1 7946 10-42-1-3.peers.shop.svc.cluster.local.",
		}, extra: peersAddrs},
		{qname: "10-42-0-7.peers.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{peersAddrs[0]}},
		{qname: "10-42-1-3.PEERS.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{"10-42-1-3.PEERS.shop.svc.cluster.local. 5 IN A 10.42.1.3"}},
		{qname: "10-42-0-7.peers.shop.cluster.local.", qtype: mdns.TypeA, answer: section{"10-42-0-7.peers.shop.cluster.local. 5 IN A 10.42.0.7"}},
		{qname: "10-42-0-7.peers.shop.svc.cluster.local.", qtype: mdns.TypeAAAA, ns: section{soa}},
		// A pod that is not ready has no name.
		{qname: "10-42-2-4.peers.shop.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		// ExternalName inside the cluster domain: the CNAME, then its target's records.
		{qname: "alias.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{
			"alias.shop.svc.cluster.local. 5 IN CNAME api.shop.svc.cluster.local.",
			apiAddr,
		}},
		{qname: "alias.shop.svc.cluster.local.", qtype: mdns.TypeCNAME, answer: section{
			"alias.shop.svc.cluster.local. 5 IN CNAME api.shop.svc.cluster.local.",
		}},
		// A loop of ExternalName Services ends after a bounded chain.
		{qname: "_x._tcp.loop1.shop.svc.cluster.local.", qtype: mdns.TypeSRV, rcode: mdns.RcodeNameError, ns: section{soa}},
	}
	h := clusterHandler(t)
	for _, tc := range tests {
		t.Run(tc.qname+"/"+mdns.TypeToString[tc.qtype], func(t *testing.T) {
			m := query(t, h, tc.qname, tc.qtype)
			if m.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", mdns.RcodeToString[m.Rcode], mdns.RcodeToString[tc.rcode])
			}
			if !m.Authoritative {
				t.Error("a cluster answer is not authoritative")
			}
			checkSection(t, "answer", m.Answer, tc.answer)
			checkSection(t, "authority", m.Ns, tc.ns)
			checkSection(t, "additional", m.Extra, tc.extra)
		})
	}

	m := query(t, h, "loop1.shop.svc.cluster.local.", mdns.TypeA)
	if m.Rcode != mdns.RcodeSuccess || len(m.Answer) != maxAliases+1 {
		t.Errorf("a loop of CNAMEs: %s with %d records, want NOERROR with the chain cut after %d", mdns.RcodeToString[m.Rcode], len(m.Answer), maxAliases+1)
	}
}

// TestExternalName asks a server with real upstreams on loopback: the CNAME of an
// ExternalName Service is followed to the upstreams' records, and a target (or a chain
// from it) outside the whitelist is refused as any external name would be.
func TestExternalName(t *testing.T) {
	up := startUpstream(t, "127.0.53.2", mdns.RcodeSuccess)
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			open := forwardingServer(t, nil, up.addr)
			check(t, ask(t, network, open, "mail.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{
				"mail.shop.svc.cluster.local. 5 IN CNAME www.example.com.",
				"www.example.com. 60 IN A 192.0.2.2",
			})
			check(t, ask(t, network, open, "mail.shop.svc.cluster.local.", mdns.TypeCNAME), mdns.RcodeSuccess, section{
				"mail.shop.svc.cluster.local. 5 IN CNAME www.example.com.",
			})
			check(t, ask(t, network, open, "tracker.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeNameError, section{
				"tracker.shop.svc.cluster.local. 5 IN CNAME tracker.example.net.",
			})

			listed := forwardingServer(t, NewHostList([]string{"example.com"}), up.addr)
			check(t, ask(t, network, listed, "mail.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{
				"mail.shop.svc.cluster.local. 5 IN CNAME www.example.com.",
				"www.example.com. 60 IN A 192.0.2.2",
			})
			check(t, ask(t, network, listed, "tracker.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeRefused, nil)
			check(t, ask(t, network, listed, "tracker.shop.svc.cluster.local.", mdns.TypeCNAME), mdns.RcodeRefused, nil)
			check(t, ask(t, network, listed, "leak.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeRefused, nil)
		})
	}
	// Asked twice, over UDP, the answer still comes from the upstreams: a whitelist change or
	// a new upstream record is never hidden behind a packed reply.
	before := up.udp.Load()
	addr := forwardingServer(t, nil, up.addr)
	for range 3 {
		ask(t, "udp", addr, "mail.shop.svc.cluster.local.", mdns.TypeA)
	}
	if got := up.udp.Load() - before; got != 3 {
		t.Errorf("the upstream was asked %d times for 3 queries, want 3", got)
	}
}
