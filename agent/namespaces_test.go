package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
)

// shopYAML is a namespace with what the deletion empties: a Deployment on a claim, a
// bare Pod, a Service, a ConfigMap and a Secret.
const shopYAML = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: web}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes: [{name: v, persistentVolumeClaim: {claimName: data}}]
      containers: [{name: main, image: localhost/test:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: shop}
spec:
  containers: [{name: main, image: localhost/test:1}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: conf, namespace: shop}
data: {a: "1"}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {pw: x}
`

// namespaceKeys are the keys of an agent's store in namespace ns under prefix.
func namespaceKeys(a *Agent, prefix, ns string) []string {
	var out []string
	for _, e := range a.Node().List(prefix + ns + "/") {
		if !e.Deleted {
			out = append(out, e.Key)
		}
	}
	return out
}

// An object in a namespace that does not exist is refused whole; a Namespace in the same
// manifest counts. Deleting the namespace marks it Terminating, and the leader empties it
// in order: workloads, then (their pods gone) the Services,
// ConfigMaps, Secrets and claims, then the Namespace; afterwards it no longer exists.
func TestNamespaceLifecycle(t *testing.T) {
	agents := startAgents(t, 2, nil)
	a, b := agents[0], agents[1]

	details := refusal(t, a, strings.SplitN(shopYAML, "---\n", 2)[1])
	want := "metadata.namespace: namespaces \"shop\" not found: create it first with `swarm create namespace shop`, or put a Namespace document in the same manifest"
	if len(details) != 6 || !strings.HasSuffix(details[0], want) || !strings.Contains(details[0], "(PersistentVolumeClaim data)") {
		t.Fatalf("refusal: %q", details)
	}
	if keys := namespaceKeys(a, store.PrefixDeployment, "shop"); len(keys) != 0 {
		t.Fatalf("a refused manifest stored %v", keys)
	}

	res := apply(t, a, shopYAML)
	if len(res.Applied) != 7 || res.Applied[0].Kind != "Namespace" || res.Applied[0].Namespace != "" || res.Applied[0].Result != "created" {
		t.Fatalf("applied: %+v", res.Applied)
	}
	eventually(t, 10*time.Second, "the pods of shop are placed", func() bool {
		return len(namespaceKeys(b, store.PrefixAssignment, "shop")) == 3
	})
	var list struct{ Items []corev1.Namespace }
	eventually(t, 10*time.Second, "the other node serves the namespace", func() bool {
		return call(t, b, "GET", "/api/v1/namespaces?namespace=elsewhere", "", nil, &list) == http.StatusOK && len(list.Items) == 2
	})
	if list.Items[0].Name != "default" || list.Items[1].Name != "shop" || list.Items[1].Status.Phase != corev1.NamespaceActive ||
		list.Items[1].Labels["team"] != "web" {
		t.Fatalf("namespaces: %+v", list.Items)
	}

	// The invariant of the order, held at every look while the leader works: what goes
	// later is read first, so that a later step seen done proves the earlier one done.
	violations := make(chan string, 1)
	stop := make(chan struct{})
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			_, nsStored := a.Node().Get(store.NamespaceKey("shop"))
			if e, ok := a.Node().Get(store.NamespaceKey("shop")); ok && e.Deleted {
				nsStored = false
			}
			claims := namespaceKeys(a, store.PrefixClaim, "shop")
			rest := slices.Concat(namespaceKeys(a, store.PrefixService, "shop"), namespaceKeys(a, store.PrefixConfigMap, "shop"),
				namespaceKeys(a, store.PrefixSecret, "shop"))
			pods := slices.Concat(namespaceKeys(a, store.PrefixAssignment, "shop"), namespaceKeys(a, store.PrefixPending, "shop"))
			workloads := slices.Concat(namespaceKeys(a, store.PrefixDeployment, "shop"), namespaceKeys(a, store.PrefixPod, "shop"))
			var bad string
			switch {
			case !nsStored && len(claims)+len(rest)+len(pods)+len(workloads) > 0:
				bad = "the namespace went before its content"
			case len(rest) < 3 && len(pods)+len(workloads) > 0:
				bad = "services, configmaps or secrets went while pods or workloads remained"
			}
			if bad != "" {
				select {
				case violations <- bad:
				default:
				}
				return
			}
		}
	}()

	watch := mustWatch(t, a, "/api/v1/namespaces", nil)
	if initial, _ := watch.initial(); len(initial) != 2 || initial[0].Name != "default" || initial[1].Name != "shop" {
		t.Fatalf("the watch of namespaces starts with %v", initial)
	}
	var gone api.Applied
	if code := call(t, b, "DELETE", "/api/v1/namespaces/shop", "", nil, &gone); code != http.StatusOK || gone.Kind != "Namespace" || gone.Result != "deleted" {
		t.Fatalf("delete namespace: HTTP %d %+v", code, gone)
	}
	var e api.APIError
	if code := call(t, a, "DELETE", "/api/v1/namespaces/shop", "", nil, &e); code != http.StatusConflict ||
		e.Message != `Operation cannot be fulfilled on namespaces "shop": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.` {
		t.Errorf("delete again: HTTP %d %q", code, e.Message)
	}

	eventually(t, 20*time.Second, "the namespace and all it held are gone", func() bool {
		e, ok := a.Node().Get(store.NamespaceKey("shop"))
		return (!ok || e.Deleted) && len(namespaceKeys(a, store.PrefixClaim, "shop")) == 0
	})
	close(stop)
	<-checked
	evs := changes(watch.until(func(ev watched) bool { return ev.Type == api.Deleted }))
	if len(evs) != 2 || evs[0].Type != api.Modified || evs[1].Name != "shop" {
		t.Errorf("the watch of namespaces saw %v", evs)
	}
	var terminating corev1.Namespace
	if err := json.Unmarshal(watch.raw.Object, &terminating); err != nil || terminating.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("the namespace as it went: %v %s", err, watch.raw.Object)
	}
	select {
	case v := <-violations:
		t.Fatal(v)
	default:
	}
	for _, p := range []string{store.PrefixDeployment, store.PrefixPod, store.PrefixAssignment, store.PrefixPending,
		store.PrefixService, store.PrefixConfigMap, store.PrefixSecret, store.PrefixClaim, store.PrefixServiceAllocation} {
		if keys := namespaceKeys(a, p, "shop"); len(keys) != 0 {
			t.Errorf("left after the namespace: %v", keys)
		}
	}
	if bind, _, ok := binding(a, "shop/data"); !ok || bind.Released.IsZero() {
		t.Errorf("the claim's volume was not released: %+v %v", bind, ok)
	}
	// The other node serves what its replica holds: the delete reaches it by gossip.
	eventually(t, 10*time.Second, "the other node no longer serves the namespace", func() bool {
		e = api.APIError{}
		return call(t, b, "GET", "/api/v1/namespaces/shop", "", nil, &e) == http.StatusNotFound
	})
	if e.Message != `namespaces "shop" not found` {
		t.Errorf("get the deleted namespace: %q", e.Message)
	}
	eventually(t, 10*time.Second, "the other node holds nothing of the namespace", func() bool {
		return len(slices.Concat(namespaceKeys(b, store.PrefixService, "shop"), namespaceKeys(b, store.PrefixConfigMap, "shop"),
			namespaceKeys(b, store.PrefixSecret, "shop"), namespaceKeys(b, store.PrefixClaim, "shop"))) == 0
	})
	if details := refusal(t, b, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: shop}\n"); len(details) != 1 ||
		!strings.Contains(details[0], `namespaces "shop" not found`) {
		t.Errorf("an object in the deleted namespace: %q", details)
	}

	if code := call(t, a, "DELETE", "/api/v1/namespaces/default", "", nil, &e); code != http.StatusForbidden ||
		e.Message != `namespaces "default" is forbidden: this namespace may not be deleted` {
		t.Errorf("delete default: HTTP %d %q", code, e.Message)
	}
	if code := call(t, a, "DELETE", "/api/v1/namespaces/nope", "", nil, &e); code != http.StatusNotFound || e.Message != `namespaces "nope" not found` {
		t.Errorf("delete a namespace that does not exist: HTTP %d %q", code, e.Message)
	}
	// default needs no Namespace.
	apply(t, a, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n")
}

// A namespace that holds objects but has no Namespace, as in a cluster made before
// Namespaces were kept, exists: objects may be applied into it, the leader records its
// Namespace, and it can be deleted like any other.
func TestNamespaceOfAnOlderCluster(t *testing.T) {
	agents := startAgents(t, 2, nil)
	a := agents[0]
	cm := &corev1.ConfigMap{Data: map[string]string{"a": "1"}}
	cm.APIVersion, cm.Kind, cm.Namespace, cm.Name = "v1", "ConfigMap", "old", "conf"
	if _, err := a.Node().Put(store.ObjectKey(store.PrefixConfigMap, "old", "conf"), store.MustJSON(cm)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the ConfigMap reaches the other node's view", func() bool {
		var l struct{ Items []corev1.ConfigMap }
		return call(t, agents[1], "GET", "/api/v1/configmaps?namespace=old", "", nil, &l) == http.StatusOK && len(l.Items) == 1
	})
	apply(t, agents[1], "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: old}\nstringData: {a: b}\n")
	var n corev1.Namespace
	eventually(t, 10*time.Second, "the leader records the namespace", func() bool {
		e, ok := agents[1].Node().Get(store.NamespaceKey("old"))
		return ok && !e.Deleted && json.Unmarshal(e.Value, &n) == nil
	})
	if n.Name != "old" || n.CreationTimestamp.IsZero() || store.Terminating(&n) {
		t.Errorf("recorded: %+v", n)
	}
	if _, ok := a.Node().Get(store.NamespaceKey("default")); ok {
		t.Error("default was recorded; it needs no record")
	}
	var got corev1.Namespace
	eventually(t, 10*time.Second, "the namespace served by the other node", func() bool {
		return call(t, a, "GET", "/api/v1/namespaces/old", "", nil, &got) == http.StatusOK
	})
	if got.Status.Phase != corev1.NamespaceActive || got.Name != "old" {
		t.Fatalf("get: %+v", got)
	}
	if code := call(t, a, "DELETE", "/api/v1/namespaces/old", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	eventually(t, 10*time.Second, "the namespace and its objects are gone", func() bool {
		e, ok := a.Node().Get(store.NamespaceKey("old"))
		return (!ok || e.Deleted) && len(namespaceKeys(a, store.PrefixConfigMap, "old"))+len(namespaceKeys(a, store.PrefixSecret, "old")) == 0
	})
}

// A namespace being deleted refuses new objects, with the API server's Forbidden words,
// and takes an object it holds applied again. The leader is kept from emptying it: the
// other node is stopped, so that no plan reaches a majority and the namespace stays
// Terminating for as long as the test looks.
func TestTerminatingNamespaceRefusesNewObjects(t *testing.T) {
	agents := startAgents(t, 2, nil)
	a := agents[0]
	conf := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf, namespace: frozen}\ndata: {a: \"%d\"}\n"
	apply(t, a, "apiVersion: v1\nkind: Namespace\nmetadata: {name: frozen}\n---\n"+fmt.Sprintf(conf, 1))
	_ = agents[1].Shutdown(false)
	if code := call(t, a, "DELETE", "/api/v1/namespaces/frozen?ack=local", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	var n corev1.Namespace
	if code := call(t, a, "GET", "/api/v1/namespaces/frozen", "", nil, &n); code != http.StatusOK || n.Status.Phase != corev1.NamespaceTerminating ||
		n.DeletionTimestamp == nil {
		t.Fatalf("get: HTTP %d %+v", code, n)
	}
	details := refusal(t, a, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late, namespace: frozen}\n")
	if len(details) != 1 || !strings.HasSuffix(details[0],
		`metadata.namespace: configmaps "late" is forbidden: unable to create new content in namespace frozen because it is being terminated`) {
		t.Errorf("a new object in a terminating namespace: %q", details)
	}
	code, body, err := postManifest(a, nodeToken(t, a), fmt.Sprintf(conf, 2), "ack=local")
	if err != nil || code != http.StatusOK || !strings.Contains(string(body), `"result":"configured"`) {
		t.Errorf("an object of the namespace applied again: HTTP %d %s %v", code, body, err)
	}
	// Applied again, the Namespace stays Terminating.
	code, body, err = postManifest(a, nodeToken(t, a), "apiVersion: v1\nkind: Namespace\nmetadata: {name: frozen, labels: {a: b}}\n", "ack=local")
	if err != nil || code != http.StatusOK {
		t.Fatalf("the namespace applied again: HTTP %d %s %v", code, body, err)
	}
	if code := call(t, a, "GET", "/api/v1/namespaces/frozen", "", nil, &n); code != http.StatusOK || n.Status.Phase != corev1.NamespaceTerminating ||
		n.Labels["a"] != "b" {
		t.Errorf("after applying it again: HTTP %d %+v", code, n)
	}
}
