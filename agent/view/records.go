package view

import (
	"encoding/json"
	"log/slog"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// recordPrefixes are the keys the view reads; the others (tokens) are none of its business.
var recordPrefixes = []string{
	store.PrefixDeployment, store.PrefixService, store.PrefixIngress, store.PrefixPod,
	store.PrefixConfigMap, store.PrefixSecret,
	store.PrefixAssignment, store.PrefixPending, store.PrefixStatus, store.KeyDNSWhitelist,
	store.PrefixNode, store.PrefixNodeSpec, store.PrefixServiceAllocation, store.KeyNetworkSettings, store.PrefixRollout,
	store.PrefixClaim, store.PrefixClaimBinding, store.PrefixNamespace,
	store.PrefixDaemonSet, store.PrefixDaemonSetStatus, store.PrefixStatefulSet,
	store.PrefixJob, store.PrefixCronJob, store.PrefixJobRecord, store.PrefixCronRecord,
}

func isRecord(key string) bool {
	for _, p := range recordPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// stamp tells one stored version of a key from another, so that a key read again without
// having changed (the store reports a key the API wrote and the view applied already)
// costs no decoding.
type stamp struct {
	version  cluster.Version
	modified int64
}

// records are the store's values decoded, as store.Read decodes them, with the index of
// the pods each Deployment owns.
type records struct {
	st      store.State
	applied map[string]stamp
	owned   map[string]map[string]struct{} // "namespace/deployment" -> keys of its pods
	// ownedBySet is the same index for the StatefulSets.
	ownedBySet map[string]map[string]struct{}
	// specs shares one decoded spec among the pods of a template: what the view holds is
	// read only, and decoding specs is most of what thousands of new pods cost it.
	specs store.SharedSpecs
}

func newRecords() records {
	return records{
		st: store.State{
			Deployments: map[string]*appsv1.Deployment{},
			Services:    map[string]*corev1.Service{},
			Ingresses:   map[string]*networkingv1.Ingress{},
			Pods:        map[string]*corev1.Pod{},
			ConfigMaps:  map[string]*corev1.ConfigMap{},
			Secrets:     map[string]*corev1.Secret{},
			Assignments: map[string]store.Assignment{},
			Pending:     map[string]store.Pending{},
			Status:      map[string]store.PodStatus{},
			Nodes:       map[string]store.NodeLiveness{},
			NodeSpecs:   map[string]store.NodeSpec{},
			Allocations: map[string]store.ServiceAllocation{},
			Rollouts:    map[string]store.Rollout{},

			Claims:        map[string]*corev1.PersistentVolumeClaim{},
			ClaimBindings: map[string]store.ClaimBinding{},

			DaemonSets:      map[string]*appsv1.DaemonSet{},
			DaemonSetStatus: map[string]appsv1.DaemonSetStatus{},
			Namespaces:      map[string]*corev1.Namespace{},
			StatefulSets:    map[string]*appsv1.StatefulSet{},
			Jobs:            map[string]*batchv1.Job{},
			CronJobs:        map[string]*batchv1.CronJob{},
			JobRecords:      map[string]store.JobRecord{},
			CronRecords:     map[string]store.CronRecord{},
		},
		applied: map[string]stamp{},
		owned:   map[string]map[string]struct{}{},

		ownedBySet: map[string]map[string]struct{}{},
	}
}

// apply takes e (ok: the key holds a value; else it is gone) as the record of key, and
// marks the objects made of it in d. It reports whether the record changed. A value that
// does not decode is logged and left out, as store.Read does.
func (r *records) apply(key string, e cluster.Entry, ok bool, d dirty, log *slog.Logger) bool {
	s := stamp{version: e.Version, modified: e.Modified.UnixNano()}
	old, had := r.applied[key]
	if ok == had && (!ok || old == s) {
		return false
	}
	if ok {
		r.applied[key] = s
	} else {
		delete(r.applied, key)
	}
	value := e.Value
	if !ok {
		value = nil
	}
	bad := func(err error) { log.Warn("skipping undecodable store value", "key", key, "err", err) }
	switch name, prefix := splitKey(key); prefix {
	case store.PrefixDeployment:
		before := r.deploymentUID(name)
		setObject(r.st.Deployments, name, value, bad)
		d.mark(Deployments, name)
		if uid := r.deploymentUID(name); uid != "" && uid != before {
			r.markPodsOf(d, name)
		}
	case store.PrefixService:
		setObject(r.st.Services, name, value, bad)
		d.mark(Services, name)
	case store.PrefixIngress:
		setObject(r.st.Ingresses, name, value, bad)
		d.mark(Ingresses, name)
	case store.PrefixPod:
		setObject(r.st.Pods, name, value, bad)
		d.mark(Pods, name)
	case store.PrefixConfigMap:
		setObject(r.st.ConfigMaps, name, value, bad)
		stampVersion(r.st.ConfigMaps[name], e)
		d.mark(ConfigMaps, name)
		r.markDeploymentsOf(d, name)
		r.markSetsOf(d, name)
	case store.PrefixSecret:
		setObject(r.st.Secrets, name, value, bad)
		stampVersion(r.st.Secrets[name], e)
		d.mark(Secrets, name)
		r.markDeploymentsOf(d, name)
		r.markSetsOf(d, name)
	case store.PrefixAssignment:
		if a, ok := r.st.Assignments[name]; ok {
			r.disown(a, name)
			d.mark(Deployments, ownerKey(a))
			r.markSetOf(d, a, name, false)
		}
		r.setAssignment(name, value, bad)
		if a, ok := r.st.Assignments[name]; ok {
			r.own(a, name)
			d.mark(Deployments, ownerKey(a))
			r.markSetOf(d, a, name, true)
		}
		d.mark(Pods, name)
		r.markJobOf(d, name)
	case store.PrefixPending:
		setValue(r.st.Pending, name, value, bad)
		d.mark(Pods, name)
	case store.PrefixNode:
		setValue(r.st.Nodes, name, value, bad)
		d.mark(Nodes, name)
	case store.PrefixNodeSpec:
		setValue(r.st.NodeSpecs, name, value, bad)
		d.mark(Nodes, name)
	case store.PrefixServiceAllocation:
		setValue(r.st.Allocations, name, value, bad)
		d.mark(Services, name)
	case store.PrefixRollout:
		setValue(r.st.Rollouts, name, value, bad)
		d.mark(Deployments, name)
	case store.PrefixClaim:
		setObject(r.st.Claims, name, value, bad)
		d.mark(Claims, name)
	case store.PrefixClaimBinding:
		setValue(r.st.ClaimBindings, name, value, bad)
		d.mark(Claims, name)
	case store.PrefixDaemonSet:
		setObject(r.st.DaemonSets, name, value, bad)
		d.mark(DaemonSets, name)
	case store.PrefixDaemonSetStatus:
		setValue(r.st.DaemonSetStatus, name, value, bad)
		d.mark(DaemonSets, name)
	case store.PrefixNamespace:
		setObject(r.st.Namespaces, name, value, bad)
		d.mark(Namespaces, name)
	case store.PrefixStatefulSet:
		setObject(r.st.StatefulSets, name, value, bad)
		d.mark(StatefulSets, name)
	case store.PrefixJob, store.PrefixCronJob, store.PrefixJobRecord, store.PrefixCronRecord:
		r.applyJobRecord(prefix, name, value, d, bad)
	case store.KeyNetworkSettings:
		r.st.Network = nil
		if value != nil {
			n, err := store.DecodeNetwork(value)
			if err != nil {
				bad(err)
			}
			r.st.Network = n
		}
	case store.PrefixStatus:
		setValue(r.st.Status, name, value, bad)
		d.mark(Pods, name)
		r.markJobOf(d, name)
		if a, ok := r.st.Assignments[name]; ok {
			d.mark(Deployments, ownerKey(a))
			r.markSetOf(d, a, name, true)
		}
	}
	return true
}

// splitKey tells a record's key prefix from the rest of it; the whitelist's key is all
// prefix.
func splitKey(key string) (name, prefix string) {
	for _, p := range recordPrefixes {
		if strings.HasPrefix(key, p) {
			return key[len(p):], p
		}
	}
	return key, ""
}

// ownerKey is the key of the Deployment that owns a pod, "" for a bare pod or the pod of
// another kind of workload.
func ownerKey(a store.Assignment) string {
	owner := a.Pod.DeploymentOwner()
	if owner == "" {
		return ""
	}
	return a.Pod.Namespace + "/" + owner
}

func (r *records) own(a store.Assignment, pod string) {
	owner := ownerKey(a)
	if owner == "" {
		return
	}
	if r.owned[owner] == nil {
		r.owned[owner] = map[string]struct{}{}
	}
	r.owned[owner][pod] = struct{}{}
}

func (r *records) disown(a store.Assignment, pod string) {
	owner := ownerKey(a)
	delete(r.owned[owner], pod)
	if len(r.owned[owner]) == 0 {
		delete(r.owned, owner)
	}
}

// setAssignment decodes value into the assignment of name, or removes it (value nil, or
// not decodable).
func (r *records) setAssignment(name string, value []byte, bad func(error)) {
	if value == nil {
		delete(r.st.Assignments, name)
		return
	}
	a, err := r.specs.Decode(value)
	if err != nil {
		bad(err)
		delete(r.st.Assignments, name)
		return
	}
	r.st.Assignments[name] = a
}

// setObject decodes value into m[name], or removes it (value nil, or not decodable).
func setObject[T any](m map[string]*T, name string, value []byte, bad func(error)) {
	if value == nil {
		delete(m, name)
		return
	}
	v := new(T)
	if err := json.Unmarshal(value, v); err != nil {
		bad(err)
		delete(m, name)
		return
	}
	m[name] = v
}

// markDeploymentsOf marks the Deployments of the namespace of a ConfigMap or Secret: the
// versions of those their pods take as env are part of their current hash, which decides
// which of their pods count as updated.
func (r *records) markDeploymentsOf(d dirty, objectKey string) {
	ns, _, _ := strings.Cut(objectKey, "/")
	for key := range r.st.Deployments {
		if strings.HasPrefix(key, ns+"/") {
			d.mark(Deployments, key)
		}
	}
}

// stampVersion gives a ConfigMap or Secret record its store version as its
// resourceVersion, as store.Read does: the Deployments' hashes include it
// (manifest.DeploymentHash), and the API must count their pods as the leader names them.
// A nil object (deleted, or not decoded) is left alone.
func stampVersion[T any, P interface {
	*T
	SetResourceVersion(string)
}](o P, e cluster.Entry) {
	if o != nil {
		o.SetResourceVersion(store.FormatVersion(e.Version))
	}
}

// setValue is setObject for records kept by value.
func setValue[T any](m map[string]T, name string, value []byte, bad func(error)) {
	if value == nil {
		delete(m, name)
		return
	}
	var v T
	if err := json.Unmarshal(value, &v); err != nil {
		bad(err)
		delete(m, name)
		return
	}
	m[name] = v
}

// dirty are the objects, by kind and key, whose records changed.
type dirty map[Kind]map[string]struct{}

func (d dirty) mark(k Kind, key string) {
	if key == "" {
		return
	}
	if d[k] == nil {
		d[k] = map[string]struct{}{}
	}
	d[k][key] = struct{}{}
}
