package dns

import (
	mdns "github.com/miekg/dns"
)

// followExternal completes m, a cluster answer that ends with the CNAME of an ExternalName
// Service to target, a name outside the cluster domain. The target obeys the whitelist as
// any name outside the cluster does: a target the whitelist does not admit is refused, the
// CNAME included, as a forwarded answer whose chain leaves the whitelist is. Otherwise the
// upstreams' records of the target follow the CNAME (a pod's stub resolver does not chase a
// CNAME itself), with their rcode; SERVFAIL when no upstream answered.
func (h *Handler) followExternal(req *mdns.Msg, m *mdns.Msg, target string) *mdns.Msg {
	target = mdns.CanonicalName(target)
	if h.whitelist != nil && !h.whitelist.Allows(target) {
		h.log.Debug("refused: the ExternalName target is not in the whitelist", "name", req.Question[0].Name, "target", target)
		return refused(req)
	}
	q := req.Question[0]
	if !follows(q.Qtype) || h.forwarder == nil {
		return m
	}
	sub := new(mdns.Msg).SetQuestion(target, q.Qtype)
	sub.Question[0].Qclass = q.Qclass
	sub.RecursionDesired = true
	if o := req.IsEdns0(); o != nil {
		sub.SetEdns0(o.UDPSize(), o.Do())
	}
	r, err := h.forwarder.Forward(sub)
	if err != nil {
		h.log.Debug("no upstream answered for an ExternalName target", "target", target, "err", err)
		fail := new(mdns.Msg).SetRcode(req, mdns.RcodeServerFailure)
		fail.RecursionAvailable = true
		return fail
	}
	if h.whitelist != nil {
		if next, ok := h.chainAllowed(r); !ok {
			h.log.Debug("refused: the ExternalName target's answer leaves the whitelist", "target", target, "next", next)
			return refused(req)
		}
	}
	m.Rcode = r.Rcode
	m.Answer = append(m.Answer, r.Answer...)
	m.Ns = nil
	if len(r.Answer) == 0 {
		m.Ns = r.Ns
	}
	return m
}
