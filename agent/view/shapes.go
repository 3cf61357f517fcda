package view

import (
	"iter"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Kind is a kind of object the view serves, named as the API's paths name it.
type Kind string

// The kinds of object.
const (
	Pods        Kind = "pods"
	Deployments Kind = "deployments"
	Services    Kind = "services"
	Ingresses   Kind = "ingresses"
	Nodes       Kind = "nodes"
	ConfigMaps  Kind = "configmaps"
	Secrets     Kind = "secrets"
	Claims      Kind = "persistentvolumeclaims"
	DaemonSets  Kind = "daemonsets"
	Namespaces  Kind = "namespaces"
	// StatefulSets are the StatefulSets with a status counted from their pods.
	StatefulSets Kind = "statefulsets"
	Jobs         Kind = "jobs"
	CronJobs     Kind = "cronjobs"
	// ReplicaSets are made of the Deployments' revisions, one per revision kept; no
	// record is theirs alone.
	ReplicaSets Kind = "replicasets"
)

var kinds = []Kind{Pods, Deployments, Services, Ingresses, Nodes, ConfigMaps, Secrets, Claims, DaemonSets, Namespaces, StatefulSets, Jobs, CronJobs, ReplicaSets}

// Shapes make the API's objects of the records. They are the functions that shape the
// API's lists, given to the view so that an object looks the same listed, got or watched;
// the view hands each only the records the objects it asks for are made of, so that a
// change costs the objects it changes rather than all of them.
type Shapes struct {
	// Pod is the pod of key as the records show it: placed with its node's status,
	// pending with the reason it fits no node; nil when the records hold neither. It
	// reads only the records under key.
	Pod func(st *store.State, key string) *corev1.Pod
	// Deployment is the Deployment of key with a status counted from its pods, whose keys
	// pods yields.
	Deployment func(st *store.State, key string, pods iter.Seq[string]) *appsv1.Deployment
	// Nodes are the members as Kubernetes Nodes, with the leader's liveness verdicts and
	// what users set on them (cordon, labels, annotations).
	Nodes func(members []cluster.Member, leader string, liveness map[string]store.NodeLiveness, specs map[string]store.NodeSpec) []*corev1.Node
	// Services is a Service as the API shows it: with what the cluster allocated for it
	// merged in, and for a LoadBalancer the nodes that serve it; nil shows it as stored.
	Services func(svc *corev1.Service, alloc store.ServiceAllocation, members []cluster.Member) *corev1.Service
	// StatefulSet is the StatefulSet of key with a status counted from its pods, whose
	// keys pods yields; nil shows it as stored.
	StatefulSet func(st *store.State, key string, pods iter.Seq[string]) *appsv1.StatefulSet
	// ReplicaSets are the ReplicaSets of the Deployment of key, made of what makes the
	// Deployment (its record, its rollout record, its pods, whose keys pods yields); nil
	// shows none.
	ReplicaSets func(st *store.State, key string, pods iter.Seq[string]) []*appsv1.ReplicaSet
	// Defaults is an object with the defaults the API server would have set on it before
	// storing it, shown to every reader; nil shows objects without. It may set them on the
	// object it is given, which the view has just shaped, but never on the records it was
	// shaped of (a pod's spec is its template's, shared): the records stay as applied.
	Defaults func(Value) Value
}

// reshape makes again the objects marked in d, in key order, and records each change.
func (v *View) reshape(d dirty) {
	v.reshapePods(d)
	for _, key := range slices.Sorted(maps.Keys(d[Deployments])) {
		v.reshapeDeployment(key)
	}
	for _, key := range slices.Sorted(maps.Keys(d[Services])) {
		v.reshapeService(key)
	}
	for _, key := range slices.Sorted(maps.Keys(d[Ingresses])) {
		if i, ok := v.rec.st.Ingresses[key]; ok {
			v.put(Ingresses, key, i.DeepCopy(), "")
		} else {
			v.remove(Ingresses, key)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(d[Claims])) {
		v.reshapeClaim(key)
	}
	for _, key := range slices.Sorted(maps.Keys(d[DaemonSets])) {
		v.reshapeDaemonSet(key)
	}
	for _, key := range slices.Sorted(maps.Keys(d[Namespaces])) {
		v.reshapeNamespace(key)
	}
	for _, key := range slices.Sorted(maps.Keys(d[StatefulSets])) {
		v.reshapeStatefulSet(key)
	}
	v.reshapeJobs(d)
	reshapeStored(v, d, ConfigMaps, v.rec.st.ConfigMaps)
	reshapeStored(v, d, Secrets, v.rec.st.Secrets)
	if len(d[Nodes]) > 0 {
		v.syncNodes() // a liveness verdict or a node's spec changed
	}
}

// reshapePods makes again the pods marked in d, and unmarks them.
func (v *View) reshapePods(d dirty) {
	for _, key := range slices.Sorted(maps.Keys(d[Pods])) {
		v.reshapePod(key)
	}
	delete(d, Pods)
}

// reshapeService makes the Service of key from its record and its allocation.
func (v *View) reshapeService(key string) {
	s, ok := v.rec.st.Services[key]
	switch {
	case !ok:
		v.remove(Services, key)
	case v.shapes.Services == nil:
		v.put(Services, key, s.DeepCopy(), "")
	default:
		v.put(Services, key, v.shapes.Services(s, v.rec.st.Allocations[key], v.src.Members()), "")
	}
}

// reshapePod makes the pod of key from the records under that key.
func (v *View) reshapePod(key string) {
	if p := v.shapes.Pod(&v.rec.st, key); p != nil {
		v.put(Pods, key, p, p.Spec.NodeName)
		return
	}
	v.remove(Pods, key)
}

// reshapeDeployment makes the Deployment of key from its record and its pods', and its
// ReplicaSets, which are made of the same records.
func (v *View) reshapeDeployment(key string) {
	defer v.reshapeReplicaSets(key)
	if _, ok := v.rec.st.Deployments[key]; !ok {
		v.remove(Deployments, key)
		return
	}
	v.put(Deployments, key, v.shapes.Deployment(&v.rec.st, key, maps.Keys(v.rec.owned[key])), "")
}

// syncNodes makes the nodes again from the membership. The nodes are few, so the view
// brings them up to date before it answers about them: a list of nodes never lags what
// the node knows of the membership.
func (v *View) syncNodes() {
	seen := map[string]bool{}
	for _, n := range v.shapes.Nodes(v.src.Members(), v.src.Leader(), v.rec.st.Nodes, v.rec.st.NodeSpecs) {
		seen[n.Name] = true
		v.put(Nodes, n.Name, n, "")
	}
	for _, key := range slices.Sorted(maps.Keys(v.tables[Nodes].objects)) {
		if !seen[key] {
			v.remove(Nodes, key)
		}
	}
	// A LoadBalancer lists the nodes that serve it, so it follows the membership too.
	for _, key := range slices.Sorted(maps.Keys(v.rec.st.Services)) {
		if v.rec.st.Services[key].Spec.Type == corev1.ServiceTypeLoadBalancer {
			v.reshapeService(key)
		}
	}
}
