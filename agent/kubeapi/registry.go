// Package kubeapi is the Kubernetes-compatible API every node serves beside the project's
// own: discovery, the kinds the project supports under Kubernetes' paths, with Kubernetes'
// objects, lists, watches, Status errors and tables, so that kubectl and the tools built on
// its API work against any node.
package kubeapi

import (
	"github.com/podman-swarm/podman-swarm/agent/view"
)

// Resource is one kind the compatible API serves.
type Resource struct {
	Group        string // "" for the core group
	Version      string
	Name         string // the plural in paths: "pods"
	SingularName string
	Kind         string
	ShortNames   []string
	Namespaced   bool
	// Categories: "all" for what `kubectl get all` lists.
	Categories []string
	// View is the kind of the agent's view its reads come from; "" for events, which are
	// records of the store rather than objects of the view.
	View view.Kind
	// Verbs are what the API may do with the resource, as discovery names them. Discovery
	// lists those of them that a route serves (see ServedBy), so that it never
	// offers what is not there.
	Verbs []string
	// Subresources are the paths under one object: pods/log, deployments/scale, ...
	Subresources []Subresource
	// ReadOnly says why a kind served with reads only takes no writes (its objects are
	// made of others'); a write of it is refused with this said. "" for the others.
	ReadOnly string
}

// Subresource is a path under an object of a Resource.
type Subresource struct {
	Name string // "log", "exec", "scale", "status"
	// Group, Version and Kind are those of what it answers, as discovery shows them: the
	// resource's own kind for status, autoscaling/v1 Scale for scale; an empty Group and
	// Version are the resource's.
	Group, Version, Kind string
	Verbs                []string
}

// GroupVersion is the resource's "group/version", "v1" for the core group.
func (r Resource) GroupVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// GroupResource is the resource as Kubernetes names it in its errors: "pods",
// "deployments.apps".
func (r Resource) GroupResource() string {
	if r.Group == "" {
		return r.Name
	}
	return r.Name + "." + r.Group
}

// Subresource finds one of the resource's subresources by name.
func (r Resource) Subresource(name string) (Subresource, bool) {
	for _, s := range r.Subresources {
		if s.Name == name {
			return s, true
		}
	}
	return Subresource{}, false
}

// The verbs of the Kubernetes API.
const (
	VerbGet              = "get"
	VerbList             = "list"
	VerbWatch            = "watch"
	VerbCreate           = "create"
	VerbUpdate           = "update"
	VerbPatch            = "patch"
	VerbDelete           = "delete"
	VerbDeleteCollection = "deletecollection"
)

// objectVerbs are the verbs an object kind may be served with; the routes decide which are.
var objectVerbs = []string{VerbCreate, VerbDelete, VerbDeleteCollection, VerbGet, VerbList, VerbPatch, VerbUpdate, VerbWatch}

// readVerbs are the verbs of a kind that is only read.
var readVerbs = []string{VerbGet, VerbList, VerbWatch}

// The subresources the kinds may have.
var (
	status      = Subresource{Name: "status", Verbs: []string{VerbGet, VerbPatch, VerbUpdate}}
	scale       = Subresource{Name: "scale", Group: "autoscaling", Version: "v1", Kind: "Scale", Verbs: []string{VerbGet, VerbPatch, VerbUpdate}}
	podLog      = Subresource{Name: "log", Kind: "Pod", Verbs: []string{VerbGet}}
	exec        = Subresource{Name: "exec", Kind: "PodExecOptions", Verbs: []string{VerbCreate, VerbGet}}
	portForward = Subresource{Name: "portforward", Kind: "PodPortForwardOptions", Verbs: []string{VerbCreate, VerbGet}}
)

// Resources are the kinds the compatible API serves, in discovery's order.
var Resources = []Resource{
	{Group: "", Version: "v1", Name: "pods", SingularName: "pod", Kind: "Pod", ShortNames: []string{"po"}, Namespaced: true, Categories: []string{"all"}, View: view.Pods,
		Verbs: objectVerbs, Subresources: []Subresource{podLog, exec, portForward, status}},
	{Group: "", Version: "v1", Name: "services", SingularName: "service", Kind: "Service", ShortNames: []string{"svc"}, Namespaced: true, Categories: []string{"all"}, View: view.Services,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
	{Group: "", Version: "v1", Name: "configmaps", SingularName: "configmap", Kind: "ConfigMap", ShortNames: []string{"cm"}, Namespaced: true, View: view.ConfigMaps,
		Verbs: objectVerbs},
	{Group: "", Version: "v1", Name: "secrets", SingularName: "secret", Kind: "Secret", Namespaced: true, View: view.Secrets,
		Verbs: objectVerbs},
	{Group: "", Version: "v1", Name: "persistentvolumeclaims", SingularName: "persistentvolumeclaim", Kind: "PersistentVolumeClaim", ShortNames: []string{"pvc"}, Namespaced: true, View: view.Claims,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
	{Group: "", Version: "v1", Name: "namespaces", SingularName: "namespace", Kind: "Namespace", ShortNames: []string{"ns"}, View: view.Namespaces,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
	{Group: "", Version: "v1", Name: "nodes", SingularName: "node", Kind: "Node", ShortNames: []string{"no"}, View: view.Nodes,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
	{Group: "", Version: "v1", Name: "events", SingularName: "event", Kind: "Event", ShortNames: []string{"ev"}, Namespaced: true,
		Verbs: objectVerbs},
	{Group: "apps", Version: "v1", Name: "deployments", SingularName: "deployment", Kind: "Deployment", ShortNames: []string{"deploy"}, Namespaced: true, Categories: []string{"all"}, View: view.Deployments,
		Verbs: objectVerbs, Subresources: []Subresource{scale, status}},
	{Group: "apps", Version: "v1", Name: "replicasets", SingularName: "replicaset", Kind: "ReplicaSet", ShortNames: []string{"rs"}, Namespaced: true, Categories: []string{"all"}, View: view.ReplicaSets,
		Verbs: readVerbs, Subresources: []Subresource{status},
		ReadOnly: "the ReplicaSets are made of the revisions each Deployment keeps; change the Deployment instead (kubectl rollout undo puts a revision back)"},
	{Group: "apps", Version: "v1", Name: "statefulsets", SingularName: "statefulset", Kind: "StatefulSet", ShortNames: []string{"sts"}, Namespaced: true, Categories: []string{"all"}, View: view.StatefulSets,
		Verbs: objectVerbs, Subresources: []Subresource{scale, status}},
	{Group: "apps", Version: "v1", Name: "daemonsets", SingularName: "daemonset", Kind: "DaemonSet", ShortNames: []string{"ds"}, Namespaced: true, Categories: []string{"all"}, View: view.DaemonSets,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
	{Group: "batch", Version: "v1", Name: "jobs", SingularName: "job", Kind: "Job", Namespaced: true, Categories: []string{"all"}, View: view.Jobs,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
	{Group: "batch", Version: "v1", Name: "cronjobs", SingularName: "cronjob", Kind: "CronJob", ShortNames: []string{"cj"}, Namespaced: true, Categories: []string{"all"}, View: view.CronJobs,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
	{Group: "networking.k8s.io", Version: "v1", Name: "ingresses", SingularName: "ingress", Kind: "Ingress", ShortNames: []string{"ing"}, Namespaced: true, View: view.Ingresses,
		Verbs: objectVerbs, Subresources: []Subresource{status}},
}

// Lookup finds the resource served under group/version by its plural name.
func Lookup(group, version, name string) (Resource, bool) {
	for _, r := range Resources {
		if r.Group == group && r.Version == version && r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// ByName finds a resource by its plural name, in whichever group it is.
func ByName(name string) (Resource, bool) {
	for _, r := range Resources {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}

// The version of Kubernetes whose API this one answers as, which GET /version reports:
// kubectl of that minor version, and one minor either side, work without a warning.
const (
	KubernetesVersion = "v1.32.0"
	KubernetesMajor   = "1"
	KubernetesMinor   = "32"
)
