package dns

import (
	"fmt"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/podman-swarm/podman-swarm/discovery"
)

const soa = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 5"

// noForward fails the test if a cluster name reaches the upstreams.
type noForward struct{ t *testing.T }

func (f noForward) Forward(req *mdns.Msg) (*mdns.Msg, error) {
	f.t.Errorf("forwarded %s", req.Question[0].Name)
	return nil, nil
}

func clusterHandler(t *testing.T) *Handler {
	return NewHandler(HandlerConfig{
		Domain:    "cluster.local",
		TTL:       5 * time.Second,
		Source:    Static{NewCatalog(fixture(), 1)},
		Forwarder: noForward{t},
		Whitelist: HostList{}, // cluster names are answered whatever the whitelist says
	})
}

func TestClusterAnswers(t *testing.T) {
	webA := section{
		"web.shop.svc.cluster.local. 5 IN A 10.0.0.1",
		"web.shop.svc.cluster.local. 5 IN A 10.0.0.2",
	}
	webHTTP := section{
		"_http._tcp.web.shop.svc.cluster.local. 5 IN SRV 0 1 30080 node1.node.cluster.local.",
		"_http._tcp.web.shop.svc.cluster.local. 5 IN SRV 0 1 30081 node1.node.cluster.local.",
		"_http._tcp.web.shop.svc.cluster.local. 5 IN SRV 0 1 30080 node2.node.cluster.local.",
	}
	nodes12 := section{
		"node1.node.cluster.local. 5 IN A 10.0.0.1",
		"node2.node.cluster.local. 5 IN A 10.0.0.2",
	}
	tests := []struct {
		qname  string
		qtype  uint16
		rcode  int
		answer section
		ns     section
		extra  section
	}{
		// A: one per distinct node address of the ready endpoints.
		{qname: "web.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: webA},
		{qname: "web.shop.cluster.local.", qtype: mdns.TypeA, answer: section{
			"web.shop.cluster.local. 5 IN A 10.0.0.1",
			"web.shop.cluster.local. 5 IN A 10.0.0.2",
		}},
		{qname: "WEB.Shop.SVC.Cluster.Local.", qtype: mdns.TypeA, answer: section{
			"WEB.Shop.SVC.Cluster.Local. 5 IN A 10.0.0.1",
			"WEB.Shop.SVC.Cluster.Local. 5 IN A 10.0.0.2",
		}},
		{qname: "web.shop.svc.cluster.local.", qtype: mdns.TypeAAAA, ns: section{soa}},
		{qname: "resolver.shop.svc.cluster.local.", qtype: mdns.TypeAAAA, answer: section{
			"resolver.shop.svc.cluster.local. 5 IN AAAA fd00::6",
		}},
		{qname: "resolver.shop.svc.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		// SRV: published ports, node targets, their addresses in the additional section.
		{qname: "_http._tcp.web.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: webHTTP, extra: nodes12},
		{qname: "_http._tcp.web.shop.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"_http._tcp.web.shop.cluster.local. 5 IN SRV 0 1 30080 node1.node.cluster.local.",
			"_http._tcp.web.shop.cluster.local. 5 IN SRV 0 1 30081 node1.node.cluster.local.",
			"_http._tcp.web.shop.cluster.local. 5 IN SRV 0 1 30080 node2.node.cluster.local.",
		}, extra: nodes12},
		{qname: "_metrics._tcp.web.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"_metrics._tcp.web.shop.svc.cluster.local. 5 IN SRV 0 1 30090 node1.node.cluster.local.",
			"_metrics._tcp.web.shop.svc.cluster.local. 5 IN SRV 0 1 30090 node2.node.cluster.local.",
		}, extra: nodes12},
		{qname: "web.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"web.shop.svc.cluster.local. 5 IN SRV 0 1 30080 node1.node.cluster.local.",
			"web.shop.svc.cluster.local. 5 IN SRV 0 1 30090 node1.node.cluster.local.",
			"web.shop.svc.cluster.local. 5 IN SRV 0 1 30081 node1.node.cluster.local.",
			"web.shop.svc.cluster.local. 5 IN SRV 0 1 30080 node2.node.cluster.local.",
			"web.shop.svc.cluster.local. 5 IN SRV 0 1 30090 node2.node.cluster.local.",
		}, extra: nodes12},
		{qname: "_dns._udp.resolver.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"_dns._udp.resolver.shop.svc.cluster.local. 5 IN SRV 0 1 30053 node6.node.cluster.local.",
		}, extra: section{"node6.node.cluster.local. 5 IN AAAA fd00::6"}},
		{qname: "_http._tcp.web.shop.svc.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "_tcp.web.shop.svc.cluster.local.", qtype: mdns.TypeSRV, ns: section{soa}},
		{qname: "_http._udp.web.shop.svc.cluster.local.", qtype: mdns.TypeSRV, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "_udp.web.shop.svc.cluster.local.", qtype: mdns.TypeSRV, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "_grpc._tcp.web.shop.svc.cluster.local.", qtype: mdns.TypeSRV, rcode: mdns.RcodeNameError, ns: section{soa}},
		// The SRV targets resolve, ready or not; a node name is case-insensitive.
		{qname: "node1.node.cluster.local.", qtype: mdns.TypeA, answer: section{"node1.node.cluster.local. 5 IN A 10.0.0.1"}},
		{qname: "node3.node.cluster.local.", qtype: mdns.TypeA, answer: section{"node3.node.cluster.local. 5 IN A 10.0.0.3"}},
		{qname: "node6.node.cluster.local.", qtype: mdns.TypeAAAA, answer: section{"node6.node.cluster.local. 5 IN AAAA fd00::6"}},
		{qname: "node6.node.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "node9.node.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "node.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		// NODATA: a known service without ready endpoints, parents of names, other types.
		{qname: "db.shop.svc.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "db.shop.svc.cluster.local.", qtype: mdns.TypeSRV, ns: section{soa}},
		{qname: "empty.ops.svc.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "web.shop.svc.cluster.local.", qtype: mdns.TypeTXT, ns: section{soa}},
		{qname: "web.shop.svc.cluster.local.", qtype: mdns.TypeMX, ns: section{soa}},
		{qname: "shop.svc.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "shop.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "svc.cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "cluster.local.", qtype: mdns.TypeA, ns: section{soa}},
		{qname: "cluster.local.", qtype: mdns.TypeNS, ns: section{soa}},
		{qname: "cluster.local.", qtype: mdns.TypeSOA, answer: section{soa}},
		// NXDOMAIN: unknown service, namespace or name below a service.
		{qname: "shop.shop.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "web.nowhere.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "web.nowhere.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "nowhere.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "nowhere.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "www.web.shop.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
		{qname: "a.b.c.d.e.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: section{soa}},
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
}

// TestSearchPath resolves short names the way a pod's resolver does with the search path
// the quadlet package writes (search <ns>.svc.<domain> svc.<domain> <domain>) and ndots:5:
// every expansion before the one that answers must be NXDOMAIN, so that the resolver goes on.
func TestSearchPath(t *testing.T) {
	h := clusterHandler(t)
	tests := []struct {
		namespace, name string
		want            string // the expansion that answers
	}{
		{"shop", "web", "web.shop.svc.cluster.local."},
		{"shop", "web.shop", "web.shop.svc.cluster.local."},
		{"ops", "web.shop", "web.shop.svc.cluster.local."},
		{"shop", "web.shop.svc", "web.shop.svc.cluster.local."},
		{"ops", "web.shop.svc", "web.shop.svc.cluster.local."},
		{"ops", "web.shop.svc.cluster.local", "web.shop.svc.cluster.local."},
	}
	for _, tc := range tests {
		t.Run(tc.namespace+"/"+tc.name, func(t *testing.T) {
			search := []string{tc.namespace + ".svc.cluster.local.", "svc.cluster.local.", "cluster.local."}
			var tries []string
			for _, s := range search {
				tries = append(tries, tc.name+"."+s)
			}
			tries = append(tries, tc.name+".") // tried last: fewer than 5 dots
			for _, name := range tries {
				if !mdns.IsSubDomain("cluster.local.", name) {
					t.Fatalf("no expansion of %q answered", tc.name)
				}
				m := query(t, h, name, mdns.TypeA)
				if m.Rcode == mdns.RcodeNameError {
					continue
				}
				if name != tc.want {
					t.Fatalf("%s answered %s, want NXDOMAIN so that the resolver goes on to %s", name, mdns.RcodeToString[m.Rcode], tc.want)
				}
				checkSection(t, "answer", m.Answer, section{name + " 5 IN A 10.0.0.1", name + " 5 IN A 10.0.0.2"})
				return
			}
		})
	}
}

func TestRequestErrors(t *testing.T) {
	h := clusterHandler(t)
	w := &recorder{}
	req := new(mdns.Msg).SetQuestion("web.shop.svc.cluster.local.", mdns.TypeA)
	req.Opcode = mdns.OpcodeNotify
	h.ServeDNS(w, req)
	if w.msg.Rcode != mdns.RcodeNotImplemented {
		t.Errorf("NOTIFY: rcode %s, want NOTIMP", mdns.RcodeToString[w.msg.Rcode])
	}
	req = new(mdns.Msg)
	h.ServeDNS(w, req)
	if w.msg.Rcode != mdns.RcodeFormatError {
		t.Errorf("no question: rcode %s, want FORMERR", mdns.RcodeToString[w.msg.Rcode])
	}
}

// TestLargeAnswerTruncated: a headless Service on more nodes than 512 bytes hold is truncated over
// UDP, so that the client asks again over TCP, where it gets every node.
func TestLargeAnswerTruncated(t *testing.T) {
	svc := discovery.Service{Namespace: "shop", Name: "big", ClusterIP: discovery.ClusterIPNone, Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: "TCP"}}}
	for i := range 60 {
		svc.Endpoints = append(svc.Endpoints, discovery.Endpoint{
			Pod: fmt.Sprintf("big-%d", i), Node: fmt.Sprintf("node%d", i), Address: fmt.Sprintf("10.1.0.%d", i+1), Ready: true,
			Ports: []discovery.Port{{Name: "http", Port: 30080, Protocol: "TCP"}},
		})
	}
	h := NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: Static{NewCatalog([]discovery.Service{svc}, 1)}})
	req := new(mdns.Msg).SetQuestion("big.shop.svc.cluster.local.", mdns.TypeA)
	udp, tcp := &recorder{}, &recorder{tcp: true}
	h.ServeDNS(udp, req)
	h.ServeDNS(tcp, req)
	if !udp.msg.Truncated || udp.msg.Len() > mdns.MinMsgSize {
		t.Errorf("UDP: truncated %v, %d bytes; want truncated to 512", udp.msg.Truncated, udp.msg.Len())
	}
	if tcp.msg.Truncated || len(tcp.msg.Answer) != 60 {
		t.Errorf("TCP: truncated %v, %d records; want all 60", tcp.msg.Truncated, len(tcp.msg.Answer))
	}
}
