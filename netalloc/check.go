package netalloc

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// CheckServiceRequest checks what a Service asks for against what is allocated (allocs,
// by key) and what the other Services ask for explicitly (others; req's own key is
// skipped), as the Kubernetes API server does before it stores a Service, with its
// messages. The leader checks again when it allocates (PlanServices): this check only
// sees what its node has seen, which is what makes most clashes a 422 rather than an
// event.
func CheckServiceRequest(r Ranges, req ServiceRequest, allocs map[string]Allocation, others []ServiceRequest) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	own := allocs[req.Key]
	sp := newSpace(r.ServiceCIDR)
	if ask := req.explicitClusterIP(); ask != "" {
		ip, err := netip.ParseAddr(ask)
		switch {
		case own.ClusterIP != "" && own.ClusterIP != ask:
			errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), []string{ask}, "field is immutable"))
		case own.ClusterIP == ask:
		case err != nil:
			errs = append(errs, field.Invalid(spec.Child("clusterIP"), ask, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
		case !sp.contains(ip):
			errs = append(errs, field.Invalid(spec.Child("clusterIP"), ask, "provided IP is not in the valid range. The range of valid IPs is "+r.ServiceCIDR.String()))
		case ipTaken(ask, req.Key, allocs, others):
			errs = append(errs, field.Invalid(spec.Child("clusterIP"), ask, "provided IP is already allocated"))
		}
	} else if own.ClusterIP != "" && req.ClusterIP == corev1.ClusterIPNone && req.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Invalid(spec.Child("clusterIPs").Index(0), []string{req.ClusterIP}, "field is immutable"))
	}
	if req.WantsNodePorts() {
		seen := map[int32]bool{}
		for i, p := range req.Ports {
			if p.NodePort == 0 {
				continue
			}
			path := spec.Child("ports").Index(i).Child("nodePort")
			switch {
			case seen[p.NodePort]:
				errs = append(errs, field.Duplicate(path, p.NodePort))
			case ownPort(own, p.NodePort):
			case !r.ServiceNodePortRange.Contains(p.NodePort):
				errs = append(errs, field.Invalid(path, p.NodePort, "provided port is not in the valid range. The range of valid ports is "+r.ServiceNodePortRange.String()))
			case portTaken(p.NodePort, req.Key, allocs, others):
				errs = append(errs, field.Invalid(path, p.NodePort, "provided port is already allocated"))
			}
			seen[p.NodePort] = true
		}
	}
	return errs
}

func ipTaken(ip, self string, allocs map[string]Allocation, others []ServiceRequest) bool {
	for k, a := range allocs {
		if k != self && a.ClusterIP == ip {
			return true
		}
	}
	for _, o := range others {
		if o.Key != self && o.explicitClusterIP() == ip {
			return true
		}
	}
	return false
}

func portTaken(port int32, self string, allocs map[string]Allocation, others []ServiceRequest) bool {
	for k, a := range allocs {
		if k != self && ownPort(a, port) {
			return true
		}
	}
	for _, o := range others {
		if o.Key == self || !o.WantsNodePorts() {
			continue
		}
		for _, p := range o.Ports {
			if p.NodePort == port {
				return true
			}
		}
	}
	return false
}
