package manifest

import (
	corev1 "k8s.io/api/core/v1"
)

// PublishedPort is one container port that a pod publishes on its node.
//
// Pods have no overlay network (rootless podman has none that spans nodes): every declared
// container port is published on the node's address. An explicit hostPort is a per-node
// resource that two pods can never share. Without one, a pod with an address of its own
// publishes the port on a node port its node picks (reported in the pod's status); a pod
// placed before pods had addresses publishes it on the containerPort, which PublishedPorts
// gives as HostPort.
type PublishedPort struct {
	Container     string          // name of the container that declares the port
	Name          string          // the port's name, "" when unnamed
	ContainerPort int32           // the port inside the pod
	HostPort      int32           // the port on the node
	Explicit      bool            // HostPort is the manifest's hostPort, not a default
	HostIP        string          // the node address to bind, "" for the node's default
	Protocol      corev1.Protocol // TCP (default), UDP or SCTP
}

// PublishedPorts lists the ports a pod publishes, in the order the containers declare them:
// sidecars first (init containers with restartPolicy Always, which run beside the others),
// then the containers.
func PublishedPorts(spec *corev1.PodSpec) []PublishedPort {
	var out []PublishedPort
	var running []corev1.Container
	for _, c := range spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			running = append(running, c)
		}
	}
	for _, c := range append(running, spec.Containers...) {
		for _, p := range c.Ports {
			host := p.HostPort
			if host == 0 {
				host = p.ContainerPort
			}
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			out = append(out, PublishedPort{
				Container:     c.Name,
				Name:          p.Name,
				ContainerPort: p.ContainerPort,
				HostPort:      host,
				Explicit:      p.HostPort != 0,
				HostIP:        p.HostIP,
				Protocol:      proto,
			})
		}
	}
	return out
}
