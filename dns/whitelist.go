package dns

import (
	"fmt"
	"sort"
	"strings"
	"sync/atomic"

	mdns "github.com/miekg/dns"
)

// WhitelistSpec is the cluster's DNS whitelist as the agent stores and serves it
// (GET /api/v1/dns/whitelist). When enabled, only the hosts listed, each with every name
// below it, are forwarded; other names outside the cluster are refused.
type WhitelistSpec struct {
	Enabled bool     `json:"enabled"`
	Hosts   []string `json:"hosts"`
}

// NormalizeHost is host in lower case without a trailing dot; a leading "*." is dropped (a
// host admits its subdomains anyway). It fails for anything that is not a host name.
func NormalizeHost(host string) (string, error) {
	h := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(host), "*."), "."))
	if h == "" {
		return "", fmt.Errorf("%q is not a host name: the whole DNS tree cannot be whitelisted; disable the whitelist instead", host)
	}
	if len(h) > 253 || strings.Trim(h, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != "" || strings.Contains(h, "..") {
		return "", fmt.Errorf("%q is not a host name (letters, digits, '-', '_' and dots, such as example.com)", host)
	}
	if _, ok := mdns.IsDomainName(h); !ok {
		return "", fmt.Errorf("%q is not a host name (a label is longer than 63 characters)", host)
	}
	return h, nil
}

// Normalize checks every host and returns the spec with its hosts normalized, sorted and
// without duplicates. The error names every bad host.
func (s WhitelistSpec) Normalize() (WhitelistSpec, error) {
	seen := map[string]bool{}
	var bad []string
	out := WhitelistSpec{Enabled: s.Enabled, Hosts: []string{}}
	for _, h := range s.Hosts {
		n, err := NormalizeHost(h)
		if err != nil {
			bad = append(bad, err.Error())
			continue
		}
		if !seen[n] {
			seen[n] = true
			out.Hosts = append(out.Hosts, n)
		}
	}
	if len(bad) > 0 {
		return WhitelistSpec{}, fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	sort.Strings(out.Hosts)
	return out, nil
}

// HostList is a whitelist of hosts, fully qualified: a host admits itself and every name
// below it.
type HostList map[string]bool

var _ Whitelist = HostList(nil)

// NewHostList builds the list of normalized hosts.
func NewHostList(hosts []string) HostList {
	l := HostList{}
	for _, h := range hosts {
		l[mdns.Fqdn(h)] = true
	}
	return l
}

// Allows says whether name (fully qualified, lower case) or one of its parents is listed.
func (l HostList) Allows(name string) bool {
	for i, end := 0, false; !end; i, end = mdns.NextLabel(name, i) {
		if l[name[i:]] {
			return true
		}
	}
	return false
}

// FollowedWhitelist is the whitelist as last read from the agent; it admits every name while
// the whitelist is disabled.
type FollowedWhitelist struct {
	hosts atomic.Pointer[HostList] // nil: disabled
}

var _ Whitelist = (*FollowedWhitelist)(nil)

// Set puts spec in force.
func (w *FollowedWhitelist) Set(spec WhitelistSpec) {
	if !spec.Enabled {
		w.hosts.Store(nil)
		return
	}
	l := NewHostList(spec.Hosts)
	w.hosts.Store(&l)
}

// Allows implements Whitelist.
func (w *FollowedWhitelist) Allows(name string) bool {
	l := w.hosts.Load()
	return l == nil || l.Allows(name)
}
