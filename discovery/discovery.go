// Package discovery computes a Service's endpoints: the ready pods its selector matches, each
// at its node's address and the node port it publishes there for each Service port, and at
// its own pod IP and container port. Pods have no overlay network: a pod publishes its
// container ports on its node (on node ports the node picks, or on an explicit hostPort), so
// whatever carries traffic to a pod (the node's nftables rules in every pod, the ingress,
// the node-port forwarder) ends at node address + node port. The pod IP and the Service's
// ClusterIP are virtual addresses that the rules inside every pod translate.
// It is pure: the agent feeds it the store, the API and the companions read its answers.
package discovery

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Port is one port of a Service, or of an endpoint for that Service port.
type Port struct {
	Name string `json:"name,omitempty"`
	// Port is, for a Service, the Service port (on its ClusterIP); for an endpoint, the
	// node port the pod publishes on its node's Address.
	Port     int32           `json:"port"`
	Protocol corev1.Protocol `json:"protocol"`
	// NodePort is, for a Service of type NodePort or LoadBalancer, the port every node
	// forwards to the Service; 0 for other Services and for endpoints.
	NodePort int32 `json:"nodePort,omitempty"`
	// TargetPort is, for an endpoint, the container port inside the pod (the port on its
	// PodIP); 0 for a Service.
	TargetPort int32 `json:"targetPort,omitempty"`
}

// Endpoint is one pod behind a Service.
type Endpoint struct {
	Pod     string `json:"pod"`
	Node    string `json:"node"`
	Address string `json:"address"` // the node's address
	// PodIP is the pod's own address from the pod CIDR; "" for a pod placed before pods
	// had one (it is reached at Address only).
	PodIP string `json:"podIP,omitempty"`
	// Hostname is the pod's spec.hostname when its spec.subdomain names the Service, as
	// Kubernetes' endpoints carry it: the pod is then <hostname>.<service>.<namespace>.svc
	// (a StatefulSet's pods under their governing Service); "" otherwise.
	Hostname string `json:"hostname,omitempty"`
	// Ready: the pod is ready and its published ports accept connections (Pod.PortsOpen).
	Ready bool `json:"ready"`
	// Ports has one entry per Service port the pod publishes, named as the Service port:
	// Port is the host port on the node.
	Ports []Port `json:"ports"`
}

// Service is a Service and its endpoints.
type Service struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Type is the Service's type: ClusterIP, NodePort, LoadBalancer or ExternalName.
	Type corev1.ServiceType `json:"type,omitempty"`
	// ClusterIP is the Service's virtual address: "" until the cluster allocated one,
	// ClusterIPNone for a headless Service (answered with its pods' IPs).
	ClusterIP string `json:"clusterIP,omitempty"`
	// ExternalName is the name a Service of type ExternalName stands for (a CNAME).
	ExternalName string     `json:"externalName,omitempty"`
	Ports        []Port     `json:"ports"`
	Endpoints    []Endpoint `json:"endpoints"`
}

// ClusterIPNone is the ClusterIP of a headless Service, as Kubernetes spells it.
const ClusterIPNone = corev1.ClusterIPNone

// Headless tells a Service whose name answers its pods' own IPs instead of a ClusterIP.
func (s Service) Headless() bool { return s.ClusterIP == ClusterIPNone }

// Pod is what discovery needs to know of a placed pod.
type Pod struct {
	Pod     manifest.Pod
	Node    string
	Address string // the node's address, where its ports are published
	// PodIP is the pod's own address; "" for a pod placed before pods had one.
	PodIP string
	// Ports are the ports the node reports the pod publishes (HostPort: the node port);
	// nil before the node reported them, when the pod's spec says (hostPort, else the
	// container port, as pods placed before node ports were picked publish them).
	Ports []manifest.PublishedPort
	Ready bool // as the node reports it: running, and healthy where it has a check
	// PortsOpen is whether the pod's published TCP ports accepted a connection from its
	// node at the last check; nil before the first check, when readiness alone counts.
	PortsOpen *bool
	// NodeDown: the cluster declared the pod's node failed, or it left. Its pods keep their
	// place for the scheduler's grace period, but take no traffic meanwhile.
	NodeDown bool
}

// serves tells whether a pod takes traffic: ready, on a node that is up, and its ports open
// where they were checked. Readiness is the pod's own word; the node's check catches a pod that stopped
// listening between two readiness probes, or whose published port does not lead to it.
func (p Pod) serves() bool {
	return p.Ready && !p.NodeDown && (p.PortsOpen == nil || *p.PortsOpen)
}

// Endpoints lists the pods behind a Service, serving or not, sorted by pod name. svc is the
// Service with what the cluster allocated for it (spec.clusterIP, the ports' nodePort)
// filled in. A Service without a selector has no endpoints (manual Endpoints objects are not
// supported), nor has an ExternalName Service.
func Endpoints(svc *corev1.Service, pods []Pod) Service {
	out := Service{
		Namespace:    svc.Namespace,
		Name:         svc.Name,
		Type:         svc.Spec.Type,
		ClusterIP:    svc.Spec.ClusterIP,
		ExternalName: svc.Spec.ExternalName,
		Ports:        []Port{},
		Endpoints:    []Endpoint{},
	}
	if out.Type == "" {
		out.Type = corev1.ServiceTypeClusterIP
	}
	for _, sp := range svc.Spec.Ports {
		out.Ports = append(out.Ports, Port{Name: sp.Name, Port: sp.Port, Protocol: protocol(sp.Protocol), NodePort: sp.NodePort})
	}
	if len(svc.Spec.Selector) == 0 || out.Type == corev1.ServiceTypeExternalName {
		return out
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	for _, p := range pods {
		if p.Pod.Namespace != svc.Namespace || !sel.Matches(labels.Set(p.Pod.Labels)) || p.Node == "" {
			continue
		}
		ep := Endpoint{Pod: p.Pod.Name, Node: p.Node, Address: p.Address, PodIP: p.PodIP, Ready: p.serves(), Ports: []Port{},
			Hostname: hostnameUnder(&p.Pod.Spec, svc.Name)}
		published := p.Ports
		if published == nil {
			published = manifest.PublishedPorts(&p.Pod.Spec)
		}
		for _, sp := range svc.Spec.Ports {
			if pp, ok := targetPort(sp, published); ok {
				ep.Ports = append(ep.Ports, Port{Name: sp.Name, Port: pp.HostPort, Protocol: protocol(sp.Protocol), TargetPort: pp.ContainerPort})
			}
		}
		if len(ep.Ports) > 0 {
			out.Endpoints = append(out.Endpoints, ep)
		}
	}
	sort.Slice(out.Endpoints, func(i, j int) bool { return out.Endpoints[i].Pod < out.Endpoints[j].Pod })
	return out
}

// targetPort finds the port a pod publishes for a Service port: targetPort by number, by
// the name of a container port, or (unset) the Service port's own number.
func targetPort(sp corev1.ServicePort, published []manifest.PublishedPort) (manifest.PublishedPort, bool) {
	proto := protocol(sp.Protocol)
	for _, pp := range published {
		if pp.Protocol != proto {
			continue
		}
		switch {
		case sp.TargetPort.Type == intstr.String:
			if pp.Name == sp.TargetPort.StrVal {
				return pp, true
			}
		case sp.TargetPort.IntVal == 0:
			if pp.ContainerPort == sp.Port {
				return pp, true
			}
		default:
			if pp.ContainerPort == sp.TargetPort.IntVal {
				return pp, true
			}
		}
	}
	return manifest.PublishedPort{}, false
}

func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// Addresses lists "address:port" of the ready endpoints for one Service port (by name; ""
// picks the first port), as the reference design's /addresses answer does.
func (s Service) Addresses(portName string) []string {
	out := []string{}
	if portName == "" && len(s.Ports) > 0 {
		portName = s.Ports[0].Name
	}
	for _, ep := range s.Endpoints {
		if !ep.Ready {
			continue
		}
		for _, p := range ep.Ports {
			if p.Name == portName {
				out = append(out, joinHostPort(ep.Address, p.Port))
				break
			}
		}
	}
	return out
}
