package netrules

import (
	"fmt"
	"strings"
)

// Table is the name of the tables the rules live in (family ip and ip6).
const Table = "swarm"

// Render writes the nft script for every pod of a node. Loaded with `nft -f -` it replaces
// both tables in one transaction: each is first declared (so that the first load can
// delete it too), deleted, then written whole. A table with nothing to translate is only
// deleted, so a reload also removes what an earlier load put there.
//
// In each table one nat chain on the output hook (before conntrack confirms a connection,
// so only a connection's first packet is looked at):
//   - a packet to an address of the pod's own namespace is left alone (a pod reaching
//     itself at its own IP goes direct);
//   - a ClusterIP, protocol and port is looked up in one verdict map that jumps to the
//     Service port's chain: round robin over its ready endpoints, or refused when none is
//     ready, as kube-proxy does (a TCP reset, an ICMP port unreachable for UDP);
//   - a pod IP, protocol and container port is looked up in one map that gives the node
//     address and node port;
//   - any other port on a known ClusterIP or pod IP is refused at once rather than left
//     to time out.
//
// Maps keep the cost one hash lookup whatever the number of pods and Services.
//
// And one filter chain on the input hook drops a TCP packet that conntrack finds invalid
// (outside the window it tracks for its connection), as kube-proxy's iptables mode does.
// Conntrack leaves such a packet untranslated, so a reply on a connection to a ClusterIP
// or a pod IP would reach the pod from the endpoint's node address and node port, which no
// socket of the pod knows: the pod's TCP would answer it with a reset, which ends the
// connection at the other end. Dropped, it is sent again like any lost packet. On a
// connection that was not translated the pod's TCP would drop an out-of-window segment
// itself; what the drop here saves it is only the acknowledgement it would send back.
// Other protocols are left alone: an untranslated UDP reply or ICMP error finds no socket
// and is dropped by the kernel anyway, and neighbour discovery is not tracked at all.
//
// Size: nft sends a transaction to the kernel as one netlink message, which may not exceed
// the socket's send buffer; root raises it, a rootless user namespace cannot, so the
// default (net.core.wmem_default, 208 KiB on Debian) bounds the script. Measured: about
// 1 KiB per Service port with five endpoints, 100 bytes per pod port, so 1,000 pods with
// two ports each and 100 Service ports load, 150 more Service ports do not (nft answers
// "Message too long"). Beyond that the load must be split into several transactions.
func Render(in Input) string {
	p := build(in)
	var b strings.Builder
	b.WriteString("# swarm: the rules of every pod of this node, loaded whole with nft -f\n")
	for _, fam := range families {
		writeTable(&b, fam, p.tables[fam])
	}
	return b.String()
}

func writeTable(b *strings.Builder, fam family, t *table) {
	fmt.Fprintf(b, "table %s %s {}\ndelete table %s %s\n", fam.table, Table, fam.table, Table)
	if len(t.services) == 0 && len(t.pods) == 0 {
		return
	}
	fmt.Fprintf(b, "table %s %s {\n", fam.table, Table)

	var elems []string
	for _, s := range t.services {
		verdict := "goto refuse"
		if len(s.targets) > 0 {
			verdict = "goto " + s.chain
		}
		elems = append(elems, keyText(s.key)+" : "+verdict)
	}
	writeMap(b, "services", fam.addrType+" . inet_proto . inet_service : verdict", elems)

	elems = elems[:0]
	for _, p := range t.pods {
		elems = append(elems, keyText(p.key)+" : "+targetText(p.to))
	}
	writeMap(b, "pods", fam.addrType+" . inet_proto . inet_service : "+fam.addrType+" . inet_service", elems)

	elems = elems[:0]
	for _, a := range t.virtual {
		elems = append(elems, a.String())
	}
	fmt.Fprintf(b, "\tset virtual {\n\t\ttype %s\n", fam.addrType)
	writeElements(b, elems)
	b.WriteString("\t}\n")

	fmt.Fprintf(b, "\tchain output {\n"+
		"\t\ttype nat hook output priority -100; policy accept;\n"+
		"\t\tfib daddr type local return\n"+
		"\t\t%[1]s . meta l4proto . th dport vmap @services\n"+
		"\t\tmeta l4proto { tcp, udp } dnat %[2]s to %[1]s . meta l4proto . th dport map @pods\n"+
		"\t\t%[1]s @virtual goto refuse\n"+
		"\t}\n", fam.daddr, fam.table)
	b.WriteString("\tchain input {\n" +
		"\t\ttype filter hook input priority 0; policy accept;\n" +
		"\t\tct state invalid meta l4proto tcp counter drop\n" +
		"\t}\n")
	b.WriteString("\tchain refuse {\n\t\tmeta l4proto tcp reject with tcp reset\n\t\treject\n\t}\n")
	for _, s := range t.services {
		if len(s.targets) == 0 {
			continue
		}
		var to []string
		for i, tg := range s.targets {
			to = append(to, fmt.Sprintf("%d : %s", i, targetText(tg)))
		}
		fmt.Fprintf(b, "\tchain %s {\n\t\tmeta l4proto %s dnat %s to numgen inc mod %d map { %s }\n\t}\n",
			s.chain, s.proto, fam.table, len(s.targets), strings.Join(to, ", "))
	}
	b.WriteString("}\n")
}

func writeMap(b *strings.Builder, name, typ string, elems []string) {
	fmt.Fprintf(b, "\tmap %s {\n\t\ttype %s\n", name, typ)
	writeElements(b, elems)
	b.WriteString("\t}\n")
}

// writeElements writes one element a line; an empty set has no elements line (nft refuses
// an empty list).
func writeElements(b *strings.Builder, elems []string) {
	if len(elems) == 0 {
		return
	}
	b.WriteString("\t\telements = {\n")
	for i, e := range elems {
		sep := ","
		if i == len(elems)-1 {
			sep = ""
		}
		fmt.Fprintf(b, "\t\t\t%s%s\n", e, sep)
	}
	b.WriteString("\t\t}\n")
}

func keyText(k key) string { return fmt.Sprintf("%s . %s . %d", k.addr.String(), k.proto, k.port) }

func targetText(t target) string { return fmt.Sprintf("%s . %d", t.addr.String(), t.port) }
