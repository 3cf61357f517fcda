package apiserver

import (
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/netalloc"
)

// serviceView is a Service as the API shows it: spec.clusterIP, spec.clusterIPs and the
// ports' nodePort from its allocation, and for a LoadBalancer the nodes that serve it in
// status.loadBalancer.ingress.
func serviceView(svc *corev1.Service, alloc store.ServiceAllocation, members []cluster.Member) *corev1.Service {
	out := netalloc.Merge(svc, alloc)
	if out.Spec.Type == corev1.ServiceTypeLoadBalancer {
		out.Status.LoadBalancer.Ingress = loadBalancerIngress(out, members)
	}
	return out
}

// loadBalancerIngress lists the addresses of the alive nodes whose ingress opened every
// port of the LoadBalancer Service svc (each gossips them in its metadata); none yet is an
// empty list, which kubectl shows as <pending>.
func loadBalancerIngress(svc *corev1.Service, members []cluster.Member) []corev1.LoadBalancerIngress {
	var out []corev1.LoadBalancerIngress
	for _, m := range members {
		if m.State != cluster.StateAlive {
			continue
		}
		opened := nodemeta.LoadBalancerPorts(m.Meta)
		all := len(svc.Spec.Ports) > 0
		for _, p := range svc.Spec.Ports {
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			all = all && opened[fmt.Sprintf("%d/%s", p.Port, proto)]
		}
		if !all {
			continue
		}
		host, _, err := net.SplitHostPort(m.Addr)
		if err != nil {
			host = m.Addr
		}
		out = append(out, corev1.LoadBalancerIngress{IP: host})
	}
	return out
}
