package agent

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// assignment is the value under assignment/<ns>/<pod>: the pod to run and the node that runs it.
type assignment struct {
	Pod  manifest.Pod `json:"pod"`
	Node string       `json:"node"`
}

// pending is the value under pending/<ns>/<pod>: a pod that fits no node, and why.
type pending struct {
	Pod    manifest.Pod `json:"pod"`
	Reason string       `json:"reason"`
}

// PodStatus is the value under status/<ns>/<pod>: what the node running a pod observes.
type PodStatus struct {
	Node         string                      `json:"node"`
	Phase        corev1.PodPhase             `json:"phase"`
	Ready        bool                        `json:"ready"`
	RestartCount int32                       `json:"restartCount,omitempty"`
	HostIP       string                      `json:"hostIP,omitempty"`
	Message      string                      `json:"message,omitempty"`
	Ports        []manifest.PublishedPort    `json:"ports,omitempty"`
	Containers   []reconcile.ContainerStatus `json:"containers,omitempty"`
	Updated      time.Time                   `json:"updated"`
	// PortsOpen is the node's last TCP check of the published ports (portcheck.go); nil
	// until the first one.
	PortsOpen *bool `json:"portsOpen,omitempty"`
}

// corePhase maps the reconciler's phase onto Kubernetes' (they are spelled the same).
func corePhase(p reconcile.Phase) corev1.PodPhase {
	if p == "" {
		return corev1.PodPending
	}
	return corev1.PodPhase(p)
}

// storeReader is the part of the cluster store that reading the state needs.
type storeReader interface {
	List(prefix string) []cluster.Entry
}

// state is a typed snapshot of the store. Maps are keyed by "namespace/name".
type state struct {
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	ingresses   map[string]*networkingv1.Ingress
	pods        map[string]*corev1.Pod
	assignments map[string]assignment
	pending     map[string]pending
	status      map[string]PodStatus
}

// readState decodes the store. A value that does not decode (written by a newer version,
// say) is logged and left out rather than stopping the node.
func readState(s storeReader, log *slog.Logger) *state {
	st := &state{
		deployments: map[string]*appsv1.Deployment{},
		services:    map[string]*corev1.Service{},
		ingresses:   map[string]*networkingv1.Ingress{},
		pods:        map[string]*corev1.Pod{},
		assignments: map[string]assignment{},
		pending:     map[string]pending{},
		status:      map[string]PodStatus{},
	}
	decodeAll(s, prefixDeployment, st.deployments, func() *appsv1.Deployment { return &appsv1.Deployment{} }, log)
	decodeAll(s, prefixService, st.services, func() *corev1.Service { return &corev1.Service{} }, log)
	decodeAll(s, prefixIngress, st.ingresses, func() *networkingv1.Ingress { return &networkingv1.Ingress{} }, log)
	decodeAll(s, prefixPod, st.pods, func() *corev1.Pod { return &corev1.Pod{} }, log)
	decodeValues(s, prefixAssignment, st.assignments, log)
	decodeValues(s, prefixPending, st.pending, log)
	decodeValues(s, prefixStatus, st.status, log)
	return st
}

func decodeAll[T any](s storeReader, prefix string, into map[string]*T, alloc func() *T, log *slog.Logger) {
	for _, e := range s.List(prefix) {
		v := alloc()
		if err := json.Unmarshal(e.Value, v); err != nil {
			log.Warn("skipping undecodable store value", "key", e.Key, "err", err)
			continue
		}
		into[e.Key[len(prefix):]] = v
	}
}

func decodeValues[T any](s storeReader, prefix string, into map[string]T, log *slog.Logger) {
	for _, e := range s.List(prefix) {
		var v T
		if err := json.Unmarshal(e.Value, &v); err != nil {
			log.Warn("skipping undecodable store value", "key", e.Key, "err", err)
			continue
		}
		into[e.Key[len(prefix):]] = v
	}
}

// mustJSON encodes a value the agent built itself; failing is a programming error.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return b
}
