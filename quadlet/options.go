package quadlet

import (
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

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
	// Pod is the pod's own network: its address and the node ports it publishes on. Nil
	// for a pod placed before pods had addresses of their own, which publishes every
	// container port on its node as hostPort, else containerPort, on Network.
	Pod *PodNetwork
	// Config finds the ConfigMaps and Secrets the pod takes values and volumes from. Nil:
	// none is known, and a pod that needs one is refused with a *MissingError (which Check
	// lets pass: the object may be applied later).
	Config manifest.ConfigLookup
	// Pinned, when set, finds for a pod what its containers were first created with:
	// the ConfigMaps and Secrets that its env, envFrom and secret volumes take, which the
	// node keeps for the pod until it is replaced, so that a running pod's units do not
	// change when a value changes (the Deployment rolls out new pods instead). Nil, or nil
	// for a pod: Config. ConfigMap volumes always follow Config: they change live.
	Pinned func(namespace, pod string) manifest.ConfigLookup
	// ConfigDir is the node's folder for configMap volumes. Empty: DefaultConfigDir.
	ConfigDir string
}

// PodNetwork is one pod's own network: the address its pasta interface carries, and the
// node port each container port is published on.
type PodNetwork struct {
	// Address is the pod's IP with the pod network's prefix length, e.g. 10.42.0.7/16.
	Address netip.Prefix
	// Gateway is the pods' gateway inside that network (pasta's -g), e.g. 10.42.0.1.
	Gateway netip.Addr
	// NodePorts maps each container port without a hostPort to the node port it is
	// published on, which the node picked.
	NodePorts map[PortKey]int32
	// OnStart is a command the pod's service runs once the pod's network exists and before
	// its containers start (the node's rules for Service and pod addresses); nil: none.
	OnStart []string
}

// PortKey names a container port of a pod: its number and protocol (TCP, UDP or SCTP).
// Containers of a pod share one network, so the pair is unique within the pod.
type PortKey struct {
	Port     int32
	Protocol corev1.Protocol
}

// String reads "8080/TCP".
func (k PortKey) String() string { return fmt.Sprintf("%d/%s", k.Port, k.Protocol) }

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
	// containers first, in order), then one .volume unit per emptyDir volume, then one per
	// claim.
	Units []Unit
	// Warnings lists the fields that were ignored, in the order of the spec.
	Warnings []Warning
	// Secrets are the podman secrets the units name, which the node creates before it
	// starts the pod; each once, in the order the units first name them.
	Secrets []PodmanSecret
	// ConfigVolumes are the folders of the pod's configMap volumes, which the node writes
	// before it starts the pod and again whenever a ConfigMap changes.
	ConfigVolumes []ConfigVolume
}
