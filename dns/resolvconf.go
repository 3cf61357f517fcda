package dns

import (
	"bufio"
	"bytes"
	"net"
	"net/netip"
	"strings"
)

// FallbackUpstreams are used when resolv.conf names no resolver other than this server.
var FallbackUpstreams = []string{"8.8.8.8:53", "8.8.4.4:53"}

// ParseResolvConf lists the nameserver addresses of a resolv.conf.
func ParseResolvConf(data []byte) []netip.Addr {
	var out []netip.Addr
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		if a, err := netip.ParseAddr(f[1]); err == nil { // a link-local address keeps its zone
			out = append(out, a.Unmap())
		}
	}
	return out
}

// DefaultUpstreams picks the upstreams from the node's resolvers: every nameserver of
// resolv.conf except this server itself, that is when it listens on port 53 either the
// listen address or, listening on every address, any address of this host's interfaces
// (a node whose resolv.conf points at its own swarm dns would otherwise ask itself in a
// loop). With none left it falls back to FallbackUpstreams and says so.
func DefaultUpstreams(resolvConf []byte, listen string, local []netip.Addr) (addrs []string, fallback bool) {
	host, port, err := net.SplitHostPort(listen)
	self := func(netip.Addr) bool { return false }
	if err == nil && port == "53" {
		la, err := netip.ParseAddr(host)
		switch {
		case host == "" || (err == nil && la.IsUnspecified()):
			self = func(a netip.Addr) bool {
				for _, l := range local {
					if l == a {
						return true
					}
				}
				return false
			}
		case err == nil:
			self = func(a netip.Addr) bool { return a == la.Unmap() }
		}
	}
	for _, a := range ParseResolvConf(resolvConf) {
		if !self(a) {
			addrs = append(addrs, net.JoinHostPort(a.String(), "53"))
		}
	}
	if len(addrs) == 0 {
		return FallbackUpstreams, true
	}
	return addrs, false
}

// LocalAddrs lists the addresses of this host's interfaces.
func LocalAddrs() []netip.Addr {
	var out []netip.Addr
	ifaddrs, _ := net.InterfaceAddrs()
	for _, ia := range ifaddrs {
		if n, ok := ia.(*net.IPNet); ok {
			if a, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, a.Unmap())
			}
		}
	}
	return out
}
