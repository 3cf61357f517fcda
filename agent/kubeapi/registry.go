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
}

// GroupVersion is the resource's "group/version", "v1" for the core group.
func (r Resource) GroupVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// Resources are the kinds the compatible API serves, in discovery's order.
var Resources = []Resource{
	{Group: "", Version: "v1", Name: "pods", SingularName: "pod", Kind: "Pod", ShortNames: []string{"po"}, Namespaced: true, Categories: []string{"all"}, View: view.Pods},
	{Group: "", Version: "v1", Name: "services", SingularName: "service", Kind: "Service", ShortNames: []string{"svc"}, Namespaced: true, Categories: []string{"all"}, View: view.Services},
	{Group: "", Version: "v1", Name: "configmaps", SingularName: "configmap", Kind: "ConfigMap", ShortNames: []string{"cm"}, Namespaced: true, View: view.ConfigMaps},
	{Group: "", Version: "v1", Name: "secrets", SingularName: "secret", Kind: "Secret", Namespaced: true, View: view.Secrets},
	{Group: "", Version: "v1", Name: "persistentvolumeclaims", SingularName: "persistentvolumeclaim", Kind: "PersistentVolumeClaim", ShortNames: []string{"pvc"}, Namespaced: true, View: view.Claims},
	{Group: "", Version: "v1", Name: "namespaces", SingularName: "namespace", Kind: "Namespace", ShortNames: []string{"ns"}, View: view.Namespaces},
	{Group: "", Version: "v1", Name: "nodes", SingularName: "node", Kind: "Node", ShortNames: []string{"no"}, View: view.Nodes},
	{Group: "", Version: "v1", Name: "events", SingularName: "event", Kind: "Event", ShortNames: []string{"ev"}, Namespaced: true},
	{Group: "apps", Version: "v1", Name: "deployments", SingularName: "deployment", Kind: "Deployment", ShortNames: []string{"deploy"}, Namespaced: true, Categories: []string{"all"}, View: view.Deployments},
	{Group: "apps", Version: "v1", Name: "statefulsets", SingularName: "statefulset", Kind: "StatefulSet", ShortNames: []string{"sts"}, Namespaced: true, Categories: []string{"all"}, View: view.StatefulSets},
	{Group: "apps", Version: "v1", Name: "daemonsets", SingularName: "daemonset", Kind: "DaemonSet", ShortNames: []string{"ds"}, Namespaced: true, Categories: []string{"all"}, View: view.DaemonSets},
	{Group: "batch", Version: "v1", Name: "jobs", SingularName: "job", Kind: "Job", Namespaced: true, Categories: []string{"all"}, View: view.Jobs},
	{Group: "batch", Version: "v1", Name: "cronjobs", SingularName: "cronjob", Kind: "CronJob", ShortNames: []string{"cj"}, Namespaced: true, Categories: []string{"all"}, View: view.CronJobs},
	{Group: "networking.k8s.io", Version: "v1", Name: "ingresses", SingularName: "ingress", Kind: "Ingress", ShortNames: []string{"ing"}, Namespaced: true, View: view.Ingresses},
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
