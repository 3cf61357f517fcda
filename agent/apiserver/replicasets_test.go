package apiserver_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
)

const rsPath = "/apis/apps/v1/namespaces/default/replicasets"

// rsList is a ReplicaSetList.
type rsList struct {
	Kind     string              `json:"kind"`
	Metadata metav1.ListMeta     `json:"metadata"`
	Items    []appsv1.ReplicaSet `json:"items"`
}

// replicaSets lists the ReplicaSets of default, by revision.
func (k *kubeAgent) replicaSets() rsList {
	k.t.Helper()
	var l rsList
	k.get(rsPath, "application/json", &l)
	slices.SortFunc(l.Items, func(a, b appsv1.ReplicaSet) int {
		return strings.Compare(a.Annotations["deployment.kubernetes.io/revision"], b.Annotations["deployment.kubernetes.io/revision"])
	})
	return l
}

// waitReplicaSets waits until default has n ReplicaSets, and lists them.
func (k *kubeAgent) waitReplicaSets(n int) rsList {
	k.t.Helper()
	var l rsList
	eventually(k.t, "the ReplicaSets of every revision", func() bool {
		l = k.replicaSets()
		return len(l.Items) == n
	})
	return l
}

// reportReady writes a ready status for each of the pods, as their node does once their
// containers are ready (this agent runs nothing).
func (k *kubeAgent) reportReady(pods ...corev1.Pod) {
	k.t.Helper()
	for _, p := range pods {
		now := time.Now().UTC()
		ps := store.PodStatus{Node: p.Spec.NodeName, Phase: corev1.PodRunning, Ready: true, ReadySince: now, Updated: now,
			TemplateHash: p.Labels["pod-template-hash"]}
		if _, err := k.a.Node().Put(store.StatusKey(p.Namespace+"/"+p.Name), store.MustJSON(ps)); err != nil {
			k.t.Fatal(err)
		}
	}
}

// pods lists the pods of default.
func (k *kubeAgent) pods() []corev1.Pod {
	k.t.Helper()
	var l corev1.PodList
	k.get("/api/v1/namespaces/default/pods", "application/json", &l)
	return l.Items
}

// A Deployment has a ReplicaSet per revision, in Kubernetes' shape: named as its pods are,
// the revision and change-cause annotated, controlled by the Deployment, its template and
// selector with pod-template-hash, wanting the Deployment's replicas (an older one, the
// pods it still has), and counting its pods; each pod is controlled by its ReplicaSet.
func TestReplicaSetShape(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	l := k.waitReplicaSets(1)
	var d appsv1.Deployment
	k.get("/apis/apps/v1/namespaces/default/deployments/web", "application/json", &d)
	rs := l.Items[0]
	hash := rs.Labels["pod-template-hash"]
	yes := true
	if l.Kind != "ReplicaSetList" || rs.Kind != "ReplicaSet" || rs.APIVersion != "apps/v1" || hash == "" || rs.Name != "web-"+hash ||
		rs.Labels["app"] != "web" || rs.Annotations["deployment.kubernetes.io/revision"] != "1" || rs.UID == "" || rs.CreationTimestamp.IsZero() ||
		rs.ResourceVersion == "" || len(rs.OwnerReferences) != 1 ||
		!reflect.DeepEqual(rs.OwnerReferences[0], metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID, Controller: &yes, BlockOwnerDeletion: &yes}) {
		t.Fatalf("the ReplicaSet: %+v", rs.ObjectMeta)
	}
	if *rs.Spec.Replicas != 2 || rs.Spec.Selector.MatchLabels["pod-template-hash"] != hash || rs.Spec.Selector.MatchLabels["app"] != "web" ||
		rs.Spec.Template.Labels["pod-template-hash"] != hash || rs.Spec.Template.Spec.Containers[0].Image != "localhost/web:1" {
		t.Errorf("its spec: %+v", rs.Spec)
	}
	eventually(t, "both pods counted", func() bool { return k.replicaSets().Items[0].Status.Replicas == 2 })
	pods := k.pods()
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		if !strings.HasPrefix(p.Name, rs.Name+"-") || ref == nil || ref.Kind != "ReplicaSet" || ref.Name != rs.Name || ref.UID != rs.UID ||
			p.OwnerReferences[0].Kind != "Deployment" || p.OwnerReferences[0].Name != "web" {
			t.Errorf("pod %s: %+v", p.Name, p.OwnerReferences)
		}
	}
	k.reportReady(pods[0])
	eventually(t, "the ready pod counted", func() bool {
		s := k.replicaSets().Items[0].Status
		return s.ReadyReplicas == 1 && s.AvailableReplicas == 1 && s.Replicas == 2 && s.FullyLabeledReplicas == 2
	})

	// A new template, with a change-cause: a second ReplicaSet, the first one wanting the
	// pods it still has.
	k.apply(strings.Replace(strings.Replace(webManifest, "localhost/web:1", "localhost/web:2", 1),
		"metadata: {name: web, labels: {app: web}}", "metadata: {name: web, labels: {app: web}, annotations: {kubernetes.io/change-cause: two, team: blue}}", 1))
	l = k.waitReplicaSets(2)
	old, cur := l.Items[0], l.Items[1]
	if old.Name != rs.Name || old.UID != rs.UID || old.Annotations["kubernetes.io/change-cause"] != "" ||
		cur.Annotations["deployment.kubernetes.io/revision"] != "2" || cur.Annotations["kubernetes.io/change-cause"] != "two" ||
		cur.Annotations["team"] != "blue" || cur.Annotations["kubectl.kubernetes.io/last-applied-configuration"] != "" ||
		cur.Spec.Template.Spec.Containers[0].Image != "localhost/web:2" || cur.UID == old.UID {
		t.Errorf("the two ReplicaSets: %+v\n%+v", old.ObjectMeta, cur.ObjectMeta)
	}
	eventually(t, "the new pod placed and counted", func() bool {
		l := k.replicaSets()
		old, cur := l.Items[0], l.Items[1]
		return *cur.Spec.Replicas == 2 && cur.Status.Replicas >= 1 && *old.Spec.Replicas == old.Status.Replicas && old.Status.Replicas >= 1
	})

	// One object, and what is not there.
	var one appsv1.ReplicaSet
	k.get(rsPath+"/"+cur.Name, "application/json", &one)
	if one.Name != cur.Name || one.UID != cur.UID {
		t.Errorf("get: %+v", one.ObjectMeta)
	}
	k.get(rsPath+"/"+cur.Name+"/status", "application/json", &one)
	if one.Name != cur.Name || one.Status.Replicas == 0 {
		t.Errorf("get status: %+v %+v", one.ObjectMeta, one.Status)
	}
	k.wantStatus(http.MethodGet, rsPath+"/web-nope", k.admin, http.StatusNotFound, "NotFound", `replicasets.apps "web-nope" not found`)
	var all rsList
	k.get("/apis/apps/v1/replicasets?labelSelector=pod-template-hash%3D"+hash, "application/json", &all)
	if len(all.Items) != 1 || all.Items[0].Name != rs.Name {
		t.Errorf("by label across namespaces: %+v", all.Items)
	}

	// As a Table: kubectl's columns.
	var table metav1.Table
	k.get(rsPath, "application/json;as=Table;v=v1;g=meta.k8s.io", &table)
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	if got := strings.Join(cols, ","); got != "Name,Desired,Current,Ready,Age,Containers,Images,Selector" || len(table.Rows) != 2 {
		t.Errorf("table: %s, %d rows", got, len(table.Rows))
	}

	// The Deployment deleted: its ReplicaSets with it.
	if code, body := k.request(http.MethodDelete, "/apis/apps/v1/namespaces/default/deployments/web", k.admin, "", nil); code != http.StatusOK {
		t.Fatalf("delete: %d %s", code, body)
	}
	k.waitReplicaSets(0)
}

// A watch of the ReplicaSets sees one added with each new revision, changed as its pods
// are, and deleted with its Deployment.
func TestReplicaSetWatch(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	first := k.waitReplicaSets(1).Items[0]
	l := k.replicaSets()
	w := k.watch(rsPath+"?watch=true&resourceVersion="+l.Metadata.ResourceVersion, "application/json")
	k.apply(strings.Replace(webManifest, "localhost/web:1", "localhost/web:2", 1))
	var added appsv1.ReplicaSet
	for {
		ev := w.next()
		if ev.Type == "ADDED" {
			if err := json.Unmarshal(ev.Object, &added); err != nil {
				t.Fatal(err)
			}
			break
		}
		if ev.Type != "MODIFIED" || ev.name() != first.Name {
			t.Fatalf("before the new one: %s %s", ev.Type, ev.Object)
		}
	}
	if added.Name == first.Name || added.Annotations["deployment.kubernetes.io/revision"] != "2" || added.Kind != "ReplicaSet" {
		t.Errorf("added: %+v", added.ObjectMeta)
	}
	if code, body := k.request(http.MethodDelete, "/apis/apps/v1/namespaces/default/deployments/web", k.admin, "", nil); code != http.StatusOK {
		t.Fatalf("delete: %d %s", code, body)
	}
	deleted := map[string]bool{}
	for len(deleted) < 2 {
		if ev := w.next(); ev.Type == "DELETED" {
			deleted[ev.name()] = true
		}
	}
	if !deleted[first.Name] || !deleted[added.Name] {
		t.Errorf("deleted: %v", deleted)
	}
}

// The ReplicaSets take no write: each is refused 405, saying why and what to change
// instead; a read-only token reads them.
func TestReplicaSetWritesRefused(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(webManifest)
	name := k.waitReplicaSets(1).Items[0].Name
	for _, c := range []struct{ method, path, verb string }{
		{http.MethodPost, rsPath, "create"},
		{http.MethodPut, rsPath + "/" + name, "update"},
		{http.MethodPatch, rsPath + "/" + name, "patch"},
		{http.MethodDelete, rsPath + "/" + name, "delete"},
		{http.MethodDelete, rsPath, "deletecollection"},
	} {
		k.wantStatus(c.method, c.path, k.admin, http.StatusMethodNotAllowed, "MethodNotAllowed",
			c.verb+` is not supported on resources of kind "replicasets.apps": the ReplicaSets are made of the revisions each Deployment keeps; change the Deployment instead`)
	}
	k.wantStatus(http.MethodPut, rsPath+"/"+name+"/status", k.admin, http.StatusMethodNotAllowed, "MethodNotAllowed", "the cluster makes it")
	ro := k.readOnlyToken()
	if code, body := k.request(http.MethodGet, rsPath+"/"+name, ro, "", nil); code != http.StatusOK {
		t.Errorf("read with a read-only token: %d %s", code, body)
	}
	if l := k.replicaSets(); len(l.Items) != 1 || l.Items[0].Name != name {
		t.Errorf("after the refused writes: %+v", l.Items)
	}
}

// kubectl rollout undo's patch (a JSON patch of the template, with the ReplicaSet's
// annotations) rolls the Deployment back as swarm rollout undo does: the template comes
// back as the newest revision, with the change-cause it had.
func TestReplicaSetRollbackPatch(t *testing.T) {
	k := startKubeAgent(t)
	k.apply(strings.Replace(webManifest, "metadata: {name: web, labels: {app: web}}", "metadata: {name: web, labels: {app: web}, annotations: {kubernetes.io/change-cause: one}}", 1))
	k.waitReplicaSets(1)
	k.apply(strings.Replace(webManifest, "localhost/web:1", "localhost/web:2", 1))
	one := k.waitReplicaSets(2).Items[0]
	tmpl := one.Spec.Template.DeepCopy()
	delete(tmpl.Labels, "pod-template-hash")
	var d appsv1.Deployment
	k.get("/apis/apps/v1/namespaces/default/deployments/web", "application/json", &d)
	annotations := map[string]string{}
	for key, v := range d.Annotations {
		if key == "kubectl.kubernetes.io/last-applied-configuration" || key == "deployment.kubernetes.io/revision" {
			annotations[key] = v
		}
	}
	for key, v := range one.Annotations {
		if key != "deployment.kubernetes.io/revision" {
			annotations[key] = v
		}
	}
	patch, err := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec/template", "value": tmpl},
		{"op": "replace", "path": "/metadata/annotations", "value": annotations},
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPatch, k.base+"/apis/apps/v1/namespaces/default/deployments/web", strings.NewReader(string(patch)))
	req.Header.Set("Authorization", "Bearer "+k.admin)
	req.Header.Set("Content-Type", "application/json-patch+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("patch: %d", resp.StatusCode)
	}
	var l rsList
	eventually(t, "the template back as revision 3", func() bool {
		l = k.replicaSets()
		return len(l.Items) == 2 && l.Items[1].Name == one.Name && l.Items[1].Annotations["deployment.kubernetes.io/revision"] == "3"
	})
	if got := l.Items[1]; got.UID != one.UID || got.Annotations["kubernetes.io/change-cause"] != "one" || !got.CreationTimestamp.Equal(&one.CreationTimestamp) {
		t.Errorf("the ReplicaSet brought back: %+v", got.ObjectMeta)
	}
	k.get("/apis/apps/v1/namespaces/default/deployments/web", "application/json", &d)
	if d.Annotations["deployment.kubernetes.io/revision"] != "3" || d.Annotations["kubernetes.io/change-cause"] != "one" ||
		d.Spec.Template.Spec.Containers[0].Image != "localhost/web:1" {
		t.Errorf("the Deployment rolled back: %+v %s", d.Annotations, d.Spec.Template.Spec.Containers[0].Image)
	}
}
