// Package discovery computes a Service's endpoints: the ready pods its selector matches, each
// at its node's address and the port it publishes there for each Service port. Pods have no
// overlay network (each publishes its ports on its node, see manifest.PublishedPort), so an
// endpoint is always node address + published host port.
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
	Name     string          `json:"name,omitempty"`
	Port     int32           `json:"port"`
	Protocol corev1.Protocol `json:"protocol"`
}

// Endpoint is one pod behind a Service.
type Endpoint struct {
	Pod     string `json:"pod"`
	Node    string `json:"node"`
	Address string `json:"address"` // the node's address
	// Ready: the pod is ready and its published ports accept connections (Pod.PortsOpen).
	Ready bool `json:"ready"`
	// Ports has one entry per Service port the pod publishes, named as the Service port:
	// Port is the host port on the node.
	Ports []Port `json:"ports"`
}

// Service is a Service and its endpoints.
type Service struct {
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	Ports     []Port     `json:"ports"`
	Endpoints []Endpoint `json:"endpoints"`
}

// Pod is what discovery needs to know of a placed pod.
type Pod struct {
	Pod     manifest.Pod
	Node    string
	Address string // the node's address, where its ports are published
	Ready   bool   // as the node reports it: running, and healthy where it has a check
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

// Endpoints lists the pods behind a Service, serving or not, sorted by pod name. A Service
// without a selector has no endpoints (manual Endpoints objects are not supported).
func Endpoints(svc *corev1.Service, pods []Pod) Service {
	out := Service{Namespace: svc.Namespace, Name: svc.Name, Endpoints: []Endpoint{}}
	for _, sp := range svc.Spec.Ports {
		out.Ports = append(out.Ports, Port{Name: sp.Name, Port: sp.Port, Protocol: protocol(sp.Protocol)})
	}
	if len(svc.Spec.Selector) == 0 {
		return out
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	for _, p := range pods {
		if p.Pod.Namespace != svc.Namespace || !sel.Matches(labels.Set(p.Pod.Labels)) || p.Node == "" {
			continue
		}
		ep := Endpoint{Pod: p.Pod.Name, Node: p.Node, Address: p.Address, Ready: p.serves(), Ports: []Port{}}
		published := manifest.PublishedPorts(&p.Pod.Spec)
		for _, sp := range svc.Spec.Ports {
			if hp, ok := hostPort(sp, published); ok {
				ep.Ports = append(ep.Ports, Port{Name: sp.Name, Port: hp, Protocol: protocol(sp.Protocol)})
			}
		}
		if len(ep.Ports) > 0 {
			out.Endpoints = append(out.Endpoints, ep)
		}
	}
	sort.Slice(out.Endpoints, func(i, j int) bool { return out.Endpoints[i].Pod < out.Endpoints[j].Pod })
	return out
}

// hostPort finds the host port a pod publishes for a Service port: targetPort by number, by
// the name of a container port, or (unset) the Service port's own number.
func hostPort(sp corev1.ServicePort, published []manifest.PublishedPort) (int32, bool) {
	proto := protocol(sp.Protocol)
	for _, pp := range published {
		if pp.Protocol != proto {
			continue
		}
		switch {
		case sp.TargetPort.Type == intstr.String:
			if pp.Name == sp.TargetPort.StrVal {
				return pp.HostPort, true
			}
		case sp.TargetPort.IntVal == 0:
			if pp.ContainerPort == sp.Port {
				return pp.HostPort, true
			}
		default:
			if pp.ContainerPort == sp.TargetPort.IntVal {
				return pp.HostPort, true
			}
		}
	}
	return 0, false
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
