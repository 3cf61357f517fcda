package netalloc

import (
	"fmt"
	"net/netip"

	"github.com/podman-swarm/podman-swarm/internal/fielderr"
)

// The defaults of the cluster's ranges, those of k3s for the CIDRs and Kubernetes' for the
// Service node ports.
const (
	DefaultServiceCIDR          = "10.43.0.0/16"
	DefaultPodCIDR              = "10.42.0.0/16"
	DefaultServiceNodePortRange = "30000-32767"
	DefaultNodePortRange        = "20000-29999"
)

// MaxPrefixLen is the longest prefix a CIDR may have: a /28 holds 16 addresses, 13 of
// them given out (see the package doc for the three kept back).
const MaxPrefixLen = 28

// Spec is the ranges as a configuration spells them.
type Spec struct {
	ServiceCIDR          string `json:"serviceCIDR"`
	PodCIDR              string `json:"podCIDR"`
	ServiceNodePortRange string `json:"serviceNodePortRange"`
	NodePortRange        string `json:"nodePortRange"`
}

// DefaultSpec is the ranges a cluster has unless its founding node says otherwise.
func DefaultSpec() Spec {
	return Spec{ServiceCIDR: DefaultServiceCIDR, PodCIDR: DefaultPodCIDR,
		ServiceNodePortRange: DefaultServiceNodePortRange, NodePortRange: DefaultNodePortRange}
}

// Ranges are the cluster's address and port ranges, parsed and checked.
type Ranges struct {
	ServiceCIDR          netip.Prefix // ClusterIPs
	PodCIDR              netip.Prefix // pod IPs
	ServiceNodePortRange PortRange    // the node ports of NodePort and LoadBalancer Services
	NodePortRange        PortRange    // the ports each node publishes pods' container ports on
}

// Spec spells the ranges back.
func (r Ranges) Spec() Spec {
	return Spec{ServiceCIDR: r.ServiceCIDR.String(), PodCIDR: r.PodCIDR.String(),
		ServiceNodePortRange: r.ServiceNodePortRange.String(), NodePortRange: r.NodePortRange.String()}
}

// DefaultRanges are DefaultSpec parsed.
func DefaultRanges() Ranges {
	r, errs := Parse(DefaultSpec(), nil)
	if len(errs) > 0 {
		panic(fmt.Sprint(errs))
	}
	return r
}

// Parse reads and checks the ranges: each CIDR must parse, be IPv4, hold at least a /28,
// and overlap neither the other CIDR nor any of own (the node's own networks, whose
// traffic the pods' rules would otherwise capture); each port range must parse, lie in
// 1-65535 and not overlap the other. Every problem names its field.
func Parse(s Spec, own []netip.Prefix) (Ranges, []*fielderr.Error) {
	var r Ranges
	var errs []*fielderr.Error
	var okSvc, okPod bool
	r.ServiceCIDR, okSvc = parseCIDR("ServiceCIDR", s.ServiceCIDR, own, &errs)
	r.PodCIDR, okPod = parseCIDR("PodCIDR", s.PodCIDR, own, &errs)
	if okSvc && okPod && r.ServiceCIDR.Overlaps(r.PodCIDR) {
		errs = append(errs, fielderr.NewFields([]string{"ServiceCIDR", "PodCIDR"},
			"%s and %s overlap (%s and %s): a ClusterIP and a pod IP must never be the same address; give two separate ranges",
			s.ServiceCIDR, s.PodCIDR))
	}
	var okSNP, okNP bool
	r.ServiceNodePortRange, okSNP = parsePorts("ServiceNodePortRange", s.ServiceNodePortRange, &errs)
	r.NodePortRange, okNP = parsePorts("NodePortRange", s.NodePortRange, &errs)
	if okSNP && okNP && r.ServiceNodePortRange.Overlaps(r.NodePortRange) {
		errs = append(errs, fielderr.NewFields([]string{"ServiceNodePortRange", "NodePortRange"},
			"%s and %s overlap (%s and %s): a node would publish a pod on a port a NodePort Service listens on; give two separate ranges",
			r.ServiceNodePortRange, r.NodePortRange))
	}
	return r, errs
}

func parseCIDR(name, s string, own []netip.Prefix, errs *[]*fielderr.Error) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		*errs = append(*errs, fielderr.New(name, "%s %q is not a CIDR: want an IPv4 network such as 10.43.0.0/16", s))
		return netip.Prefix{}, false
	}
	if !p.Addr().Is4() {
		*errs = append(*errs, fielderr.New(name, "%s %s is IPv6: this release allocates IPv4 addresses only; give an IPv4 network such as 10.43.0.0/16", s))
		return netip.Prefix{}, false
	}
	if p.Masked() != p {
		*errs = append(*errs, fielderr.New(name, "%s %s has host bits set: give the network itself, %s", s, p.Masked()))
		return netip.Prefix{}, false
	}
	if p.Bits() > MaxPrefixLen {
		*errs = append(*errs, fielderr.New(name, "%s %s is too small: it must hold at least a /%d (16 addresses); give a shorter prefix", s, MaxPrefixLen))
		return netip.Prefix{}, false
	}
	for _, n := range own {
		if n.IsValid() && n.Addr().Is4() && p.Overlaps(n.Masked()) {
			*errs = append(*errs, fielderr.New(name, "%s %s overlaps this node's network %s: the pods could no longer reach those addresses; give a range the node does not use", s, n.Masked()))
			return p, false
		}
	}
	return p, true
}

func parsePorts(name, s string, errs *[]*fielderr.Error) (PortRange, bool) {
	r, err := ParsePortRange(s)
	if err != nil {
		*errs = append(*errs, fielderr.New(name, "%s: %w", err))
		return PortRange{}, false
	}
	return r, true
}
