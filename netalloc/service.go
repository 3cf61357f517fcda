package netalloc

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// ServiceRequest is what a Service asks of the allocator.
type ServiceRequest struct {
	Key       string // "namespace/name"
	Type      corev1.ServiceType
	ClusterIP string // "" (any), "None" (headless) or the address asked for
	Ports     []PortRequest
}

// PortRequest is one Service port and the node port it asks for (0: any).
type PortRequest struct {
	Port     int32
	Protocol corev1.Protocol
	NodePort int32
}

// Allocation is what the cluster gave a Service: the value under
// allocation/service/NS/NAME.
type Allocation struct {
	ClusterIP string `json:"clusterIP,omitempty"`
	// Ports are the node ports of a NodePort or LoadBalancer Service, by Service port.
	Ports []AllocatedPort `json:"ports,omitempty"`
}

// AllocatedPort is the node port given to one Service port.
type AllocatedPort struct {
	Port     int32           `json:"port"`
	Protocol corev1.Protocol `json:"protocol"`
	NodePort int32           `json:"nodePort"`
}

// Empty reports whether the allocation holds nothing (no record is kept for it).
func (a Allocation) Empty() bool { return a.ClusterIP == "" && len(a.Ports) == 0 }

// Equal reports whether two allocations are the same.
func (a Allocation) Equal(b Allocation) bool {
	return a.ClusterIP == b.ClusterIP && slices.Equal(a.Ports, b.Ports)
}

// NodePort is the node port allocated to Service port port/proto; 0 when none.
func (a Allocation) NodePort(port int32, proto corev1.Protocol) int32 {
	for _, p := range a.Ports {
		if p.Port == port && p.Protocol == protocol(proto) {
			return p.NodePort
		}
	}
	return 0
}

// RequestOf is what svc asks for; svc's key is "namespace/name".
func RequestOf(svc *corev1.Service) ServiceRequest {
	r := ServiceRequest{Key: svc.Namespace + "/" + svc.Name, Type: svc.Spec.Type, ClusterIP: svc.Spec.ClusterIP}
	if r.Type == "" {
		r.Type = corev1.ServiceTypeClusterIP
	}
	for _, p := range svc.Spec.Ports {
		r.Ports = append(r.Ports, PortRequest{Port: p.Port, Protocol: protocol(p.Protocol), NodePort: p.NodePort})
	}
	return r
}

// WantsClusterIP reports whether the Service gets a ClusterIP: it is neither headless nor
// an ExternalName.
func (r ServiceRequest) WantsClusterIP() bool {
	return r.Type != corev1.ServiceTypeExternalName && r.ClusterIP != corev1.ClusterIPNone
}

// WantsNodePorts reports whether each of the Service's ports gets a node port.
func (r ServiceRequest) WantsNodePorts() bool {
	return r.Type == corev1.ServiceTypeNodePort || r.Type == corev1.ServiceTypeLoadBalancer
}

// explicitClusterIP is the address asked for, "" when any will do.
func (r ServiceRequest) explicitClusterIP() string {
	if !r.WantsClusterIP() {
		return ""
	}
	return r.ClusterIP
}

// Merge is svc with its allocation filled in, as the API shows it: spec.clusterIP and
// spec.clusterIPs, and each port's nodePort. svc is not modified. A headless Service keeps
// "None". A Service shows only what it was given: one not allocated yet shows no ClusterIP
// and no node ports, not even those it asks for, since until the leader has given them
// they may be another Service's (two applies at once, or a partition), and neither the
// DNS nor the pods' rules may send that Service's traffic to this one.
func Merge(svc *corev1.Service, a Allocation) *corev1.Service {
	out := svc.DeepCopy()
	req := RequestOf(svc)
	if req.WantsClusterIP() {
		out.Spec.ClusterIP = a.ClusterIP
		out.Spec.ClusterIPs = nil
	}
	if out.Spec.ClusterIP != "" && len(out.Spec.ClusterIPs) == 0 {
		out.Spec.ClusterIPs = []string{out.Spec.ClusterIP}
	}
	if req.WantsNodePorts() {
		for i := range out.Spec.Ports {
			p := &out.Spec.Ports[i]
			p.NodePort = a.NodePort(p.Port, p.Protocol)
		}
	}
	return out
}

func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}
