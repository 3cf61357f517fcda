package dns

import (
	"net/netip"
	"sort"
	"strings"

	mdns "github.com/miekg/dns"

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

type service struct {
	ports  map[string]bool // "_<name>._<proto>" of the named ports
	protos map[string]bool // "_<proto>" that some named port uses
	ready  []endpoint
	addrs  []netip.Addr // distinct node addresses of ready, sorted
}

type endpoint struct {
	node  string // lower case; "" when the node has no valid domain name
	addr  netip.Addr
	ports []discovery.Port
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
		svc := &service{ports: map[string]bool{}, protos: map[string]bool{}}
		for _, p := range s.Ports {
			if p.Name != "" {
				svc.ports[portLabel(p)] = true
				svc.protos[protoLabel(p)] = true
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
				svc.ready = append(svc.ready, endpoint{node: node, addr: addr, ports: ep.Ports})
			}
		}
		svc.addrs = distinctAddrs(svc.ready)
		c.services[name+"."+ns] = svc
	}
	return c
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

// distinctAddrs lists the distinct node addresses of endpoints, sorted.
func distinctAddrs(eps []endpoint) []netip.Addr {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, ep := range eps {
		if !seen[ep.addr] {
			seen[ep.addr] = true
			out = append(out, ep.addr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}
