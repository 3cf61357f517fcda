package schedule

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// emptyState is a store.State with every map made.
func emptyState() *store.State {
	return &store.State{
		Deployments: map[string]*appsv1.Deployment{}, Services: map[string]*corev1.Service{},
		Ingresses: map[string]*networkingv1.Ingress{}, Pods: map[string]*corev1.Pod{},
		ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{},
		Assignments: map[string]store.Assignment{}, Pending: map[string]store.Pending{},
		Status: map[string]store.PodStatus{}, Claims: map[string]*corev1.PersistentVolumeClaim{},
		ClaimBindings: map[string]store.ClaimBinding{}, Namespaces: map[string]*corev1.Namespace{},
		Jobs: map[string]*batchv1.Job{}, CronJobs: map[string]*batchv1.CronJob{},
		JobRecords: map[string]store.JobRecord{}, CronRecords: map[string]store.CronRecord{},
	}
}

func meta(key string) metav1.ObjectMeta {
	ns, name, _ := strings.Cut(key, "/")
	return metav1.ObjectMeta{Namespace: ns, Name: name}
}

// liveClaims reads the claims of st as the store would hold them.
func liveClaims(st *store.State) func(string) (cluster.Entry, bool) {
	return func(key string) (cluster.Entry, bool) {
		c, ok := st.Claims[strings.TrimPrefix(key, store.PrefixClaim)]
		if !ok || !strings.HasPrefix(key, store.PrefixClaim) {
			return cluster.Entry{}, false
		}
		return cluster.Entry{Key: key, Value: store.MustJSON(c), Version: cluster.Version{Time: 7, Node: "n2"}}, true
	}
}

func terminating(name string, at time.Time) *corev1.Namespace {
	t := metav1.NewTime(at)
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, DeletionTimestamp: &t}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
}

func changeKeys(changes []change) []string {
	var out []string
	for _, c := range changes {
		verb := "write "
		if c.delete {
			verb = "delete "
		}
		out = append(out, verb+c.key)
	}
	return out
}

// The deletion of a namespace goes step by step: workloads, then (once their pods are
// gone) the rest, the claims marked, then the Namespace; other namespaces are left alone.
func TestNamespaceDeletionOrder(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	st := emptyState()
	st.Namespaces["shop"] = terminating("shop", now.Add(-time.Minute))
	st.Namespaces["keep"] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "keep"}}
	st.Deployments["shop/web"] = &appsv1.Deployment{ObjectMeta: meta("shop/web")}
	st.Deployments["keep/web"] = &appsv1.Deployment{ObjectMeta: meta("keep/web")}
	st.Pods["shop/one"] = &corev1.Pod{ObjectMeta: meta("shop/one")}
	st.Assignments["shop/web-1"] = store.Assignment{Pod: manifest.Pod{Namespace: "shop", Name: "web-1"}, Node: "n1"}
	st.Services["shop/web"] = &corev1.Service{ObjectMeta: meta("shop/web")}
	st.Services["keep/web"] = &corev1.Service{ObjectMeta: meta("keep/web")}
	st.Ingresses["shop/web"] = &networkingv1.Ingress{ObjectMeta: meta("shop/web")}
	st.ConfigMaps["shop/conf"] = &corev1.ConfigMap{ObjectMeta: meta("shop/conf")}
	st.Secrets["shop/db"] = &corev1.Secret{ObjectMeta: meta("shop/db")}
	st.Claims["shop/data"] = &corev1.PersistentVolumeClaim{ObjectMeta: meta("shop/data")}
	live := liveClaims(st)

	step := func(want ...string) []change {
		t.Helper()
		changes, err := namespaceChanges(st, now, live)
		if err != nil {
			t.Fatal(err)
		}
		if got := changeKeys(changes); !slices.Equal(got, want) {
			t.Fatalf("changes:\n  %v\nwant\n  %v", got, want)
		}
		return changes
	}
	step("delete deployment/shop/web", "delete pod/shop/one")
	delete(st.Deployments, "shop/web")
	delete(st.Pods, "shop/one")
	step() // the pods are still assigned
	delete(st.Assignments, "shop/web-1")
	st.Pending["shop/web-2"] = store.Pending{Pod: manifest.Pod{Namespace: "shop", Name: "web-2"}}
	step() // and pending
	delete(st.Pending, "shop/web-2")
	changes := step("delete service/shop/web", "delete ingress/shop/web", "delete configmap/shop/conf",
		"delete secret/shop/db", "write persistentvolumeclaim/shop/data")
	var marked corev1.PersistentVolumeClaim
	if err := json.Unmarshal(changes[4].value, &marked); err != nil {
		t.Fatal(err)
	}
	if marked.DeletionTimestamp == nil || !marked.DeletionTimestamp.Time.Equal(now) ||
		!slices.Contains(marked.Finalizers, "kubernetes.io/pvc-protection") || marked.ResourceVersion != "seen:n2=7" {
		t.Errorf("the claim marked: %+v", marked.ObjectMeta)
	}
	for _, key := range []string{"shop/web"} {
		delete(st.Services, key)
		delete(st.Ingresses, key)
	}
	delete(st.ConfigMaps, "shop/conf")
	delete(st.Secrets, "shop/db")
	st.Claims["shop/data"] = &marked
	step() // the claim machinery deletes the claim, which no pod uses
	delete(st.Claims, "shop/data")
	step("delete namespace/shop")
	delete(st.Namespaces, "shop")
	step()
	if len(st.Deployments) != 1 || len(st.Services) != 1 {
		t.Errorf("the other namespace lost objects: %v %v", slices.Collect(maps.Keys(st.Deployments)), slices.Collect(maps.Keys(st.Services)))
	}
}

// A namespace that holds objects but has no record (a cluster made before Namespaces were
// kept) is recorded, Active, once; default needs no record and is never deleted.
func TestNamespacesAdopted(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	st := emptyState()
	st.Deployments["old/web"] = &appsv1.Deployment{ObjectMeta: meta("old/web")}
	st.ConfigMaps["default/conf"] = &corev1.ConfigMap{ObjectMeta: meta("default/conf")}
	st.Assignments["older/p"] = store.Assignment{Pod: manifest.Pod{Namespace: "older", Name: "p"}}
	changes, err := namespaceChanges(st, now, liveClaims(st))
	if err != nil {
		t.Fatal(err)
	}
	if got := changeKeys(changes); !slices.Equal(got, []string{"write namespace/old", "write namespace/older"}) {
		t.Fatalf("changes: %v", got)
	}
	var n corev1.Namespace
	if err := json.Unmarshal(changes[0].value, &n); err != nil {
		t.Fatal(err)
	}
	if n.Name != "old" || n.Kind != "Namespace" || !n.CreationTimestamp.Time.Equal(now) || store.Terminating(&n) ||
		!slices.Equal(n.Spec.Finalizers, []corev1.FinalizerName{corev1.FinalizerKubernetes}) {
		t.Errorf("adopted: %+v", n)
	}
	for _, name := range []string{"old", "older"} {
		st.Namespaces[name] = &n
	}
	if changes, _ = namespaceChanges(st, now, liveClaims(st)); len(changes) != 0 {
		t.Errorf("recorded again: %v", changeKeys(changes))
	}
	// A record of default marked for deletion (which the API refuses) deletes nothing.
	st.Namespaces["default"] = terminating("default", now)
	if changes, _ = namespaceChanges(st, now, liveClaims(st)); len(changes) != 0 {
		t.Errorf("default emptied: %v", changeKeys(changes))
	}
}

// Through any store and any order of the scheduler's work, the controller deletes nothing
// of a namespace that is not terminating; deletes no Service, Ingress, ConfigMap, Secret
// or claim of one while any of its workloads or pods remain; deletes a Namespace only once
// nothing is left in it; and, with the scheduler and the claim machinery doing their part,
// empties and deletes every terminating namespace within a few plans.
func TestNamespaceDeletionProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
		names := []string{"default", "a", "b", "c"}
		st := emptyState()
		deleting := map[string]bool{}
		for _, ns := range names[1:] {
			switch rapid.IntRange(0, 2).Draw(t, "record "+ns) {
			case 0: // none: held objects before Namespaces were kept, or holds nothing
			case 1:
				st.Namespaces[ns] = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
			case 2:
				st.Namespaces[ns] = terminating(ns, now)
				deleting[ns] = true
			}
		}
		key := func(label string) string {
			return rapid.SampledFrom(names).Draw(t, label+" ns") + "/" + fmt.Sprint(rapid.IntRange(0, 2).Draw(t, label+" name"))
		}
		for i := rapid.IntRange(0, 12).Draw(t, "objects"); i > 0; i-- {
			k := key("object")
			switch rapid.IntRange(0, 8).Draw(t, "kind") {
			case 0:
				st.Deployments[k] = &appsv1.Deployment{ObjectMeta: meta(k)}
			case 1:
				st.Pods[k] = &corev1.Pod{ObjectMeta: meta(k)}
			case 2:
				m := meta(k)
				owner := ""
				if rapid.Bool().Draw(t, "owned") {
					owner = m.Name
				}
				st.Assignments[k] = store.Assignment{Pod: manifest.Pod{Namespace: m.Namespace, Name: m.Name, Owner: owner}, Node: "n1"}
			case 3:
				m := meta(k)
				st.Pending[k] = store.Pending{Pod: manifest.Pod{Namespace: m.Namespace, Name: m.Name, Owner: m.Name}}
			case 4:
				st.Services[k] = &corev1.Service{ObjectMeta: meta(k)}
			case 5:
				st.Ingresses[k] = &networkingv1.Ingress{ObjectMeta: meta(k)}
			case 6:
				st.ConfigMaps[k] = &corev1.ConfigMap{ObjectMeta: meta(k)}
			case 7:
				st.Secrets[k] = &corev1.Secret{ObjectMeta: meta(k)}
			case 8:
				st.Claims[k] = &corev1.PersistentVolumeClaim{ObjectMeta: meta(k)}
			}
		}
		// The objects of a namespace, its pods' records apart (the scheduler's).
		objects := func(ns string) []string {
			var out []string
			for p, keys := range namespaceKeys(st, ns) {
				if p != store.PrefixAssignment && p != store.PrefixPending {
					for _, k := range keys {
						out = append(out, p+k)
					}
				}
			}
			slices.Sort(out)
			return out
		}
		untouched := func(ns string) int { return len(namespaceKeys(st, ns)) }
		before := map[string][]string{}
		for _, ns := range names {
			if !deleting[ns] {
				before[ns] = objects(ns)
			}
		}
		for round := 0; round < 8; round++ {
			changes, err := namespaceChanges(st, now, liveClaims(st))
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range changes {
				checkNamespaceChange(t, st, c, deleting)
			}
			applyNamespaceChanges(t, st, changes)
			// The scheduler's part: the pods of workloads gone leave, one at a time
			// when drawn so; the claim machinery deletes the claims marked.
			for _, k := range sortedKeys(st.Assignments) {
				a := st.Assignments[k]
				if _, ok := st.Deployments[a.Pod.Namespace+"/"+a.Pod.Owner]; ok && a.Pod.Owner != "" {
					continue
				}
				if _, ok := st.Pods[k]; ok && a.Pod.Owner == "" {
					continue
				}
				if rapid.Bool().Draw(t, "pod leaves now") {
					delete(st.Assignments, k)
				}
			}
			for _, k := range sortedKeys(st.Pending) {
				if _, ok := st.Deployments[k]; !ok {
					delete(st.Pending, k)
				}
			}
			for _, k := range sortedKeys(st.Claims) {
				if st.Claims[k].DeletionTimestamp != nil {
					delete(st.Claims, k)
				}
			}
		}
		// Let every pod left go, then a few more plans finish.
		clear(st.Assignments)
		for round := 0; round < 4; round++ {
			changes, _ := namespaceChanges(st, now, liveClaims(st))
			applyNamespaceChanges(t, st, changes)
			for _, k := range sortedKeys(st.Claims) {
				if st.Claims[k].DeletionTimestamp != nil {
					delete(st.Claims, k)
				}
			}
		}
		for ns := range deleting {
			if _, ok := st.Namespaces[ns]; ok || untouched(ns) != 0 {
				t.Fatalf("namespace %s not emptied and deleted: record %v, %v", ns, ok, namespaceKeys(st, ns))
			}
		}
		for ns, objs := range before {
			if ns != "default" && len(objs) > 0 {
				if _, ok := st.Namespaces[ns]; !ok {
					t.Fatalf("namespace %s holds objects and has no record", ns)
				}
			}
			if got := objects(ns); !slices.Equal(got, objs) {
				t.Fatalf("namespace %s: %v, before %v", ns, got, objs)
			}
		}
	})
}

// checkNamespaceChange holds one change of the controller to the properties.
func checkNamespaceChange(t *rapid.T, st *store.State, c change, deleting map[string]bool) {
	if name, ok := strings.CutPrefix(c.key, store.PrefixNamespace); ok {
		if c.delete && (!deleting[name] || len(namespaceKeys(st, name)) > 0) {
			t.Fatalf("namespace %s deleted while not terminating or holding %v", name, namespaceKeys(st, name))
		}
		if !c.delete {
			if _, had := st.Namespaces[name]; had || name == "default" {
				t.Fatalf("namespace %s recorded again", name)
			}
		}
		return
	}
	_, rest, _ := strings.Cut(c.key, "/")
	ns, _, _ := strings.Cut(rest, "/")
	if !deleting[ns] {
		t.Fatalf("%s changed in namespace %s, which is not being deleted", c.key, ns)
	}
	if strings.HasPrefix(c.key, store.PrefixDeployment) || strings.HasPrefix(c.key, store.PrefixPod) {
		return
	}
	keys := namespaceKeys(st, ns)
	for _, p := range []string{store.PrefixDeployment, store.PrefixPod, store.PrefixAssignment, store.PrefixPending} {
		if len(keys[p]) > 0 {
			t.Fatalf("%s changed while %s%v remain", c.key, p, keys[p])
		}
	}
}

// applyNamespaceChanges does to st what the store would.
func applyNamespaceChanges(t *rapid.T, st *store.State, changes []change) {
	for _, c := range changes {
		prefix, rest, _ := strings.Cut(c.key, "/")
		switch prefix + "/" {
		case store.PrefixNamespace:
			if c.delete {
				delete(st.Namespaces, rest)
			} else {
				var n corev1.Namespace
				if err := json.Unmarshal(c.value, &n); err != nil {
					t.Fatal(err)
				}
				st.Namespaces[rest] = &n
			}
		case store.PrefixDeployment:
			delete(st.Deployments, rest)
		case store.PrefixPod:
			delete(st.Pods, rest)
		case store.PrefixService:
			delete(st.Services, rest)
		case store.PrefixIngress:
			delete(st.Ingresses, rest)
		case store.PrefixConfigMap:
			delete(st.ConfigMaps, rest)
		case store.PrefixSecret:
			delete(st.Secrets, rest)
		case store.PrefixClaim:
			var claim corev1.PersistentVolumeClaim
			if err := json.Unmarshal(c.value, &claim); err != nil {
				t.Fatal(err)
			}
			st.Claims[rest] = &claim
		default:
			t.Fatalf("unexpected change %s", c.key)
		}
	}
}
