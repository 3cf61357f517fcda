package quadlet

import "fmt"

// DefaultSwarmBinary is where the swarm binary lives on a node when Options.SwarmBinary is
// empty. Containers with an httpGet or tcpSocket probe get it bind-mounted read-only at
// ProbeBinary, so that the probe needs nothing from the image.
const DefaultSwarmBinary = "/usr/bin/swarm"

// ProbeBinary is the path of the node's swarm binary inside a container that needs it for a probe.
const ProbeBinary = "/.swarm/swarm"

// Options are the node's facts that a pod's units depend on.
type Options struct {
	// DNS lists the servers the pods resolve names with (the cluster DNS on the node).
	// Empty: podman's default (the node's resolv.conf).
	DNS []string
	// DNSSearch lists the search domains added for the pods.
	DNSSearch []string
	// ClusterDomain, e.g. "cluster.local", puts Kubernetes' search domains first for the pods
	// that use the cluster DNS: <namespace>.svc.<domain>, svc.<domain>, <domain>; and the
	// resolver option ndots:5, unless the pod's dnsConfig sets ndots itself.
	// Empty: none.
	ClusterDomain string
	// PublishAddress is the node address that a port without hostIP is published on.
	// Empty: every address.
	PublishAddress string
	// Network is the Quadlet Network= value for the pods, e.g. "pasta:-a,10.0.2.100".
	// Empty: podman's default network.
	Network string
	// PodIP, NodeName and HostIP are the values of the fieldRefs status.podIP, spec.nodeName
	// and status.hostIP. An environment variable that needs an empty one gets "" and a warning.
	PodIP    string
	NodeName string
	HostIP   string
	// SwarmBinary is the path of the swarm binary on the node, used by probes.
	// Empty: DefaultSwarmBinary.
	SwarmBinary string
}

// Warning is a field of the pod that was ignored on purpose.
type Warning struct {
	// Path is the field, e.g. "spec.containers[0].resources.requests".
	Path string
	// Message says what happened to it, e.g. "not supported, ignored".
	Message string
}

// String reads "path: message".
func (w Warning) String() string { return fmt.Sprintf("%s: %s", w.Path, w.Message) }

// Result is what Render makes of one pod.
type Result struct {
	// Units holds the pod's .pod unit first, then one .container unit per container (init
	// containers first, in order), then one .volume unit per emptyDir volume.
	Units []Unit
	// Warnings lists the fields that were ignored, in the order of the spec.
	Warnings []Warning
}
