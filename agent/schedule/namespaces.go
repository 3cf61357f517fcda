package schedule

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// The leader's namespace controller. A namespace being deleted (the API marked its
// Namespace Terminating) is emptied in Kubernetes' order, one step per plan at most:
//
//  1. its workloads (Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, bare Pods) are deleted;
//  2. it waits until none of its pods is assigned or pending any more: the scheduler
//     removes the pods of the workloads gone, and each node stops its own as it does any
//     removed pod;
//  3. its Services, Ingresses, ConfigMaps and Secrets are deleted, and its claims marked
//     for deletion, which the claim machinery then deletes as unused, releasing their
//     volumes by their reclaim policy;
//  4. once nothing is left, the Namespace itself is deleted.
//
// It also records a Namespace for each namespace other than default that holds objects
// but has no record: the namespaces of a cluster made before Namespaces were kept, which
// the API let objects into all the same until then.

// workloadPrefixes are the kinds deleted first: those that make pods.
var workloadPrefixes = []string{store.PrefixDeployment, store.PrefixStatefulSet, store.PrefixDaemonSet, store.PrefixCronJob, store.PrefixJob, store.PrefixPod}

// contentPrefixes are the kinds deleted once the pods are gone (claims apart: marked).
var contentPrefixes = []string{store.PrefixService, store.PrefixIngress, store.PrefixConfigMap, store.PrefixSecret}

// namespaceChanges are the controller's writes for this plan. live reads an object's
// stored entry, whose lineage a claim marked for deletion carries on, as the API's delete
// does.
func namespaceChanges(st *store.State, now time.Time, live func(key string) (cluster.Entry, bool)) ([]change, error) {
	var changes []change
	inUse := st.NamespacesInUse()
	for _, ns := range sortedKeys(inUse) {
		if _, ok := st.Namespaces[ns]; !ok && ns != store.DefaultNamespace {
			changes = append(changes, change{key: store.NamespaceKey(ns), value: adoptedNamespace(ns, now)})
		}
	}
	for _, ns := range sortedKeys(st.Namespaces) {
		if !store.Terminating(st.Namespaces[ns]) || ns == store.DefaultNamespace {
			continue
		}
		step, err := emptyNamespace(st, ns, now, live)
		if err != nil {
			return nil, err
		}
		changes = append(changes, step...)
	}
	return changes, nil
}

// adoptedNamespace is the record of a namespace that held objects before it had one.
func adoptedNamespace(ns string, now time.Time) []byte {
	n := &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: ns, CreationTimestamp: metav1.NewTime(now.Truncate(time.Second))},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{manifest.NamespaceFinalizer}},
	}
	return store.MustJSON(n)
}

// emptyNamespace is the next step of the deletion of namespace ns (see the order above).
func emptyNamespace(st *store.State, ns string, now time.Time, live func(key string) (cluster.Entry, bool)) ([]change, error) {
	keys := namespaceKeys(st, ns)
	if deletes := deletesOf(keys, workloadPrefixes); len(deletes) > 0 {
		return deletes, nil
	}
	if len(keys[store.PrefixAssignment])+len(keys[store.PrefixPending]) > 0 {
		return nil, nil // its pods are on their way out
	}
	changes := deletesOf(keys, contentPrefixes)
	for _, key := range keys[store.PrefixClaim] {
		c := st.Claims[key]
		if c.DeletionTimestamp != nil {
			continue // the claim machinery deletes it, as no pod uses it
		}
		ch, err := claimMarked(c, now, live)
		if err != nil {
			return nil, err
		}
		if ch != nil {
			changes = append(changes, *ch)
		}
	}
	if len(changes) > 0 || len(keys[store.PrefixClaim]) > 0 {
		return changes, nil
	}
	return []change{{key: store.NamespaceKey(ns), delete: true}}, nil
}

// namespaceKeys are the keys ("namespace/name") of what namespace ns holds, by store
// prefix.
func namespaceKeys(st *store.State, ns string) map[string][]string {
	out := map[string][]string{}
	add := func(prefix string, keys []string) {
		for _, key := range keys {
			if strings.HasPrefix(key, ns+"/") {
				out[prefix] = append(out[prefix], key)
			}
		}
	}
	add(store.PrefixDeployment, sortedKeys(st.Deployments))
	add(store.PrefixStatefulSet, sortedKeys(st.StatefulSets))
	add(store.PrefixDaemonSet, sortedKeys(st.DaemonSets))
	add(store.PrefixCronJob, sortedKeys(st.CronJobs))
	add(store.PrefixJob, sortedKeys(st.Jobs))
	add(store.PrefixPod, sortedKeys(st.Pods))
	add(store.PrefixAssignment, sortedKeys(st.Assignments))
	add(store.PrefixPending, sortedKeys(st.Pending))
	add(store.PrefixService, sortedKeys(st.Services))
	add(store.PrefixIngress, sortedKeys(st.Ingresses))
	add(store.PrefixConfigMap, sortedKeys(st.ConfigMaps))
	add(store.PrefixSecret, sortedKeys(st.Secrets))
	add(store.PrefixClaim, sortedKeys(st.Claims))
	return out
}

// deletesOf deletes the objects of keys under prefixes.
func deletesOf(keys map[string][]string, prefixes []string) []change {
	var out []change
	for _, p := range prefixes {
		for _, key := range keys[p] {
			out = append(out, change{key: p + key, delete: true})
		}
	}
	return out
}

// claimMarked is the write that marks claim c for deletion at now, as the API's delete
// does: its deletionTimestamp, Kubernetes' pvc-protection finalizer, and the lineage of
// its stored entry. nil when the claim is gone from the store meanwhile.
func claimMarked(c *corev1.PersistentVolumeClaim, now time.Time, live func(key string) (cluster.Entry, bool)) (*change, error) {
	key := store.ObjectKey(store.PrefixClaim, c.Namespace, c.Name)
	e, ok := live(key)
	if !ok || e.Deleted {
		return nil, nil
	}
	var stored corev1.PersistentVolumeClaim
	if err := json.Unmarshal(e.Value, &stored); err != nil {
		return nil, fmt.Errorf("decode claim %s: %w", key, err)
	}
	at := metav1.NewTime(now.Truncate(time.Second))
	stored.DeletionTimestamp = &at
	if !slices.Contains(stored.Finalizers, claimProtectionFinalizer) {
		stored.Finalizers = append(stored.Finalizers, claimProtectionFinalizer)
	}
	value, err := store.WithResourceVersion(key, store.MustJSON(&stored), store.SeenIn(e).String())
	if err != nil {
		return nil, err
	}
	return &change{key: key, value: value}, nil
}

// claimProtectionFinalizer is the finalizer Kubernetes puts on a claim being deleted while
// pods use it.
const claimProtectionFinalizer = "kubernetes.io/pvc-protection"

// logNamespaceDeletes says what a plan's changes delete to empty a namespace being deleted,
// and which namespaces they delete. Their deletion records are written with those of every
// object a plan deletes (see objectsDeleted).
func (a *Loop) logNamespaceDeletes(changes []change) {
	for _, c := range changes {
		switch ns, ok := strings.CutPrefix(c.key, store.PrefixNamespace); {
		case !c.delete:
		case ok:
			a.log.Info("namespace deleted: nothing is left in it", "namespace", ns)
		default:
			a.log.Info("deleting, with its terminating namespace", "object", c.key)
		}
	}
}
