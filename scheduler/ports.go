package scheduler

import (
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// portKey is a host port on a node, regardless of the address it binds.
type portKey struct {
	protocol corev1.Protocol
	port     int32
}

// portUse counts, per host port, the pods bound to each host address of one node. The
// address "" stands for every address of the node.
type portUse map[portKey]map[string]int

// hostAddress folds the spellings of "every address" into "": a pod bound to 0.0.0.0 takes
// the port on all addresses, as Kubernetes' NodePorts filter treats it.
func hostAddress(ip string) string {
	switch ip {
	case "0.0.0.0", "::":
		return ""
	}
	return ip
}

// conflict reports whether p cannot be bound because the node already uses its port: on the
// same address, or on every address, or (when p takes every address) on any address.
func (u portUse) conflict(p manifest.PublishedPort) bool {
	byIP := u[portKey{p.Protocol, p.HostPort}]
	if len(byIP) == 0 {
		return false
	}
	ip := hostAddress(p.HostIP)
	return ip == "" || byIP[""] > 0 || byIP[ip] > 0
}

// firstConflict returns the first of ports that the node already uses.
func (u portUse) firstConflict(ports []manifest.PublishedPort) (manifest.PublishedPort, bool) {
	for _, p := range ports {
		if u.conflict(p) {
			return p, true
		}
	}
	return manifest.PublishedPort{}, false
}

func (u portUse) add(ports []manifest.PublishedPort) {
	for _, p := range ports {
		k := portKey{p.Protocol, p.HostPort}
		if u[k] == nil {
			u[k] = make(map[string]int, 1)
		}
		u[k][hostAddress(p.HostIP)]++
	}
}

func (u portUse) remove(ports []manifest.PublishedPort) {
	for _, p := range ports {
		k := portKey{p.Protocol, p.HostPort}
		ip := hostAddress(p.HostIP)
		if u[k][ip]--; u[k][ip] <= 0 {
			delete(u[k], ip)
		}
		if len(u[k]) == 0 {
			delete(u, k)
		}
	}
}

// portLabel spells a published port as users write it: "8080/TCP", "10.0.0.1:53/UDP".
func portLabel(p manifest.PublishedPort) string {
	port := strconv.Itoa(int(p.HostPort))
	if ip := hostAddress(p.HostIP); ip != "" {
		port = net.JoinHostPort(ip, port)
	}
	return port + "/" + string(p.Protocol)
}

// claimedPorts are the host ports a new pod holds on its node: only the explicit hostPorts.
// Its other container ports are published on node ports its node picks, so any number of
// pods listening on 8080 fit one node.
func claimedPorts(spec *corev1.PodSpec) []manifest.PublishedPort {
	var out []manifest.PublishedPort
	for _, p := range manifest.PublishedPorts(spec) {
		if explicitHostPort(spec, p) {
			out = append(out, p)
		}
	}
	return out
}

// explicitHostPort reports whether the container that publishes p sets its hostPort.
func explicitHostPort(spec *corev1.PodSpec, p manifest.PublishedPort) bool {
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range cs {
			if c.Name != p.Container {
				continue
			}
			for _, cp := range c.Ports {
				if cp.ContainerPort == p.ContainerPort && cp.Name == p.Name && cp.HostIP == p.HostIP && protocolOf(cp.Protocol) == p.Protocol {
					return cp.HostPort != 0
				}
			}
		}
	}
	return false
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// heldPorts are the host ports an existing assignment holds on its node: its explicit
// hostPorts when it has a pod IP, every published port when it was placed before pods had
// one (it publishes them all as they are).
func heldPorts(a Assignment) []manifest.PublishedPort {
	if a.PodIP != "" {
		return claimedPorts(&a.Pod.Spec)
	}
	return manifest.PublishedPorts(&a.Pod.Spec)
}
