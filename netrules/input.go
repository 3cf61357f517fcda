// Package netrules renders the nftables rules the agent keeps inside every pod's network
// namespace: a Service's ClusterIP and port lead to one of its ready endpoints (round robin),
// a pod's own IP and container port lead to where its node publishes that port. Pods have
// no overlay network: every address they are given (ClusterIP, pod IP) is virtual, and
// these rules translate it, in the pod's own namespace, to a node address and node port.
//
// It is pure: Render turns an Input into the text `nft -f -` loads, the same text for every
// pod of a node. The script replaces the tables whole, in one transaction, so a reload
// never leaves a pod with half the rules, and the first load works like any other.
package netrules

import (
	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// Input is what the rules of one node are made of: the cluster's Services, each with its
// endpoints (allocation merged in, as discovery.Endpoints answers), and every pod that has
// a pod IP, wherever it runs.
type Input struct {
	Services []discovery.Service `json:"services"`
	Pods     []Pod               `json:"pods"`
}

// Pod is a pod reachable at its own IP.
type Pod struct {
	// Name is "namespace/name", only used to explain what was left out.
	Name string `json:"name"`
	// IP is the pod's address from the pod CIDR; a pod without one is left out.
	IP string `json:"ip"`
	// Address is the address of the pod's node, where its ports are published.
	Address string `json:"address"`
	// Ports are the ports the node reports the pod publishes: ContainerPort on IP leads to
	// HostPort (the node port) on Address.
	Ports []manifest.PublishedPort `json:"ports"`
}
