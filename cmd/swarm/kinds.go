package main

import (
	"strings"
)

// kindInfo is one kind of object the CLI lists, gets and deletes.
type kindInfo struct {
	resource  string   // the API's list path, kubectl's plural: "pods"
	kind      string   // "Pod"
	group     string   // the API group, "" for the core group
	names     []string // what else a user may type: the singular and kubectl's short names
	deletable bool     // swarm delete KIND NAME deletes it
}

// kindTable is every kind the CLI knows, in the order `get all` lists them first; the
// maps below are made of it.
var kindTable = []kindInfo{
	{"pods", "Pod", "", []string{"pod", "po"}, true},
	{"services", "Service", "", []string{"service", "svc"}, true},
	{"daemonsets", "DaemonSet", "apps", []string{"daemonset", "ds"}, true},
	{"deployments", "Deployment", "apps", []string{"deployment", "deploy"}, true},
	{"statefulsets", "StatefulSet", "apps", []string{"statefulset", "sts"}, true},
	{"jobs", "Job", "batch", []string{"job"}, true},
	{"cronjobs", "CronJob", "batch", []string{"cronjob", "cj"}, true},
	{"ingresses", "Ingress", "networking.k8s.io", []string{"ingress", "ing"}, true},
	{"configmaps", "ConfigMap", "", []string{"configmap", "cm"}, true},
	{"secrets", "Secret", "", []string{"secret"}, true},
	{"persistentvolumeclaims", "PersistentVolumeClaim", "", []string{"persistentvolumeclaim", "pvc"}, true},
	{"namespaces", "Namespace", "", []string{"namespace", "ns"}, true},
	{"nodes", "Node", "", []string{"node", "no"}, false},
	{"events", "Event", "", []string{"event", "ev"}, false},
}

// allResources are what `get all` lists, as kubectl's "all" category: the workloads and
// the Services.
var allResources = []string{"pods", "services", "daemonsets", "deployments", "statefulsets", "jobs", "cronjobs"}

// resources maps what a user may type to the API's list path.
var resources = map[string]string{}

// kinds maps the list path of each kind that swarm delete deletes to the kind the API knows.
var kinds = map[string]string{}

// kindByResource is the kindTable's entry of each list path.
var kindByResource = map[string]kindInfo{}

func init() {
	for _, k := range kindTable {
		resources[k.resource] = k.resource
		for _, n := range k.names {
			resources[n] = k.resource
		}
		if k.deletable {
			kinds[k.resource] = k.kind
		}
		kindByResource[k.resource] = k
	}
}

// qualifiedName is kubectl's name of an object of resource in -o name and in the tables of
// several kinds: pod/web, deployment.apps/web.
func qualifiedName(resource, name string) string {
	k := kindByResource[resource]
	prefix := strings.ToLower(k.kind)
	if k.group != "" {
		prefix += "." + k.group
	}
	return prefix + "/" + name
}

// resourceNames lists what `swarm get` takes, for its messages.
func resourceNames() string {
	var out []string
	for _, k := range kindTable {
		short := k.resource
		if k.resource == "persistentvolumeclaims" {
			short = "pvc"
		}
		out = append(out, short)
	}
	return strings.Join(out[:len(out)-1], ", ") + " or " + out[len(out)-1]
}
