package nodemeta

import (
	"slices"
	"strings"
)

// keyLoadBalancer is the metadata key under which a node gossips the Service ports of
// LoadBalancer Services its ingress opened: "8088/TCP,53/UDP".
const keyLoadBalancer = "lb"

// maxLoadBalancer bounds the value: a member's whole metadata must fit memberlist's 512
// bytes. Ports past it are left out (the node is then not listed for those Services).
const maxLoadBalancer = 256

// SetLoadBalancerPorts records the LoadBalancer Service ports ("8088/TCP") the node's
// ingress opened; none removes the key.
func SetLoadBalancerPorts(meta map[string]string, ports []string) {
	if len(ports) == 0 {
		delete(meta, keyLoadBalancer)
		return
	}
	ports = slices.Sorted(slices.Values(ports))
	var b strings.Builder
	for _, p := range slices.Compact(ports) {
		if b.Len()+len(p)+1 > maxLoadBalancer {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p)
	}
	meta[keyLoadBalancer] = b.String()
}

// LoadBalancerPorts are the LoadBalancer Service ports a node's ingress opened.
func LoadBalancerPorts(meta map[string]string) map[string]bool {
	out := map[string]bool{}
	if v := meta[keyLoadBalancer]; v != "" {
		for _, p := range strings.Split(v, ",") {
			out[p] = true
		}
	}
	return out
}
