package dns

import (
	"encoding/binary"
	"sync"

	mdns "github.com/miekg/dns"
)

// Limits of the packed answers of one catalog: names that do not exist fill the cache too,
// and anyone can ask for them.
const (
	maxPackedReplies = 16384
	maxPackedBytes   = 16 << 20
	// Larger replies are not packed: most clients take no more over UDP (the EDNS buffer size
	// of DNS flag day 2020), and an answer that rotates has one variant per record.
	maxPackedReply = 1232
)

// packedAnswers holds the replies to questions about cluster names, packed, for one catalog:
// the UDP read loop answers a question asked before by copying its bytes and patching the ID
// and two flags, without unpacking, building or packing a message (see answerPacked).
type packedAnswers struct {
	catalog *Catalog

	mu      sync.RWMutex
	replies map[string]packedReply // by packedKey
	bytes   int
}

// packedReply is the reply to one question, packed as ServeDNS writes it when it fits (then
// without compression: see mdns.Msg.Truncate), to a query with ID 0 and no flags. An answer
// that rotates has one variant per first record, all of one length.
type packedReply [][]byte

// packedKey identifies a question: its name as sent on the wire (case included, so that the
// reply echoes it), type, class, and whether the query had an OPT record.
func packedKey(question []byte, edns bool) []byte {
	if edns {
		return append(question, 1)
	}
	return append(question, 0)
}

// answers gives the packed answers of catalog c, new ones when the catalog changed.
func (h *Handler) answers(c *Catalog) *packedAnswers {
	for {
		p := h.packed.Load()
		if p != nil && p.catalog == c {
			return p
		}
		fresh := &packedAnswers{catalog: c, replies: map[string]packedReply{}}
		if h.packed.CompareAndSwap(p, fresh) {
			return fresh
		}
	}
}

// remember packs the reply to req, a question about the cluster name name (lower case),
// once per catalog, if there is room.
func (h *Handler) remember(req *mdns.Msg, c *Catalog, name string) {
	q := req.Question[0]
	buf := make([]byte, 0, 256+5)
	buf, err := appendQuestion(buf, q)
	if err != nil {
		return
	}
	key := packedKey(buf, req.IsEdns0() != nil)
	p := h.answers(c)
	p.mu.RLock()
	_, known := p.replies[string(key)]
	full := len(p.replies) >= maxPackedReplies || p.bytes >= maxPackedBytes
	p.mu.RUnlock()
	if known || full {
		return
	}

	// The same question with ID 0 and no flags; the OPT record only says that there was one.
	canon := new(mdns.Msg)
	canon.Question = []mdns.Question{q}
	if req.IsEdns0() != nil {
		canon.SetEdns0(mdns.MinMsgSize, false)
	}
	var reply packedReply
	size := 0
	for i, n := 0, 1; i < n; i++ {
		m, outside := h.clusterReply(canon, c, name, func(records int) int { n = records; return i })
		if outside != "" {
			return // the upstreams and the whitelist complete it, at every query
		}
		b, err := m.Pack() // Compress is false: the uncompressed form is what ServeDNS writes when it fits
		if err != nil || len(b) > maxPackedReply {
			return
		}
		reply = append(reply, b)
		size += len(b)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, known := p.replies[string(key)]; !known && len(p.replies) < maxPackedReplies && p.bytes < maxPackedBytes {
		p.replies[string(key)] = reply
		p.bytes += size + len(key)
	}
}

// appendQuestion appends q in wire format, as a query carries it.
func appendQuestion(b []byte, q mdns.Question) ([]byte, error) {
	name := make([]byte, 256)
	n, err := mdns.PackDomainName(q.Name, name, 0, nil, false)
	if err != nil {
		return nil, err
	}
	b = append(b, name[:n]...)
	b = binary.BigEndian.AppendUint16(b, q.Qtype)
	return binary.BigEndian.AppendUint16(b, q.Qclass), nil
}

// Header bits that a reply copies from the query (mdns.Msg.SetReply).
const (
	flagRD = 0x01 // in the third byte
	flagCD = 0x10 // in the fourth byte
)

// answerPacked appends to out the reply to query, a message read from UDP, when it is a plain
// query (one question, no records but an OPT without options, nothing after them) whose reply
// is packed and fits the client's buffer. It gives the same bytes that ServeDNS writes for
// it; ok is false for every other message, which ServeDNS then answers.
func (h *Handler) answerPacked(query, out []byte) (reply []byte, ok bool) {
	const header = 12
	if len(query) < header+5 {
		return nil, false
	}
	flags := binary.BigEndian.Uint16(query[2:])
	if flags&0xf800 != 0 || // a response, or another opcode than QUERY
		binary.BigEndian.Uint16(query[4:]) != 1 || // questions
		binary.BigEndian.Uint16(query[6:]) != 0 || binary.BigEndian.Uint16(query[8:]) != 0 {
		return nil, false
	}
	end, ok := questionEnd(query, header)
	if !ok {
		return nil, false
	}
	size, edns := mdns.MinMsgSize, false
	switch additional := binary.BigEndian.Uint16(query[10:]); {
	case additional == 0 && len(query) == end:
	case additional == 1 && len(query) == end+11 && isBareOPT(query[end:]):
		edns = true
		if s := int(binary.BigEndian.Uint16(query[end+3:])); s > size {
			size = s
		}
	default:
		return nil, false
	}

	p := h.packed.Load()
	if p == nil || p.catalog != h.source.Catalog() {
		return nil, false // nothing packed for this catalog yet
	}
	var key [256 + 5]byte
	k := packedKey(append(key[:0], query[header:end]...), edns)
	p.mu.RLock()
	variants := p.replies[string(k)]
	p.mu.RUnlock()
	if len(variants) == 0 || len(variants[0]) > size {
		return nil, false // truncating compresses first: ServeDNS does it
	}
	v := variants[0]
	if len(variants) > 1 {
		v = variants[h.nextTurn(len(variants))]
	}
	out = append(out[:0], v...)
	copy(out, query[:2]) // ID
	out[2] |= query[2] & flagRD
	out[3] |= query[3] & flagCD
	return out, true
}

// questionEnd is the offset after the question at off: a name without compression pointers,
// type and class.
func questionEnd(msg []byte, off int) (int, bool) {
	start := off
	for {
		if off >= len(msg) {
			return 0, false
		}
		l := int(msg[off])
		off++
		if l == 0 {
			break
		}
		if l > 63 { // a pointer, or a label type of the past
			return 0, false
		}
		off += l
		if off-start > 255 {
			return 0, false
		}
	}
	if off-start > 255 || off+4 > len(msg) {
		return 0, false
	}
	return off + 4, true
}

// isBareOPT reports whether rr (11 bytes) is an OPT record without options: the root name,
// type OPT, the client's buffer size as class, a TTL (extended rcode, version, flags) that
// the reply does not depend on, and no data.
func isBareOPT(rr []byte) bool {
	return rr[0] == 0 && binary.BigEndian.Uint16(rr[1:]) == mdns.TypeOPT && binary.BigEndian.Uint16(rr[9:]) == 0
}
