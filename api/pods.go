package api

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// PodDescription is the answer of GET /api/v1/pods/:namespace/:name: the pod as the
// cluster sees it, and its units as the node that runs it sees them.
type PodDescription struct {
	Pod    *corev1.Pod          `json:"pod"`
	Node   string               `json:"node,omitempty"`
	Detail *reconcile.PodDetail `json:"detail,omitempty"`
}

// EndpointList is the answer of GET /api/v1/endpoints: every Service with its endpoints,
// what the cluster DNS and the ingress serve from.
type EndpointList struct {
	Items []discovery.Service `json:"items"`
}
