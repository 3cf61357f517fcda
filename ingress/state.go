package ingress

import (
	"fmt"
	"net"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// State is what the ingress serves from: the Ingresses and the Services with their
// endpoints, as the agent last answered them. It is also the content of the state file.
type State struct {
	Ingresses []networkingv1.Ingress `json:"ingresses"`
	Services  []discovery.Service    `json:"services"`
}

// service finds a Service by namespace and name.
func (s *State) service(namespace, name string) (discovery.Service, bool) {
	for _, svc := range s.Services {
		if svc.Namespace == namespace && svc.Name == name {
			return svc, true
		}
	}
	return discovery.Service{}, false
}

// target is one endpoint of a backend: "address:host-port" and whether it is on this node.
type target struct {
	addr  string
	local bool
}

// targets lists the ready endpoints of a backend's Service port, local ones marked. The
// backend's port is resolved against the Service's ports (by number or by name); an
// endpoint's ports carry the Service port's name. The error says why there are none.
func (s *State) targets(b Backend, node, nodeAddr string) ([]target, error) {
	svc, ok := s.service(b.Namespace, b.Service)
	if !ok {
		return nil, fmt.Errorf("service %s/%s not found", b.Namespace, b.Service)
	}
	portName, ok := "", false
	for _, p := range svc.Ports {
		if (b.Port.Name != "" && p.Name == b.Port.Name) || (b.Port.Name == "" && p.Port == b.Port.Number) {
			portName, ok = p.Name, true
			break
		}
	}
	if !ok {
		return nil, fmt.Errorf("service %s/%s has no port %s", b.Namespace, b.Service, b.port())
	}
	var out []target
	for _, ep := range svc.Endpoints {
		if !ep.Ready {
			continue
		}
		for _, p := range ep.Ports {
			if p.Name == portName && p.Protocol == "TCP" {
				local := (node != "" && ep.Node == node) || (nodeAddr != "" && ep.Address == nodeAddr)
				out = append(out, target{addr: joinHostPort(ep.Address, p.Port), local: local})
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no ready endpoint for %s", b)
	}
	return out, nil
}

func joinHostPort(host string, port int32) string {
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}
