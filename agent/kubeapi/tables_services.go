package kubeapi

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

var serviceColumns = columns([]string{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"})

func serviceCells(s *corev1.Service, now time.Time) (string, []string) {
	return s.Namespace, []string{s.Name, serviceType(s), clusterIPCell(s), externalIPCell(s), servicePorts(s), Age(s.CreationTimestamp.Time, now)}
}

func serviceType(s *corev1.Service) string {
	if s.Spec.Type == "" {
		return string(corev1.ServiceTypeClusterIP)
	}
	return string(s.Spec.Type)
}

// clusterIPCell is what kubectl shows: the address, None for a headless Service, <none>
// for an ExternalName, and <pending> here for one the cluster has not allocated yet.
func clusterIPCell(s *corev1.Service) string {
	switch {
	case s.Spec.Type == corev1.ServiceTypeExternalName:
		return "<none>"
	case s.Spec.ClusterIP == "":
		return "<pending>"
	}
	return s.Spec.ClusterIP
}

// externalIPCell is the external name of an ExternalName, the ingress addresses of a
// LoadBalancer (<pending> until there is one), else <none>.
func externalIPCell(s *corev1.Service) string {
	switch serviceType(s) {
	case string(corev1.ServiceTypeExternalName):
		return s.Spec.ExternalName
	case string(corev1.ServiceTypeLoadBalancer):
		var ips []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			ips = append(ips, in.IP)
		}
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	}
	return "<none>"
}

// servicePorts spells the ports as kubectl: 80/TCP, and 80:30080/TCP with a node port.
func servicePorts(s *corev1.Service) string {
	var ports []string
	for _, p := range s.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		if p.NodePort != 0 {
			ports = append(ports, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, proto))
		} else {
			ports = append(ports, fmt.Sprintf("%d/%s", p.Port, proto))
		}
	}
	if len(ports) == 0 {
		return "<none>"
	}
	return strings.Join(ports, ",")
}

var ingressColumns = columns([]string{"Name", "Class", "Hosts", "Ports", "Age"})

func ingressCells(in *networkingv1.Ingress, now time.Time) (string, []string) {
	class := "<none>"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	var hosts []string
	for _, r := range in.Spec.Rules {
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		hosts = []string{"*"}
	}
	ports := "80"
	if len(in.Spec.TLS) > 0 {
		ports = "80, 443"
	}
	return in.Namespace, []string{in.Name, class, strings.Join(hosts, ","), ports, Age(in.CreationTimestamp.Time, now)}
}
