package apiserver

import (
	"iter"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Shapes are the API's views of the store (views.go) as the view makes its objects with
// them, so that an object looks the same listed, got or watched.
func Shapes() view.Shapes {
	return view.Shapes{
		Pod: podView,
		Deployment: func(st *store.State, key string, pods iter.Seq[string]) *appsv1.Deployment {
			return deploymentView(st, key, pods, "")
		},
		Nodes: func(members []cluster.Member, leader string, liveness map[string]store.NodeLiveness, specs map[string]store.NodeSpec) []*corev1.Node {
			nodes := typed[*corev1.Node](nodeViews(members, leader, liveness))
			for _, n := range nodes {
				applyNodeSpec(n, specs[n.Name])
			}
			return nodes
		},
		Services:    serviceView,
		StatefulSet: statefulSetView,
		ReplicaSets: replicaSetViews,
		// One Defaulter per view: the pods of a template share their defaulted spec.
		Defaults: (&kubeapi.Defaulter{}).Defaulted,
	}
}

func typed[T any](items []any) []T {
	out := make([]T, len(items))
	for i, it := range items {
		out[i] = it.(T)
	}
	return out
}
