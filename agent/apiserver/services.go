package apiserver

import (
	"net"

	corev1 "k8s.io/api/core/v1"

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
		out.Status.LoadBalancer.Ingress = loadBalancerIngress(members)
	}
	return out
}

// lbMetaKey is the node metadata key under which a node will gossip the LoadBalancer ports
// its ingress opened.
const lbMetaKey = "lb"

// loadBalancerIngress lists the addresses of the nodes that serve LoadBalancer Services.
// The node's ingress is to say, in its metadata under "lb", which Service ports it opened;
// until it does, every alive node's address is listed (each forwards the Service's node
// port, if not yet the Service port itself).
func loadBalancerIngress(members []cluster.Member) []corev1.LoadBalancerIngress {
	var out []corev1.LoadBalancerIngress
	for _, m := range members {
		if m.State != cluster.StateAlive {
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
