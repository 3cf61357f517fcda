package dns

import (
	"net/netip"
	"strings"

	mdns "github.com/miekg/dns"
)

// cluster answers a name under the cluster domain. rel holds the name's labels in lower
// case without the domain, e.g. [web shop svc] for web.shop.svc.cluster.local. An empty
// answer with NOERROR is NODATA; the caller adds the SOA. turn rotates the answers of
// Services (see rotate).
func (h *Handler) cluster(c *Catalog, q mdns.Question, rel []string, turn func(n int) int) (int, []mdns.RR, []mdns.RR) {
	n := len(rel)
	switch {
	case n == 0:
		if q.Qtype == mdns.TypeSOA {
			return mdns.RcodeSuccess, []mdns.RR{h.soa(c)}, nil
		}
		return mdns.RcodeSuccess, nil, nil
	case rel[n-1] == "svc":
		return h.services(c, q, rel[:n-1], true, turn)
	case rel[n-1] == "node":
		if n == 1 && len(c.nodes) > 0 {
			return mdns.RcodeSuccess, nil, nil
		}
		if addrs, ok := c.nodes[strings.Join(rel[:n-1], ".")]; ok {
			return mdns.RcodeSuccess, h.addrRecords(q.Name, q.Qtype, addrs), nil
		}
	}
	return h.services(c, q, rel, false, turn)
}

// services answers the names of the Services below svc.<domain> (long) or <domain>: rel is
// [namespace], [service namespace], [_proto service namespace], [pod service namespace] (a
// ready pod of a headless Service, by its dashed pod IP or its hostname) or [_port _proto
// service namespace].
func (h *Handler) services(c *Catalog, q mdns.Question, rel []string, long bool, turn func(n int) int) (int, []mdns.RR, []mdns.RR) {
	switch n := len(rel); {
	case n == 0 && long:
		return mdns.RcodeSuccess, nil, nil // svc.<domain> itself
	case n == 1 && c.namespaces[rel[0]]:
		return mdns.RcodeSuccess, nil, nil
	case n == 2:
		if svc, ok := c.services[rel[0]+"."+rel[1]]; ok {
			return h.serviceRecords(q, svc, "", turn)
		}
	case n == 3 && strings.HasPrefix(rel[0], "_"):
		if svc, ok := c.services[rel[1]+"."+rel[2]]; ok && svc.protos[rel[0]] {
			return mdns.RcodeSuccess, nil, nil
		}
	case n == 3:
		if svc, ok := c.services[rel[1]+"."+rel[2]]; ok {
			if ip, ok := svc.pods[rel[0]]; ok {
				return mdns.RcodeSuccess, h.addrRecords(q.Name, q.Qtype, []netip.Addr{ip}), nil
			}
		}
	case n == 4 && strings.HasPrefix(rel[0], "_") && strings.HasPrefix(rel[1], "_"):
		port := rel[0] + "." + rel[1]
		if svc, ok := c.services[rel[2]+"."+rel[3]]; ok && svc.ports[port] {
			if q.Qtype != mdns.TypeSRV {
				return mdns.RcodeSuccess, nil, nil
			}
			return h.serviceRecords(q, svc, port, turn)
		}
	}
	return mdns.RcodeNameError, nil, nil
}

// serviceRecords answers a Service's name (port "") or one of its ports ("_<name>._<proto>",
// SRV only): A and AAAA give its ClusterIP, or a headless Service's ready pods; SRV its
// ports; an ExternalName Service a CNAME whatever the type (the caller follows it).
func (h *Handler) serviceRecords(q mdns.Question, svc *service, port string, turn func(n int) int) (int, []mdns.RR, []mdns.RR) {
	switch svc.kind {
	case external:
		if svc.target == "" {
			return mdns.RcodeSuccess, nil, nil
		}
		return mdns.RcodeSuccess, []mdns.RR{&mdns.CNAME{Hdr: h.header(q.Name, mdns.TypeCNAME), Target: svc.target}}, nil
	case pending:
		return mdns.RcodeSuccess, nil, nil // NODATA until the cluster allocates its ClusterIP
	case virtual:
		if port == "" && (q.Qtype == mdns.TypeA || q.Qtype == mdns.TypeAAAA) {
			return mdns.RcodeSuccess, h.addrRecords(q.Name, q.Qtype, []netip.Addr{svc.clusterIP}), nil
		}
		if q.Qtype != mdns.TypeSRV {
			return mdns.RcodeSuccess, nil, nil
		}
		return mdns.RcodeSuccess, h.virtualSRV(q, svc, port), h.bothAddrRecords(h.serviceName(svc), svc.clusterIP)
	}
	if port == "" && (q.Qtype == mdns.TypeA || q.Qtype == mdns.TypeAAAA) {
		return mdns.RcodeSuccess, rotate(h.addrRecords(q.Name, q.Qtype, svc.addrs), turn), nil
	}
	if q.Qtype != mdns.TypeSRV {
		return mdns.RcodeSuccess, nil, nil
	}
	answer, extra := h.headlessSRV(q, svc, port)
	return mdns.RcodeSuccess, rotate(answer, turn), extra
}

// virtualSRV is one SRV record per Service port (port: only that one), at the Service port,
// whose target is the Service's name: the ClusterIP leads to the endpoints.
func (h *Handler) virtualSRV(q mdns.Question, svc *service, port string) []mdns.RR {
	var answer []mdns.RR
	target := h.serviceName(svc)
	for _, p := range svc.svcPorts {
		if port != "" && (p.Name == "" || portLabel(p) != port) {
			continue
		}
		answer = append(answer, &mdns.SRV{
			Hdr:      h.header(q.Name, mdns.TypeSRV),
			Priority: 0, Weight: 1, Port: uint16(p.Port), Target: target,
		})
	}
	return answer
}

// headlessSRV is one SRV record per ready pod and port of a headless Service: a pod with a
// pod IP at its container port, with the target <dashed pod IP>.<service>.<namespace>.svc.<domain>
// (<hostname>.<service>... for a pod with a hostname under the Service);
// a pod without one (placed before pods had their own address) at the port it publishes
// on its node, with the target <node>.node.<domain>. The targets' addresses go in the
// additional section.
func (h *Handler) headlessSRV(q mdns.Question, svc *service, port string) (answer, extra []mdns.RR) {
	type target struct {
		name string
		port int32
	}
	seen := map[target]bool{}
	named := map[string]bool{}
	for _, ep := range svc.ready {
		for _, p := range ep.ports {
			if port != "" && (p.Name == "" || portLabel(p) != port) {
				continue
			}
			var t target
			var addr netip.Addr
			switch {
			case ep.podIP.IsValid() && p.TargetPort != 0:
				label := dashed(ep.podIP)
				if ep.hostname != "" {
					label = ep.hostname // as Kubernetes names a pod that has a hostname under the Service
				}
				t, addr = target{label + "." + h.serviceName(svc), p.TargetPort}, ep.podIP
			case ep.node != "":
				t, addr = target{h.nodeName(ep.node), p.Port}, ep.addr
			default:
				continue
			}
			if seen[t] {
				continue
			}
			seen[t] = true
			answer = append(answer, &mdns.SRV{
				Hdr:      h.header(q.Name, mdns.TypeSRV),
				Priority: 0, Weight: 1, Port: uint16(t.port), Target: t.name,
			})
			if !named[t.name] {
				named[t.name] = true
				extra = append(extra, h.bothAddrRecords(t.name, addr)...)
			}
		}
	}
	return answer, extra
}

// rotate starts an answer at the record turn picks, so that clients that take the first
// one spread over the endpoints.
func rotate(rrs []mdns.RR, turn func(n int) int) []mdns.RR {
	if len(rrs) < 2 {
		return rrs
	}
	n := turn(len(rrs))
	return append(rrs[n:], rrs[:n]...)
}

// nextTurn starts each answer at another record: answers that follow each other start at
// the next one.
func (h *Handler) nextTurn(n int) int { return int(h.turn.Add(1) % uint64(n)) }

// addrRecords makes the A (qtype A) or AAAA (qtype AAAA) records of addrs at name; other
// types get none.
func (h *Handler) addrRecords(name string, qtype uint16, addrs []netip.Addr) []mdns.RR {
	var out []mdns.RR
	for _, a := range addrs {
		switch {
		case qtype == mdns.TypeA && a.Is4():
			out = append(out, &mdns.A{Hdr: h.header(name, mdns.TypeA), A: a.AsSlice()})
		case qtype == mdns.TypeAAAA && a.Is6():
			out = append(out, &mdns.AAAA{Hdr: h.header(name, mdns.TypeAAAA), AAAA: a.AsSlice()})
		}
	}
	return out
}

// bothAddrRecords is the A or AAAA record of addr at name, for an additional section.
func (h *Handler) bothAddrRecords(name string, addr netip.Addr) []mdns.RR {
	return append(h.addrRecords(name, mdns.TypeA, []netip.Addr{addr}), h.addrRecords(name, mdns.TypeAAAA, []netip.Addr{addr})...)
}

func (h *Handler) nodeName(node string) string { return node + ".node." + h.domain }

// serviceName is the long name of a Service: <service>.<namespace>.svc.<domain>.
func (h *Handler) serviceName(svc *service) string { return svc.name + ".svc." + h.domain }

func (h *Handler) header(name string, rrtype uint16) mdns.RR_Header {
	return mdns.RR_Header{Name: name, Rrtype: rrtype, Class: mdns.ClassINET, Ttl: h.ttl}
}

// soa is the cluster domain's SOA; its minimum, the TTL of negative answers, is the TTL of
// the positive ones.
func (h *Handler) soa(c *Catalog) *mdns.SOA {
	return &mdns.SOA{
		Hdr:     h.header(h.domain, mdns.TypeSOA),
		Ns:      "ns.dns." + h.domain,
		Mbox:    "hostmaster." + h.domain,
		Serial:  c.serial,
		Refresh: 7200,
		Retry:   1800,
		Expire:  86400,
		Minttl:  h.ttl,
	}
}
