package dns

import (
	"net/netip"
	"sort"
	"strings"

	mdns "github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// Catalog is an immutable index of the Services for the handler: built once per change of
// the endpoints, read by every query.
type Catalog struct {
	serial     uint32
	services   map[string]*service // "<service>.<namespace>", lower case
	namespaces map[string]bool
	nodes      map[string][]netip.Addr // node name, lower case
}

// kind is how a Service's name is answered.
type kind int

const (
	// pending: a Service whose ClusterIP the cluster has not allocated yet; its name exists
	// but has no address (NODATA).
	pending kind = iota
	// virtual: a Service with a ClusterIP, its one address.
	virtual
	// headless: a Service with clusterIP None, answered with its ready pods' own addresses.
	headless
	// external: a Service of type ExternalName, a CNAME to its external name.
	external
)

type service struct {
	name      string // "<service>.<namespace>", lower case
	kind      kind
	clusterIP netip.Addr      // of a virtual Service
	target    string          // of an external Service: its external name, fully qualified, lower case; "" when invalid
	ports     map[string]bool // "_<name>._<proto>" of the named ports
	protos    map[string]bool // "_<proto>" that some named port uses
	svcPorts  []discovery.Port
	ready     []endpoint
	addrs     []netip.Addr // a headless Service's distinct ready addresses, sorted
	// pods are a headless Service's ready pods with a pod IP, by dashed IP, and its ready
	// pods with a hostname under it (see discovery.Endpoint.Hostname), by that name.
	pods map[string]netip.Addr
}

type endpoint struct {
	node  string // lower case; "" when the node has no valid domain name
	addr  netip.Addr
	podIP netip.Addr // invalid for a pod placed before pods had their own address
	ports []discovery.Port
	// hostname is the pod's name under the Service, lower case: its spec.hostname when its
	// spec.subdomain is the Service; "" otherwise, or when it is no DNS label.
	hostname string
}

// address is where a headless Service's endpoint is reached: its pod IP, or its node's
// address for a pod that has none (it publishes its ports there as before).
func (ep endpoint) address() netip.Addr {
	if ep.podIP.IsValid() {
		return ep.podIP
	}
	return ep.addr
}

// NewCatalog indexes services. serial is the SOA serial, which should grow with every change.
func NewCatalog(services []discovery.Service, serial uint32) *Catalog {
	c := &Catalog{
		serial:     serial,
		services:   map[string]*service{},
		namespaces: map[string]bool{},
		nodes:      map[string][]netip.Addr{},
	}
	for _, s := range services {
		ns, name := strings.ToLower(s.Namespace), strings.ToLower(s.Name)
		c.namespaces[ns] = true
		svc := &service{name: name + "." + ns, ports: map[string]bool{}, protos: map[string]bool{}}
		svc.kind, svc.clusterIP, svc.target = classify(s)
		if svc.kind != external {
			svc.svcPorts = s.Ports
			for _, p := range s.Ports {
				if p.Name != "" {
					svc.ports[portLabel(p)] = true
					svc.protos[protoLabel(p)] = true
				}
			}
		}
		for _, ep := range s.Endpoints {
			addr, err := netip.ParseAddr(ep.Address)
			if err != nil {
				continue // a node whose address the agent does not know yet
			}
			addr = addr.Unmap()
			node := strings.ToLower(ep.Node)
			if _, ok := mdns.IsDomainName(node); !ok || node == "" {
				node = ""
			} else {
				c.addNode(node, addr)
			}
			if ep.Ready {
				podIP, _ := netip.ParseAddr(ep.PodIP) // invalid for "", as for a pod without one
				svc.ready = append(svc.ready, endpoint{node: node, addr: addr, podIP: podIP.Unmap(), ports: ep.Ports,
					hostname: hostLabel(ep.Hostname)})
			}
		}
		if svc.kind == headless {
			svc.addrs = distinctAddrs(svc.ready)
			svc.pods = podNames(svc.ready)
		}
		c.services[svc.name] = svc
	}
	return c
}

// classify tells how a Service's name is answered, with its ClusterIP or external name.
// A ClusterIP that does not parse is treated as not allocated yet.
func classify(s discovery.Service) (kind, netip.Addr, string) {
	switch {
	case s.Type == corev1.ServiceTypeExternalName:
		target := strings.ToLower(mdns.Fqdn(s.ExternalName))
		if _, ok := mdns.IsDomainName(target); !ok || s.ExternalName == "" || target == "." {
			target = ""
		}
		return external, netip.Addr{}, target
	case s.Headless():
		return headless, netip.Addr{}, ""
	}
	ip, err := netip.ParseAddr(s.ClusterIP)
	if err != nil {
		return pending, netip.Addr{}, ""
	}
	return virtual, ip.Unmap(), ""
}

// podNames indexes the ready endpoints that have a pod IP by the label that names them
// under a headless Service: the pod IP with '.' or ':' replaced by '-', as Kubernetes
// names the pods of a headless Service; and those with a hostname under the Service by
// that hostname (a StatefulSet's pod: db-0.db.<namespace>.svc), which answers the pod's
// address.
func podNames(eps []endpoint) map[string]netip.Addr {
	out := map[string]netip.Addr{}
	for _, ep := range eps {
		if ep.podIP.IsValid() {
			out[dashed(ep.podIP)] = ep.podIP
		}
	}
	for _, ep := range eps {
		if ep.hostname != "" {
			out[ep.hostname] = ep.address()
		}
	}
	return out
}

// hostLabel is a pod's hostname as a DNS label, lower case; "" when it is none.
func hostLabel(h string) string {
	h = strings.ToLower(h)
	if h == "" || strings.Contains(h, ".") {
		return ""
	}
	if _, ok := mdns.IsDomainName(h); !ok {
		return ""
	}
	return h
}

// dashed is the DNS label of a pod IP: 10.42.0.7 is 10-42-0-7, fd00::7 is fd00--7.
func dashed(ip netip.Addr) string {
	return strings.NewReplacer(".", "-", ":", "-").Replace(ip.String())
}

func (c *Catalog) addNode(node string, addr netip.Addr) {
	for _, a := range c.nodes[node] {
		if a == addr {
			return
		}
	}
	c.nodes[node] = append(c.nodes[node], addr)
	sort.Slice(c.nodes[node], func(i, j int) bool { return c.nodes[node][i].Less(c.nodes[node][j]) })
}

// Serial is the SOA serial of the catalog.
func (c *Catalog) Serial() uint32 { return c.serial }

func portLabel(p discovery.Port) string {
	return "_" + strings.ToLower(p.Name) + "." + protoLabel(p)
}

func protoLabel(p discovery.Port) string {
	return "_" + strings.ToLower(string(p.Protocol))
}

// distinctAddrs lists the distinct addresses of endpoints (pod IP, else node address),
// sorted.
func distinctAddrs(eps []endpoint) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, ep := range eps {
		if a := ep.address(); !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}
