package agent

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podman-swarm/podman-swarm/internal/fielderr"
	"github.com/podman-swarm/podman-swarm/netalloc"
)

// validate lists every value of c that a node cannot start with.
func (c Config) validate() error {
	var errs []*fielderr.Error
	if c.NodeName == "" {
		errs = append(errs, fielderr.New("NodeName", "%s is empty"))
	}
	if c.StateDir == "" {
		errs = append(errs, fielderr.New("StateDir", "%s is empty"))
	}
	if _, _, err := splitHostPort(c.Bind); err != nil {
		errs = append(errs, fielderr.New("Bind", "%s %q: %w", c.Bind, err))
	}
	if _, _, err := net.SplitHostPort(c.APIListen); err != nil {
		errs = append(errs, fielderr.New("APIListen", "%s %q: %w", c.APIListen, err))
	}
	if c.ForceNewCluster && len(c.Join) > 0 {
		errs = append(errs, fielderr.NewFields([]string{"ForceNewCluster", "Join"}, "%s founds a new cluster and %s joins an existing one: give only one of them"))
	}
	if c.ForceNewCluster && c.Resync {
		errs = append(errs, fielderr.NewFields([]string{"ForceNewCluster", "Resync"}, "%s founds a new cluster and %s fetches the state of an existing one: give only one of them"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, fielderr.NewFields([]string{"TLSCert", "TLSKey"}, "%s and %s go together: give both or neither"))
	}
	for k, v := range c.Labels {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, fielderr.New("Labels", "%s %s=%s: the key %s", k, v, msg))
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			errs = append(errs, fielderr.New("Labels", "%s %s=%s: the value %s", k, v, msg))
		}
	}
	if c.PodDNS != "" && c.PodDNS != PodDNSNone {
		if _, err := netip.ParseAddr(c.PodDNS); err != nil {
			errs = append(errs, fielderr.New("PodDNS", "%s %q: want the IP address this node's swarm dns answers at on port 53, or %s", c.PodDNS, PodDNSNone))
		}
	}
	for _, msg := range validation.IsDNS1123Subdomain(c.ClusterDomain) {
		errs = append(errs, fielderr.New("ClusterDomain", "%s %q: %s", c.ClusterDomain, msg))
	}
	if strings.ContainsFunc(c.PodNetwork, unicode.IsSpace) {
		errs = append(errs, fielderr.New("PodNetwork", "%s %q: want one podman --network value without spaces, e.g. %s", c.PodNetwork, DefaultPodNetwork))
	}
	if _, problems := netalloc.Parse(c.networkSpec(), ownNetworks()); len(problems) > 0 {
		errs = append(errs, problems...)
	}
	switch c.Runtime {
	case RuntimeNone, RuntimeSystemd:
	default:
		errs = append(errs, fielderr.New("Runtime", "%s %q: must be systemd or none", c.Runtime))
	}
	return fielderr.Join("invalid agent configuration", errs)
}

// splitHostPort splits host:port and checks that the port is a port number.
func splitHostPort(hostport string) (string, int, error) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return host, port, nil
}

// ownNetworks are the IPv4 networks of this host's interfaces, which the cluster's CIDRs
// must not overlap: the pods' rules would send their traffic to Services and pods instead.
// Loopback is left out (127.0.0.0/8 is no CIDR anyone gives). An error reading them leaves
// the check out rather than stopping the node.
func ownNetworks() []netip.Prefix {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.To4() == nil {
			continue
		}
		if p, err := netip.ParsePrefix(n.String()); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}
