package netrules

import "net/netip"

// family is what differs between the IPv4 and the IPv6 table. A virtual address leads only
// to node addresses of its own family: a packet cannot be translated from one to the other
// in the output hook (there is no NAT46 in nftables), so an IPv4 ClusterIP whose endpoints
// sit on IPv6 node addresses is left out and reported (see Skipped).
type family struct {
	table    string // nft family of the table: ip or ip6
	addrType string // nft type of an address
	daddr    string // the expression of the destination address
}

var (
	ipv4 = family{table: "ip", addrType: "ipv4_addr", daddr: "ip daddr"}
	ipv6 = family{table: "ip6", addrType: "ipv6_addr", daddr: "ip6 daddr"}
)

// families lists the tables in the order they are written.
var families = []family{ipv4, ipv6}

func familyOf(a netip.Addr) family {
	if a.Is4() {
		return ipv4
	}
	return ipv6
}
