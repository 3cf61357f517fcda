package netrules

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// target is where a virtual address and port lead: a node address and node port.
type target struct {
	addr netip.Addr
	port int32
}

// key is a virtual address, protocol and port: one element of the lookup maps.
type key struct {
	addr  netip.Addr
	proto string // tcp or udp, as nft spells them
	port  int32
}

// servicePort is one port of a Service on its ClusterIP and the ready endpoints behind it
// (none: the connection is refused).
type servicePort struct {
	key
	chain   string
	targets []target
}

// podPort is one container port on a pod IP and the node port it leads to.
type podPort struct {
	key
	to target
}

// table is the content of one family's table.
type table struct {
	services []servicePort
	pods     []podPort
	virtual  []netip.Addr // every ClusterIP and pod IP: other ports on them are refused
}

// plan is what Render writes, sorted, with what was left out and why.
type plan struct {
	tables  map[family]*table
	skipped []string
}

// Skipped explains, one sentence each, what Render leaves out of the rules other than for
// the ordinary reasons (a Service without a ClusterIP, an endpoint that is not ready, a pod
// without an IP): addresses that do not parse, mixed address families, SCTP ports,
// duplicates. The agent logs it so that a missing rule has a reason.
func Skipped(in Input) []string { return build(in).skipped }

// build sorts the input into tables. The first of two entries for the same virtual address,
// protocol and port wins, in the order of the input sorted by name, so that the answer
// does not depend on the order the input came in.
func build(in Input) plan {
	p := plan{tables: map[family]*table{ipv4: {}, ipv6: {}}}
	skip := func(format string, args ...any) { p.skipped = append(p.skipped, fmt.Sprintf(format, args...)) }

	services := slices.Clone(in.Services)
	slices.SortFunc(services, func(a, b discovery.Service) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	seen := map[key]string{}
	chains := map[string]bool{}
	virtual := map[family]map[netip.Addr]bool{ipv4: {}, ipv6: {}}
	for _, svc := range services {
		name := svc.Namespace + "/" + svc.Name
		if svc.Type == corev1.ServiceTypeExternalName || svc.ClusterIP == "" || svc.Headless() {
			continue
		}
		vip, ok := parseAddr(svc.ClusterIP)
		if !ok {
			skip("service %s: ClusterIP %q is not an IP address", name, svc.ClusterIP)
			continue
		}
		fam := familyOf(vip)
		for _, sp := range svc.Ports {
			proto, ok := nftProto(sp.Protocol)
			if !ok {
				// SCTP: pasta does not carry it, so there is nothing to lead it to.
				skip("service %s port %d/%s: only TCP and UDP are translated", name, sp.Port, sp.Protocol)
				continue
			}
			if !validPort(sp.Port) {
				skip("service %s: port %d is out of range", name, sp.Port)
				continue
			}
			k := key{addr: vip, proto: proto, port: sp.Port}
			if other, dup := seen[k]; dup {
				skip("service %s port %d/%s: %s already has %s", name, sp.Port, proto, other, svc.ClusterIP)
				continue
			}
			chain := chainName(svc.Namespace, svc.Name, proto, sp.Port)
			if chains[chain] {
				skip("service %s port %d/%s: listed twice", name, sp.Port, proto)
				continue
			}
			seen[k], chains[chain] = name, true
			out := servicePort{key: k, chain: chain, targets: readyTargets(svc, sp, proto, fam, name, skip)}
			p.tables[fam].services = append(p.tables[fam].services, out)
			virtual[fam][vip] = true
		}
	}

	pods := slices.Clone(in.Pods)
	slices.SortFunc(pods, func(a, b Pod) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.IP, b.IP)) })
	for _, pod := range pods {
		if pod.IP == "" {
			continue
		}
		ip, ok := parseAddr(pod.IP)
		if !ok {
			skip("pod %s: pod IP %q is not an IP address", pod.Name, pod.IP)
			continue
		}
		node, ok := parseAddr(pod.Address)
		if !ok {
			skip("pod %s: node address %q is not an IP address", pod.Name, pod.Address)
			continue
		}
		fam := familyOf(ip)
		if familyOf(node) != fam {
			skip("pod %s: pod IP %s and node address %s are of different families", pod.Name, pod.IP, pod.Address)
			continue
		}
		for _, pp := range pod.Ports {
			proto, ok := nftProto(pp.Protocol)
			if !ok {
				skip("pod %s port %d/%s: only TCP and UDP are translated", pod.Name, pp.ContainerPort, pp.Protocol)
				continue
			}
			if !validPort(pp.ContainerPort) || !validPort(pp.HostPort) {
				skip("pod %s: port %d -> %d is out of range", pod.Name, pp.ContainerPort, pp.HostPort)
				continue
			}
			k := key{addr: ip, proto: proto, port: pp.ContainerPort}
			if other, dup := seen[k]; dup {
				skip("pod %s port %d/%s: %s already has %s", pod.Name, pp.ContainerPort, proto, other, pod.IP)
				continue
			}
			seen[k] = "pod " + pod.Name
			p.tables[fam].pods = append(p.tables[fam].pods, podPort{key: k, to: target{addr: node, port: pp.HostPort}})
		}
		virtual[fam][ip] = true
	}

	for fam, t := range p.tables {
		slices.SortFunc(t.services, func(a, b servicePort) int { return compareKeys(a.key, b.key) })
		slices.SortFunc(t.pods, func(a, b podPort) int { return compareKeys(a.key, b.key) })
		for a := range virtual[fam] {
			t.virtual = append(t.virtual, a)
		}
		slices.SortFunc(t.virtual, netip.Addr.Compare)
	}
	return p
}

// readyTargets lists the node address and node port of each ready endpoint for one
// Service port, sorted and without duplicates, so that the rules stay the same text while
// the endpoints do.
func readyTargets(svc discovery.Service, sp discovery.Port, proto string, fam family, name string, skip func(string, ...any)) []target {
	var out []target
	for _, ep := range svc.Endpoints {
		if !ep.Ready {
			continue
		}
		for _, p := range ep.Ports {
			if pp, _ := nftProto(p.Protocol); p.Name != sp.Name || pp != proto {
				continue
			}
			addr, ok := parseAddr(ep.Address)
			switch {
			case !ok:
				skip("service %s endpoint %s: node address %q is not an IP address", name, ep.Pod, ep.Address)
			case familyOf(addr) != fam:
				skip("service %s endpoint %s: node address %s is not of the family of ClusterIP %s", name, ep.Pod, ep.Address, svc.ClusterIP)
			case !validPort(p.Port):
				skip("service %s endpoint %s: node port %d is out of range", name, ep.Pod, p.Port)
			default:
				out = append(out, target{addr: addr, port: p.Port})
			}
			break
		}
	}
	slices.SortFunc(out, compareTargets)
	return slices.CompactFunc(out, func(a, b target) bool { return compareTargets(a, b) == 0 })
}

func compareKeys(a, b key) int {
	return cmp.Or(a.addr.Compare(b.addr), cmp.Compare(a.proto, b.proto), cmp.Compare(a.port, b.port))
}

func compareTargets(a, b target) int {
	return cmp.Or(a.addr.Compare(b.addr), cmp.Compare(a.port, b.port))
}

// parseAddr reads an address, IPv4 written as IPv6 (::ffff:a.b.c.d) as IPv4; an address with
// a zone cannot be written in a rule.
func parseAddr(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || !a.IsValid() {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// nftProto spells a protocol as nft does; the empty protocol is TCP, as in Kubernetes.
func nftProto(p corev1.Protocol) (string, bool) {
	switch p {
	case corev1.ProtocolTCP, "":
		return "tcp", true
	case corev1.ProtocolUDP:
		return "udp", true
	}
	return "", false
}

func validPort(p int32) bool { return p > 0 && p < 65536 }

// chainName names a Service port's chain so that `nft list ruleset` reads by itself:
// svc/NAMESPACE/NAME/PROTO/PORT. Names are DNS labels already; anything else nft would not
// read as a name is replaced.
func chainName(ns, name, proto string, port int32) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
				return r
			}
			return '_'
		}, s)
	}
	return "svc/" + clean(ns) + "/" + clean(name) + "/" + proto + "/" + strconv.Itoa(int(port))
}
