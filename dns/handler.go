package dns

import (
	"log/slog"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// Source gives the current Services; the handler asks it on every query.
type Source interface {
	Catalog() *Catalog
}

// Forwarder answers a query outside the cluster domain, from the upstream resolvers.
type Forwarder interface {
	Forward(req *mdns.Msg) (*mdns.Msg, error)
}

// Whitelist says which names outside the cluster may be resolved. It is a file today
// (HostList), and may come from the agent later.
type Whitelist interface {
	Allows(name string) bool
}

// Static is a Source that always gives the same catalog, for tests and tools.
type Static struct{ C *Catalog }

// Catalog returns s.C.
func (s Static) Catalog() *Catalog { return s.C }

// Handler answers DNS queries: cluster names from its Source, other names from its
// Forwarder, filtered by its Whitelist when it has one.
type Handler struct {
	domain    string // lower case, fully qualified
	labels    int    // labels in domain
	ttl       uint32
	source    Source
	forwarder Forwarder
	whitelist Whitelist
	log       *slog.Logger
	turn      atomic.Uint64 // rotates the records of an answer
	packed    atomic.Pointer[packedAnswers]
}

// HandlerConfig configures a Handler.
type HandlerConfig struct {
	Domain    string        // the cluster domain, e.g. cluster.local
	TTL       time.Duration // of every cluster answer, rounded down to seconds
	Source    Source
	Forwarder Forwarder // nil: names outside the cluster get SERVFAIL
	Whitelist Whitelist // nil: every name is forwarded
	Logger    *slog.Logger
}

// NewHandler makes a Handler.
func NewHandler(cfg HandlerConfig) *Handler {
	domain := mdns.CanonicalName(cfg.Domain)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		domain:    domain,
		labels:    mdns.CountLabel(domain),
		ttl:       uint32(cfg.TTL / time.Second),
		source:    cfg.Source,
		forwarder: cfg.Forwarder,
		whitelist: cfg.Whitelist,
		log:       log,
	}
}

// ServeDNS implements mdns.Handler.
func (h *Handler) ServeDNS(w mdns.ResponseWriter, req *mdns.Msg) {
	m := h.reply(req)
	m.Compress = true
	m.Truncate(replySize(w, req))
	if err := w.WriteMsg(m); err != nil {
		h.log.Debug("cannot write the answer", "client", w.RemoteAddr().String(), "err", err)
	}
}

// replySize is how large an answer the client takes: 64 KiB over TCP, the EDNS0 buffer
// size over UDP, else 512 bytes (RFC 1035).
func replySize(w mdns.ResponseWriter, req *mdns.Msg) int {
	if w.RemoteAddr() != nil && w.RemoteAddr().Network() == "tcp" {
		return mdns.MaxMsgSize
	}
	if o := req.IsEdns0(); o != nil && int(o.UDPSize()) > mdns.MinMsgSize {
		return int(o.UDPSize())
	}
	return mdns.MinMsgSize
}

func (h *Handler) reply(req *mdns.Msg) *mdns.Msg {
	m := new(mdns.Msg)
	switch {
	case req.Opcode != mdns.OpcodeQuery:
		return m.SetRcode(req, mdns.RcodeNotImplemented)
	case len(req.Question) != 1:
		return m.SetRcode(req, mdns.RcodeFormatError)
	}
	q := req.Question[0]
	name := mdns.CanonicalName(q.Name)
	if !mdns.IsSubDomain(h.domain, name) {
		return h.forward(req, name)
	}
	c := h.source.Catalog()
	h.remember(req, c, name)
	m, outside := h.clusterReply(req, c, name, h.nextTurn)
	if outside != "" {
		return h.followExternal(req, m, outside)
	}
	return m
}

// maxAliases bounds the CNAME chain an answer follows inside the cluster domain: ExternalName
// Services may name each other, in a loop too.
const maxAliases = 8

// clusterReply answers a name under the cluster domain (name is the question's in lower
// case). turn picks the first record of an answer of n > 1 records that rotates. An
// ExternalName Service's CNAME is followed while it stays in the cluster domain; outside is
// the name the answer's last CNAME leads to outside the domain, or "": the caller checks it
// against the whitelist and asks the upstreams for its records.
func (h *Handler) clusterReply(req *mdns.Msg, c *Catalog, name string, turn func(n int) int) (m *mdns.Msg, outside string) {
	m = new(mdns.Msg)
	q := req.Question[0]
	labels := mdns.SplitDomainName(name)
	rcode, answer, extra := h.cluster(c, q, labels[:len(labels)-h.labels], turn)
	for range maxAliases {
		target, ok := lastAlias(answer)
		if !ok {
			break
		}
		if !mdns.IsSubDomain(h.domain, target) {
			outside = target
			break
		}
		if !follows(q.Qtype) {
			break
		}
		labels := mdns.SplitDomainName(target)
		var more, moreExtra []mdns.RR
		rcode, more, moreExtra = h.cluster(c, mdns.Question{Name: target, Qtype: q.Qtype, Qclass: q.Qclass}, labels[:len(labels)-h.labels], turn)
		answer, extra = append(answer, more...), append(extra, moreExtra...)
	}
	m.SetRcode(req, rcode)
	m.Authoritative, m.RecursionAvailable = true, true
	m.Answer, m.Extra = answer, extra
	if len(answer) == 0 || (outside == "" && rcode != mdns.RcodeSuccess) {
		m.Ns = []mdns.RR{h.soa(c)}
	}
	if req.IsEdns0() != nil {
		m.SetEdns0(mdns.DefaultMsgSize, false)
	}
	return m, outside
}

// lastAlias is the target of the CNAME that ends answer, if it ends with one.
func lastAlias(answer []mdns.RR) (string, bool) {
	if len(answer) == 0 {
		return "", false
	}
	cname, ok := answer[len(answer)-1].(*mdns.CNAME)
	if !ok {
		return "", false
	}
	return cname.Target, true
}

// follows tells whether a query of type qtype follows a CNAME to the records of its target:
// every type but CNAME itself and ANY.
func follows(qtype uint16) bool { return qtype != mdns.TypeCNAME && qtype != mdns.TypeANY }

func (h *Handler) forward(req *mdns.Msg, name string) *mdns.Msg {
	if h.whitelist != nil && !h.whitelist.Allows(name) {
		h.log.Debug("refused: not in the whitelist", "name", name)
		return refused(req)
	}
	if h.forwarder == nil {
		return new(mdns.Msg).SetRcode(req, mdns.RcodeServerFailure)
	}
	r, err := h.forwarder.Forward(req)
	if err != nil {
		h.log.Debug("no upstream answered", "name", name, "err", err)
		m := new(mdns.Msg).SetRcode(req, mdns.RcodeServerFailure)
		m.RecursionAvailable = true
		return m
	}
	if h.whitelist != nil {
		if target, ok := h.chainAllowed(r); !ok {
			h.log.Debug("refused: the answer leaves the whitelist", "name", name, "target", target)
			return refused(req)
		}
	}
	r.Id = req.Id
	return r
}

// chainAllowed checks that every CNAME and DNAME of an answer points into the whitelist, so
// that a whitelisted name cannot be an alias for any other; it returns the first target
// that is not.
func (h *Handler) chainAllowed(r *mdns.Msg) (string, bool) {
	for _, rr := range r.Answer {
		var target string
		switch rr := rr.(type) {
		case *mdns.CNAME:
			target = rr.Target
		case *mdns.DNAME:
			target = rr.Target
		default:
			continue
		}
		if !h.whitelist.Allows(mdns.CanonicalName(target)) {
			return target, false
		}
	}
	return "", true
}

func refused(req *mdns.Msg) *mdns.Msg {
	m := new(mdns.Msg).SetRcode(req, mdns.RcodeRefused)
	m.RecursionAvailable = true
	return m
}
