package dns

import (
	"errors"
	"fmt"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// Upstreams forwards queries to resolvers in order: over UDP, again over TCP when the answer
// is truncated, and to the next resolver when one fails.
type Upstreams struct {
	Addrs   []string      // host:port
	Timeout time.Duration // per resolver and per try (UDP, then TCP)
}

var _ Forwarder = (*Upstreams)(nil)

// Forward asks the resolvers in turn and returns the first answer that is neither an error,
// a timeout, SERVFAIL nor REFUSED.
func (u *Upstreams) Forward(req *mdns.Msg) (*mdns.Msg, error) {
	q := req.Copy()
	q.Id = mdns.Id() // a fresh ID of our own: the client's is no secret to a spoofer
	var errs []error
	for _, addr := range u.Addrs {
		r, err := u.exchange(q, addr)
		if err == nil {
			return r, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("no upstream resolver")
	}
	return nil, errors.Join(errs...)
}

func (u *Upstreams) exchange(q *mdns.Msg, addr string) (*mdns.Msg, error) {
	r, _, err := (&mdns.Client{Net: "udp", Timeout: u.Timeout}).Exchange(q, addr)
	if err == nil && r.Truncated {
		r, _, err = (&mdns.Client{Net: "tcp", Timeout: u.Timeout}).Exchange(q, addr)
	}
	if err != nil {
		return nil, fmt.Errorf("ask %s: %w", addr, err)
	}
	if len(r.Question) != 1 || !strings.EqualFold(r.Question[0].Name, q.Question[0].Name) || r.Question[0].Qtype != q.Question[0].Qtype {
		return nil, fmt.Errorf("ask %s: the answer is for another question", addr)
	}
	if r.Rcode == mdns.RcodeServerFailure || r.Rcode == mdns.RcodeRefused {
		return nil, fmt.Errorf("ask %s: answered %s", addr, mdns.RcodeToString[r.Rcode])
	}
	return r, nil
}
