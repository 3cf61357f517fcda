package manifest

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// OwnerDaemonSet is the OwnerKind of a DaemonSet's pods.
const OwnerDaemonSet = "DaemonSet"

func decodeDaemonSet(data []byte, o *Object) error {
	o.DaemonSet = &appsv1.DaemonSet{}
	return decodeStrict(data, o.DaemonSet)
}

// DaemonSetHash is the hash of a DaemonSet's current template together with the versions
// of the ConfigMaps and Secrets its pods take when they are created, found in have (nil:
// none), as DeploymentHash is for a Deployment: a change of either rolls the DaemonSet
// out under its update strategy.
func DaemonSetHash(ds *appsv1.DaemonSet, have ConfigLookup) string {
	return PodTemplateHash(&ds.Spec.Template, ConfigVersions(ds.Namespace, &ds.Spec.Template.Spec, have))
}

// DaemonSetPodName names the pod of a DaemonSet's template on a node:
// <daemonset>-<template hash>-<5 characters>, the suffix hashed from the node's name so
// that every node, and every leader, derives the same name for the same node, and a new
// template's pod never takes the name of the old one it replaces.
func DaemonSetPodName(owner, templateHash, node string) string {
	return DaemonSetPodNameSalted(owner, templateHash, node, 0)
}

// DaemonSetPodNameSalted is DaemonSetPodName hashed again with salt (0: not), for the
// pod of a node whose name another node's pod of the same template took: the suffix is
// one of 100,000, so at 50 nodes about one DaemonSet in eighty has two nodes that hash
// alike. The scheduler, which sees every node's pod, picks the salt.
func DaemonSetPodNameSalted(owner, templateHash, node string, salt int) string {
	identity := fmt.Sprintf("%s/%s/node=%s", owner, templateHash, node)
	if salt > 0 {
		identity += fmt.Sprintf("/salt=%d", salt)
	}
	return owner + "-" + templateHash + "-" + suffixOf(identity)
}

// DaemonSetPod returns the pod of a DaemonSet's current template for a node, with the
// ConfigMaps and Secrets of have (nil: none). Its spec.nodeName is the node, as the
// DaemonSet controller pins its pods with a node affinity: the pod runs there or
// nowhere.
func DaemonSetPod(ds *appsv1.DaemonSet, node string, have ConfigLookup) Pod {
	versions := ConfigVersions(ds.Namespace, &ds.Spec.Template.Spec, have)
	hash := PodTemplateHash(&ds.Spec.Template, versions)
	labels := make(map[string]string, len(ds.Spec.Template.Labels)+1)
	for k, v := range ds.Spec.Template.Labels {
		labels[k] = v
	}
	// Kubernetes labels a DaemonSet's pods with controller-revision-hash; the pods of
	// every workload here carry pod-template-hash, which the tools read.
	labels[TemplateHashLabel] = hash
	spec := *ds.Spec.Template.Spec.DeepCopy()
	spec.NodeName = node
	return Pod{
		Namespace:      ds.Namespace,
		Name:           DaemonSetPodName(ds.Name, hash, node),
		Labels:         labels,
		Annotations:    ds.Spec.Template.Annotations,
		Owner:          ds.Name,
		OwnerKind:      OwnerDaemonSet,
		TemplateHash:   hash,
		Spec:           spec,
		ConfigVersions: versions,
	}
}

// DaemonSetRollingUpdate is a DaemonSet's rolling update as Kubernetes defaults it:
// OnDelete false and maxUnavailable 1, maxSurge 0 when unset.
type DaemonSetRollingUpdate struct {
	OnDelete       bool
	MaxUnavailable intstr.IntOrString
	MaxSurge       intstr.IntOrString
}

// DaemonSetStrategy reads a DaemonSet's update strategy with Kubernetes' defaults.
func DaemonSetStrategy(ds *appsv1.DaemonSet) DaemonSetRollingUpdate {
	s := DaemonSetRollingUpdate{MaxUnavailable: intstr.FromInt32(1), MaxSurge: intstr.FromInt32(0)}
	if ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		s.OnDelete = true
		return s
	}
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil {
		if ru.MaxUnavailable != nil {
			s.MaxUnavailable = *ru.MaxUnavailable
		}
		if ru.MaxSurge != nil {
			s.MaxSurge = *ru.MaxSurge
		}
	}
	return s
}

// DaemonSetWants tells whether a DaemonSet's pod belongs on a node with these name and
// labels: its template's nodeSelector matches them, and its template's nodeName, when set,
// is the node.
func DaemonSetWants(ds *appsv1.DaemonSet, node string, labels map[string]string) bool {
	spec := &ds.Spec.Template.Spec
	if spec.NodeName != "" && spec.NodeName != node {
		return false
	}
	for k, v := range spec.NodeSelector {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}
