package l4

import (
	"cmp"
	"fmt"
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// Key is one listening port of the node: a protocol and a port number.
type Key struct {
	Protocol corev1.Protocol `json:"protocol"`
	Port     int32           `json:"port"`
}

func (k Key) String() string { return fmt.Sprintf("%d/%s", k.Port, k.Protocol) }

// Kind says why a port is opened.
type Kind string

const (
	// NodePort is a Service port's node port, opened on every node.
	NodePort Kind = "NodePort"
	// ServicePort is a LoadBalancer Service's own port, opened where it is free.
	ServicePort Kind = "LoadBalancer"
)

// Want is a port the Services ask this node to listen on, and where to forward it.
type Want struct {
	Key
	Kind      Kind   `json:"kind"`
	Namespace string `json:"namespace"`
	Service   string `json:"service"`
	PortName  string `json:"portName,omitempty"`
	// ServicePort is the Service port this listener stands for.
	ServicePort int32 `json:"servicePort"`
	// Backends are "address:node-port" of the ready endpoints, in the endpoints' order.
	Backends []string `json:"-"`
}

// Owner names the Service port a listener stands for.
func (w Want) Owner() string {
	return fmt.Sprintf("%s/%s:%d", w.Namespace, w.Service, w.ServicePort)
}

// Plan lists the ports the Services ask for, sorted by key, and the claims it dropped: a
// port that two Services claim goes to the first by namespace and name, a node port before
// a LoadBalancer Service port.
func Plan(services []discovery.Service) (wants []Want, dropped []string) {
	var all []Want
	for _, s := range services {
		if s.Type != corev1.ServiceTypeNodePort && s.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		for _, p := range s.Ports {
			w := Want{Key: Key{Protocol: protocol(p.Protocol)}, Namespace: s.Namespace, Service: s.Name, PortName: p.Name,
				ServicePort: p.Port, Backends: backends(s, p)}
			if p.NodePort > 0 {
				w.Port, w.Kind = p.NodePort, NodePort
				all = append(all, w)
			}
			if s.Type == corev1.ServiceTypeLoadBalancer && p.Port > 0 {
				w.Port, w.Kind = p.Port, ServicePort
				all = append(all, w)
			}
		}
	}
	// Node ports first (the cluster allocated them, they do not clash), then by Service.
	slices.SortStableFunc(all, func(a, b Want) int {
		if a.Kind != b.Kind {
			if a.Kind == NodePort {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Service, b.Service))
	})
	taken := map[Key]Want{}
	for _, w := range all {
		if first, ok := taken[w.Key]; ok {
			dropped = append(dropped, fmt.Sprintf("%s of %s (%s) is %s's", w.Key, w.Owner(), w.Kind, first.Owner()))
			continue
		}
		taken[w.Key] = w
		wants = append(wants, w)
	}
	slices.SortFunc(wants, func(a, b Want) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
	return wants, dropped
}

// backends lists "address:node-port" of the ready endpoints for Service port p: the
// endpoint port of the same name and protocol.
func backends(s discovery.Service, p discovery.Port) []string {
	var out []string
	for _, ep := range s.Endpoints {
		if !ep.Ready || ep.Address == "" {
			continue
		}
		for _, ept := range ep.Ports {
			if ept.Name == p.Name && protocol(ept.Protocol) == protocol(p.Protocol) && ept.Port > 0 {
				out = append(out, net.JoinHostPort(ep.Address, strconv.Itoa(int(ept.Port))))
				break
			}
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
