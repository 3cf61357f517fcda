package manifest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// Pod is one pod that the cluster runs: its identity, where it came from, and its spec.
// It is what the scheduler places and what the quadlet package renders.
type Pod struct {
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	// Owner is the name of the workload the pod belongs to; empty for a bare Pod.
	Owner string `json:"owner,omitempty"`
	// OwnerKind is the kind of that workload: empty for a Deployment (what every pod
	// with an owner was before other kinds had pods), OwnerDaemonSet for a DaemonSet,
	// KindStatefulSet for a StatefulSet.
	OwnerKind string `json:"ownerKind,omitempty"`
	// TemplateHash identifies the pod template the pod was made from (the
	// pod-template-hash label of Kubernetes); a changed template gets a new hash.
	TemplateHash string         `json:"templateHash,omitempty"`
	Spec         corev1.PodSpec `json:"spec"`
	// ConfigVersions are the versions of the ConfigMaps and Secrets that the pod's
	// containers are to start with (see ConfigVersions), which its template hash
	// includes: its node starts it only once it has them. Nil for a bare Pod.
	ConfigVersions map[string]string `json:"configVersions,omitempty"`
}

// DeploymentOwner is the name of the Deployment the pod belongs to; "" for a bare pod and
// for the pod of another kind of workload.
func (p Pod) DeploymentOwner() string {
	if p.OwnerKind != "" {
		return ""
	}
	return p.Owner
}

// Key is the pod's cluster-wide name: "namespace/name".
func (p Pod) Key() string { return p.Namespace + "/" + p.Name }

// TemplateHashLabel is the label, as in Kubernetes, that carries a pod's template hash.
const TemplateHashLabel = "pod-template-hash"

// TemplateHash returns a short, stable hash of a pod template, spelled with the
// vowel-free alphabet Kubernetes uses so that it never forms words. The same template
// always gives the same hash, on every node.
func TemplateHash(t *corev1.PodTemplateSpec) string {
	// encoding/json writes struct fields in a fixed order and map keys sorted,
	// so equal templates encode to equal bytes.
	b, err := json.Marshal(t)
	if err != nil {
		// A PodTemplateSpec decoded from YAML always re-encodes; failing here is a bug.
		panic(fmt.Sprintf("encode pod template: %v", err))
	}
	h := fnv.New32a()
	h.Write(b)
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// PodName names the ordinal-th pod of a Deployment's template, the way Kubernetes shapes
// it (<deployment>-<template hash>-<5 characters>), but deterministic: every node, and
// `swarm render`, derive the same name for the same replica.
func PodName(owner, templateHash string, ordinal int) string {
	return owner + "-" + templateHash + "-" + ordinalSuffix(owner+"/"+templateHash, ordinal)
}

// Replicas returns the Deployment's replica count, with Kubernetes' default of 1.
func Replicas(d *appsv1.Deployment) int {
	if d.Spec.Replicas == nil {
		return 1
	}
	return int(*d.Spec.Replicas)
}

// DeploymentPod returns the ordinal-th pod of a Deployment's current template, without
// the cluster's ConfigMaps and Secrets (see DeploymentPodWith).
func DeploymentPod(d *appsv1.Deployment, ordinal int) Pod {
	return deploymentPod(d, ordinal, TemplateHash(&d.Spec.Template))
}

func deploymentPod(d *appsv1.Deployment, ordinal int, hash string) Pod {
	labels := make(map[string]string, len(d.Spec.Template.Labels)+1)
	for k, v := range d.Spec.Template.Labels {
		labels[k] = v
	}
	labels[TemplateHashLabel] = hash
	return Pod{
		Namespace:    d.Namespace,
		Name:         PodName(d.Name, hash, ordinal),
		Labels:       labels,
		Annotations:  d.Spec.Template.Annotations,
		Owner:        d.Name,
		TemplateHash: hash,
		Spec:         *d.Spec.Template.Spec.DeepCopy(),
	}
}

// DeploymentPods expands a Deployment into its replicas, ordinals 0..replicas-1.
func DeploymentPods(d *appsv1.Deployment) []Pod {
	n := Replicas(d)
	pods := make([]Pod, 0, n)
	for i := 0; i < n; i++ {
		pods = append(pods, DeploymentPod(d, i))
	}
	return pods
}

// BarePod turns a Pod manifest into the cluster's pod.
func BarePod(p *corev1.Pod) Pod {
	return Pod{
		Namespace:   p.Namespace,
		Name:        p.Name,
		Labels:      p.Labels,
		Annotations: p.Annotations,
		Spec:        *p.Spec.DeepCopy(),
	}
}
