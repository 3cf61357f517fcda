package store

import (
	"encoding/json"
	"fmt"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/cluster"
)

// Lister is the part of the cluster store that reading the state needs.
type Lister interface {
	List(prefix string) []cluster.Entry
}

// State is a typed snapshot of the store. Maps are keyed by "namespace/name".
type State struct {
	Deployments map[string]*appsv1.Deployment
	Services    map[string]*corev1.Service
	Ingresses   map[string]*networkingv1.Ingress
	Pods        map[string]*corev1.Pod
	ConfigMaps  map[string]*corev1.ConfigMap
	Secrets     map[string]*corev1.Secret
	Assignments map[string]Assignment
	Pending     map[string]Pending
	Status      map[string]PodStatus
	// Nodes are the leader's liveness verdicts, by member name.
	Nodes map[string]NodeLiveness
	// Allocations are the Services' allocations, by the Service's key.
	Allocations map[string]ServiceAllocation
	// Network is the cluster's ranges; nil before the founding node recorded them.
	Network *NetworkSettings
	// Rollouts are the Deployments' revisions and rollout progress, by the Deployment's
	// key.
	Rollouts map[string]Rollout
	// Claims are the PersistentVolumeClaims, and ClaimBindings the nodes their volumes
	// are on, both by the claim's key.
	Claims        map[string]*corev1.PersistentVolumeClaim
	ClaimBindings map[string]ClaimBinding
	// DaemonSets are the DaemonSets, and DaemonSetStatus their status as the leader
	// counted it, both by the DaemonSet's key.
	DaemonSets      map[string]*appsv1.DaemonSet
	DaemonSetStatus map[string]appsv1.DaemonSetStatus
	// Namespaces are the Namespaces, by name.
	Namespaces map[string]*corev1.Namespace
	// StatefulSets are the StatefulSets, by key, and PodDeletions the requests to delete
	// their pods, by the pod's key.
	StatefulSets map[string]*appsv1.StatefulSet
	PodDeletions map[string]PodDeletion
	// Jobs and CronJobs, and the leader's records of them, by the object's key.
	Jobs        map[string]*batchv1.Job
	CronJobs    map[string]*batchv1.CronJob
	JobRecords  map[string]JobRecord
	CronRecords map[string]CronRecord
}

// Read decodes the store. A value that does not decode (written by a newer version, say)
// is logged and left out rather than stopping the node.
func Read(s Lister, log *slog.Logger) *State {
	st := &State{
		Deployments: map[string]*appsv1.Deployment{},
		Services:    map[string]*corev1.Service{},
		Ingresses:   map[string]*networkingv1.Ingress{},
		Pods:        map[string]*corev1.Pod{},
		ConfigMaps:  map[string]*corev1.ConfigMap{},
		Secrets:     map[string]*corev1.Secret{},
		Assignments: map[string]Assignment{},
		Pending:     map[string]Pending{},
		Status:      map[string]PodStatus{},
		Nodes:       map[string]NodeLiveness{},
		Allocations: map[string]ServiceAllocation{},
		Rollouts:    map[string]Rollout{},

		Claims:        map[string]*corev1.PersistentVolumeClaim{},
		ClaimBindings: map[string]ClaimBinding{},

		DaemonSets:      map[string]*appsv1.DaemonSet{},
		DaemonSetStatus: map[string]appsv1.DaemonSetStatus{},
		Namespaces:      map[string]*corev1.Namespace{},
		StatefulSets:    map[string]*appsv1.StatefulSet{},
		PodDeletions:    map[string]PodDeletion{},
		Jobs:            map[string]*batchv1.Job{},
		CronJobs:        map[string]*batchv1.CronJob{},
		JobRecords:      map[string]JobRecord{},
		CronRecords:     map[string]CronRecord{},
	}
	decodeAll(s, PrefixDeployment, st.Deployments, func() *appsv1.Deployment { return &appsv1.Deployment{} }, log)
	decodeAll(s, PrefixService, st.Services, func() *corev1.Service { return &corev1.Service{} }, log)
	decodeAll(s, PrefixIngress, st.Ingresses, func() *networkingv1.Ingress { return &networkingv1.Ingress{} }, log)
	decodeAll(s, PrefixPod, st.Pods, func() *corev1.Pod { return &corev1.Pod{} }, log)
	decodeAll(s, PrefixConfigMap, st.ConfigMaps, func() *corev1.ConfigMap { return &corev1.ConfigMap{} }, log)
	decodeAll(s, PrefixSecret, st.Secrets, func() *corev1.Secret { return &corev1.Secret{} }, log)
	decodeValues(s, PrefixAssignment, st.Assignments, log)
	decodeValues(s, PrefixPending, st.Pending, log)
	decodeValues(s, PrefixStatus, st.Status, log)
	decodeValues(s, PrefixNode, st.Nodes, log)
	decodeValues(s, PrefixServiceAllocation, st.Allocations, log)
	decodeValues(s, PrefixRollout, st.Rollouts, log)
	decodeAll(s, PrefixClaim, st.Claims, func() *corev1.PersistentVolumeClaim { return &corev1.PersistentVolumeClaim{} }, log)
	decodeValues(s, PrefixClaimBinding, st.ClaimBindings, log)
	decodeAll(s, PrefixDaemonSet, st.DaemonSets, func() *appsv1.DaemonSet { return &appsv1.DaemonSet{} }, log)
	decodeValues(s, PrefixDaemonSetStatus, st.DaemonSetStatus, log)
	decodeAll(s, PrefixNamespace, st.Namespaces, func() *corev1.Namespace { return &corev1.Namespace{} }, log)
	decodeAll(s, PrefixStatefulSet, st.StatefulSets, func() *appsv1.StatefulSet { return &appsv1.StatefulSet{} }, log)
	decodeValues(s, PrefixPodDeletion, st.PodDeletions, log)
	decodeAll(s, PrefixJob, st.Jobs, func() *batchv1.Job { return &batchv1.Job{} }, log)
	decodeAll(s, PrefixCronJob, st.CronJobs, func() *batchv1.CronJob { return &batchv1.CronJob{} }, log)
	decodeValues(s, PrefixJobRecord, st.JobRecords, log)
	decodeValues(s, PrefixCronRecord, st.CronRecords, log)
	st.Network = readNetwork(s, log)
	return st
}

// decodeAll decodes the objects under prefix. Each shows its store version as its
// resourceVersion, in place of the Lineage the value keeps there.
func decodeAll[T any](s Lister, prefix string, into map[string]*T, alloc func() *T, log *slog.Logger) {
	for _, e := range s.List(prefix) {
		v := alloc()
		if err := json.Unmarshal(e.Value, v); err != nil {
			log.Warn("skipping undecodable store value", "key", e.Key, "err", err)
			continue
		}
		if o, ok := any(v).(metav1.Object); ok {
			o.SetResourceVersion(FormatVersion(e.Version))
		}
		into[e.Key[len(prefix):]] = v
	}
}

// decodeValues decodes every value under prefix into into, keyed by the rest of its key;
// a value that does not decode is logged and left out.
func decodeValues[T any](s Lister, prefix string, into map[string]T, log *slog.Logger) {
	for _, e := range s.List(prefix) {
		var v T
		if err := json.Unmarshal(e.Value, &v); err != nil {
			log.Warn("skipping undecodable store value", "key", e.Key, "err", err)
			continue
		}
		into[e.Key[len(prefix):]] = v
	}
}

// MustJSON encodes a value the agent built itself; failing is a programming error.
func MustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return b
}

// readNetwork decodes settings/network, nil when it is absent or does not decode.
func readNetwork(s Lister, log *slog.Logger) *NetworkSettings {
	for _, e := range s.List(KeyNetworkSettings) {
		if e.Key != KeyNetworkSettings {
			continue
		}
		n, err := DecodeNetwork(e.Value)
		if err != nil {
			log.Warn("skipping undecodable store value", "key", e.Key, "err", err)
		}
		return n
	}
	return nil
}
