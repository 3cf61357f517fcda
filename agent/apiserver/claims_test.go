package apiserver

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func parseSet(t *testing.T, doc string) *manifest.Set {
	t.Helper()
	set, err := manifest.Parse(manifest.Input{Name: "app.yaml", Data: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

const claimDoc = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`

const podWithClaims = `apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  containers: [{name: db, image: i}]
  volumes:
  - {name: a, persistentVolumeClaim: {claimName: data}}
  - {name: b, persistentVolumeClaim: {claimName: stored}}
  - {name: c, persistentVolumeClaim: {claimName: nope}}
`

func TestCheckClaims(t *testing.T) {
	st := &store.State{Claims: map[string]*corev1.PersistentVolumeClaim{"default/stored": {}, "shop/nope": {}}}
	errs := checkClaims(st, parseSet(t, claimDoc+"---\n"+podWithClaims))
	if len(errs) != 1 || errs[0].Error() != `app.yaml: document 2 (Pod db): spec.volumes[2].persistentVolumeClaim.claimName: persistentvolumeclaim "nope" not found` {
		t.Errorf("errors = %v", errs)
	}
}

func TestClaimDeletionMarksAndKeeps(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	set := parseSet(t, claimDoc)
	stored, err := json.Marshal(claimToStore(set.Objects[0].Claim))
	if err != nil {
		t.Fatal(err)
	}
	marked, err := markClaimDeleting(stored, now)
	if err != nil {
		t.Fatal(err)
	}
	var c corev1.PersistentVolumeClaim
	if err := json.Unmarshal(marked, &c); err != nil {
		t.Fatal(err)
	}
	if c.DeletionTimestamp == nil || !c.DeletionTimestamp.Time.Equal(now) || !slices.Equal(c.Finalizers, []string{ClaimProtectionFinalizer}) {
		t.Fatalf("marked claim %+v", c.ObjectMeta)
	}
	if again, _ := markClaimDeleting(marked, now.Add(time.Hour)); string(again) != string(marked) {
		t.Error("a claim marked already was marked again")
	}
	// Applied again, it stays marked.
	set = parseSet(t, claimDoc)
	keepClaimDeletion(set, func(key string) ([]byte, bool) { return marked, key == "persistentvolumeclaim/default/data" })
	if got := set.Objects[0].Claim; got.DeletionTimestamp == nil || !slices.Equal(got.Finalizers, []string{ClaimProtectionFinalizer}) {
		t.Errorf("applied again: %+v", got.ObjectMeta)
	}
}

// A pod kept on a node that is gone, where its data is, lists as Pending with the
// leader's reason; a pod merely placed while an old pending record lingers does not.
func TestStrandedPodShowsItsReason(t *testing.T) {
	pod := manifest.Pod{Namespace: "default", Name: "db", Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db"}}}}
	st := &store.State{
		Assignments: map[string]store.Assignment{"default/db": {Pod: pod, Node: "n2"}},
		Status:      map[string]store.PodStatus{"default/db": {Node: "n2", Phase: corev1.PodRunning, Ready: true}},
		Pending:     map[string]store.Pending{"default/db": {Pod: pod, Reason: "its data is on node n2", Node: "n2"}},
	}
	p := podView(st, "default/db")
	if p.Status.Phase != corev1.PodPending || p.Status.Message != "its data is on node n2" || p.Spec.NodeName != "n2" {
		t.Errorf("stranded pod: %+v", p.Status)
	}
	st.Pending["default/db"] = store.Pending{Pod: pod, Reason: "no node fits"}
	if p := podView(st, "default/db"); p.Status.Phase != corev1.PodRunning || strings.Contains(p.Status.Message, "fits") {
		t.Errorf("placed pod with a stale pending record: %+v", p.Status)
	}
}

func TestClaimWarnings(t *testing.T) {
	got := claimWarnings(parseSet(t, claimDoc+"---\n"+podWithClaims))
	if len(got) != 1 || !strings.HasPrefix(got[0], "app.yaml: document 1 (PersistentVolumeClaim data): spec.resources.requests.storage: 1Gi is not enforced") {
		t.Errorf("warnings = %q", got)
	}
}

// A claim's spec cannot change once made, as in Kubernetes, but its request can, and
// spelling out a default is no change.
func TestClaimSpecIsImmutable(t *testing.T) {
	stored := parseSet(t, claimDoc).Objects[0].Claim
	st := &store.State{Claims: map[string]*corev1.PersistentVolumeClaim{"default/data": stored}}
	tests := []struct {
		name, old, new string
		refused        bool
	}{
		{"same", "", "", false},
		{"bigger request", "storage: 1Gi", "storage: 2Gi", false},
		{"default class spelt out", "spec: {", "spec: {storageClassName: local, volumeMode: Filesystem, ", false},
		{"other access mode", "[ReadWriteOnce]", "[ReadWriteOncePod]", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := checkClaims(st, parseSet(t, strings.Replace(claimDoc, tt.old, tt.new, 1)))
			want := ""
			if tt.refused {
				want = "app.yaml: document 1 (PersistentVolumeClaim data): spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
			}
			got := ""
			if len(errs) > 0 {
				got = errs.Error()
			}
			if got != want {
				t.Errorf("errors = %q, want %q", got, want)
			}
		})
	}
}
