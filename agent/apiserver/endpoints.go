package apiserver

import (
	"fmt"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/netalloc"
)

// discoveryPods lists the placed pods with their node's address, their pod IP, the ports
// their node reports they publish, their readiness, and whether the node is down.
func discoveryPods(st *store.State, members []cluster.Member) []discovery.Pod {
	addr := map[string]string{}
	down := map[string]bool{}
	for _, m := range members {
		down[m.Name] = nodeDown(m, st.Nodes)
		host, _, err := net.SplitHostPort(m.Addr)
		if err != nil {
			host = m.Addr
		}
		addr[m.Name] = host
	}
	var out []discovery.Pod
	for _, key := range sortedKeys(st.Assignments) {
		a := st.Assignments[key]
		p := discovery.Pod{Pod: a.Pod, Node: a.Node, Address: addr[a.Node], PodIP: a.PodIP, NodeDown: down[a.Node]}
		// Only the node that runs the pod now knows its ports: a status left by the node
		// that ran it before a move says nothing about them.
		if s, ok := st.Status[key]; ok && s.Describes(a) {
			p.Ready, p.PortsOpen = s.Ready, s.PortsOpen
			p.Ports = s.Ports
			if s.HostIP != "" {
				p.Address = s.HostIP
			}
		}
		out = append(out, p)
	}
	return out
}

// EndpointList is every Service of namespace ns ("": of all) with its endpoints, as the
// API answers it.
func EndpointList(st *store.State, members []cluster.Member, ns string) api.EndpointList {
	return endpointList(st, members, ns)
}

// DiscoveryPods are the placed pods as discovery sees them.
func DiscoveryPods(st *store.State, members []cluster.Member) []discovery.Pod {
	return discoveryPods(st, members)
}

// endpointList is every Service of namespace ns ("": of all) with its endpoints.
func endpointList(st *store.State, members []cluster.Member, ns string) api.EndpointList {
	pods := discoveryPods(st, members)
	out := api.EndpointList{Items: []discovery.Service{}}
	for _, key := range sortedKeys(st.Services) {
		if svc := st.Services[key]; ns == "" || svc.Namespace == ns {
			out.Items = append(out.Items, discovery.Endpoints(netalloc.Merge(svc, st.Allocations[key]), pods))
		}
	}
	return out
}

func (a *Server) serviceEndpoints(c echo.Context) (discovery.Service, error) {
	ns, name := c.Param("namespace"), c.Param("name")
	var s discovery.Service
	found := false
	a.view.Read(func(st *store.State, _ uint64) {
		var svc *corev1.Service
		if svc, found = st.Services[ns+"/"+name]; found {
			s = discovery.Endpoints(netalloc.Merge(svc, st.Allocations[ns+"/"+name]), discoveryPods(st, a.node.Members()))
		}
	})
	if !found {
		return discovery.Service{}, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("service %s/%s not found", ns, name))
	}
	return s, nil
}

func (a *Server) getServiceEndpoints(c echo.Context) error {
	s, err := a.serviceEndpoints(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s)
}

// getServiceAddresses answers the "addr:port" list of the ready endpoints of one Service
// port (?port=NAME; the first port by default).
func (a *Server) getServiceAddresses(c echo.Context) error {
	s, err := a.serviceEndpoints(c)
	if err != nil {
		return err
	}
	port := c.QueryParam("port")
	if port != "" {
		found := false
		for _, p := range s.Ports {
			found = found || p.Name == port
		}
		if !found {
			return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("service %s/%s has no port named %q", s.Namespace, s.Name, port))
		}
	}
	return c.JSON(http.StatusOK, s.Addresses(port))
}
