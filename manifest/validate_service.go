package manifest

import (
	"net"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateService checks a Service as Kubernetes does. Service names must be DNS-1035
// labels (they become DNS names). Whether a clusterIP or nodePort asked for is in the
// cluster's ranges and free is checked against the store (netalloc.CheckServiceRequest).
func validateService(s *corev1.Service) field.ErrorList {
	errs := validateMeta(&s.ObjectMeta, validation.IsDNS1035Label, "DNS-1035 label")
	spec := field.NewPath("spec")
	nodePorts := false
	switch s.Spec.Type {
	case "", corev1.ServiceTypeClusterIP:
	case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		nodePorts = true
	case corev1.ServiceTypeExternalName:
		return append(errs, validateExternalName(s)...)
	default:
		errs = append(errs, field.NotSupported(spec.Child("type"), s.Spec.Type, []string{"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"}))
	}
	if ip := s.Spec.ClusterIP; ip != "" && ip != corev1.ClusterIPNone && net.ParseIP(ip) == nil {
		errs = append(errs, field.Invalid(spec.Child("clusterIP"), ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
	}
	if s.Spec.ClusterIP == corev1.ClusterIPNone && nodePorts {
		errs = append(errs, field.Invalid(spec.Child("clusterIP"), s.Spec.ClusterIP, "may not be set to 'None' for "+string(s.Spec.Type)+" services"))
	}
	if s.Spec.ExternalName != "" {
		errs = append(errs, field.Forbidden(spec.Child("externalName"), "may only be set when `type` is 'ExternalName'"))
	}
	errs = append(errs, metavalidation.ValidateLabels(s.Spec.Selector, spec.Child("selector"))...)
	if len(s.Spec.Ports) == 0 {
		errs = append(errs, field.Required(spec.Child("ports"), "a Service needs at least one port"))
	}
	names := sets.New[string]()
	for i, p := range s.Spec.Ports {
		pp := spec.Child("ports").Index(i)
		if len(s.Spec.Ports) > 1 && p.Name == "" {
			errs = append(errs, field.Required(pp.Child("name"), "each port needs a name when a Service has more than one"))
		}
		if p.Name != "" {
			for _, msg := range validation.IsDNS1123Label(p.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), p.Name, msg))
			}
			if names.Has(p.Name) {
				errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
			}
			names.Insert(p.Name)
		}
		for _, msg := range validation.IsValidPortNum(int(p.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), p.Port, msg))
		}
		switch p.Protocol {
		case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		default:
			errs = append(errs, field.NotSupported(pp.Child("protocol"), p.Protocol, []string{"TCP", "UDP", "SCTP"}))
		}
		switch {
		case p.NodePort != 0 && !nodePorts:
			errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
		case p.NodePort != 0:
			for _, msg := range validation.IsValidPortNum(int(p.NodePort)) {
				errs = append(errs, field.Invalid(pp.Child("nodePort"), p.NodePort, msg))
			}
		}
		switch {
		case p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal == 0:
			// defaults to port
		case p.TargetPort.Type == intstr.Int:
			for _, msg := range validation.IsValidPortNum(p.TargetPort.IntValue()) {
				errs = append(errs, field.Invalid(pp.Child("targetPort"), p.TargetPort.IntValue(), msg))
			}
		default:
			for _, msg := range validation.IsValidPortName(p.TargetPort.StrVal) {
				errs = append(errs, field.Invalid(pp.Child("targetPort"), p.TargetPort.StrVal, msg))
			}
		}
	}
	return errs
}

// validateExternalName checks a Service of type ExternalName: a name (a DNS-1123
// subdomain) that the cluster DNS answers with a CNAME, no ClusterIP; its ports and
// selector are optional and unused, as in Kubernetes.
func validateExternalName(s *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	name := strings.TrimSuffix(s.Spec.ExternalName, ".")
	if name == "" {
		errs = append(errs, field.Required(spec.Child("externalName"), ""))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, field.Invalid(spec.Child("externalName"), s.Spec.ExternalName, msg))
		}
	}
	if s.Spec.ClusterIP != "" {
		errs = append(errs, field.Forbidden(spec.Child("clusterIP"), "may not be set for ExternalName services"))
	}
	errs = append(errs, metavalidation.ValidateLabels(s.Spec.Selector, spec.Child("selector"))...)
	for i, p := range s.Spec.Ports {
		pp := spec.Child("ports").Index(i)
		for _, msg := range validation.IsValidPortNum(int(p.Port)) {
			errs = append(errs, field.Invalid(pp.Child("port"), p.Port, msg))
		}
		if p.NodePort != 0 {
			errs = append(errs, field.Forbidden(pp.Child("nodePort"), "may not be used when `type` is 'ExternalName'"))
		}
	}
	return errs
}
