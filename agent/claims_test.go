package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// claimYAML is a ReadWriteOnce claim; retain adds the Retain reclaim policy.
func claimYAML(name string, retain bool) string {
	annotations := ""
	if retain {
		annotations = "\n  annotations: {swarm.podman.io/reclaim-policy: Retain}"
	}
	return fmt.Sprintf(`apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: %s%s
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`, name, annotations)
}

// claimVolumes is the extra of deploymentYAML that gives the pods the claims.
func claimVolumes(claims ...string) string {
	var vs []string
	for i, c := range claims {
		vs = append(vs, fmt.Sprintf("{name: v%d, persistentVolumeClaim: {claimName: %s}}", i, c))
	}
	return "      volumes: [" + strings.Join(vs, ", ") + "]\n"
}

// binding reads a claim's binding record as agent a holds it.
func binding(a *Agent, claimKey string) (store.ClaimBinding, cluster.Version, bool) {
	e, ok := a.Node().Get(store.ClaimBindingKey(claimKey))
	if !ok || e.Deleted {
		return store.ClaimBinding{}, cluster.Version{}, false
	}
	var b store.ClaimBinding
	if json.Unmarshal(e.Value, &b) != nil {
		return store.ClaimBinding{}, cluster.Version{}, false
	}
	return b, e.Version, true
}

// podReason is the PodScheduled message of the first pod whose name starts with prefix.
func podReason(t *testing.T, a *Agent, prefix string) (node, reason string) {
	for _, p := range pods(t, a).Items {
		if strings.HasPrefix(p.Metadata.Name, prefix) {
			for _, c := range p.Status.Conditions {
				if c.Type == "PodScheduled" && c.Status == "False" {
					reason = c.Message
				}
			}
			return p.Spec.NodeName, reason
		}
	}
	return "", ""
}

// leaderOf is the leader every agent agrees on, "" while they do not.
func leaderOf(agents []*Agent) string {
	l := agents[0].Node().Leader()
	for _, a := range agents[1:] {
		if a.Node().Leader() != l {
			return ""
		}
	}
	return l
}

// A claim is bound once, to its first pod's node, by the leader; a new leader keeps the
// binding and sends the claim's later pods to the same node.
func TestClaimBoundOnceKeptAcrossLeaderChange(t *testing.T) {
	agents := startAgents(t, 3, func(i int, c *Config) { c.Labels = map[string]string{"zone": fmt.Sprint(i)} })
	eventually(t, 10*time.Second, "a leader", func() bool { return leaderOf(agents) != "" })
	leader := leaderOf(agents)
	// The pods go to a node that does not lead, so that the leader can die without them.
	var target, survivor *Agent
	for _, a := range agents {
		if a.cfg.NodeName != leader && target == nil {
			target = a
		} else if a.cfg.NodeName != leader {
			survivor = a
		}
	}
	sel := fmt.Sprintf("      nodeSelector: {zone: %q}\n", target.cfg.Labels["zone"])
	apply(t, survivor, claimYAML("data", false)+"---\n"+deploymentYAML("db", 1, sel+claimVolumes("data")))
	eventually(t, 10*time.Second, "the claim bound on every node", func() bool {
		for _, a := range agents {
			if b, _, ok := binding(a, "default/data"); !ok || b.Node != target.cfg.NodeName {
				return false
			}
		}
		return true
	})
	_, version, _ := binding(survivor, "default/data")
	for _, a := range agents {
		if a.cfg.NodeName == leader {
			_ = a.Shutdown(false)
		}
	}
	rest := []*Agent{target, survivor}
	eventually(t, 15*time.Second, "a new leader", func() bool { l := leaderOf(rest); return l != "" && l != leader })
	// Two more pods of the claim, without a nodeSelector: the claim alone keeps them on
	// its node (ReadWriteOnce: any number of pods, on one node).
	apply(t, survivor, deploymentYAML("more", 2, claimVolumes("data")))
	eventually(t, 15*time.Second, "3 pods on the claim's node", func() bool {
		p := placement(t, survivor)
		return len(p) == 3 && countOn(p, target.cfg.NodeName) == 3
	})
	for _, a := range rest {
		if b, v, ok := binding(a, "default/data"); !ok || b.Node != target.cfg.NodeName || v != version {
			t.Errorf("%s: binding %+v at %v, want the first one (%s at %v)", a.cfg.NodeName, b, v, target.cfg.NodeName, version)
		}
	}
	var pvc struct {
		Metadata struct{ Annotations map[string]string }
		Spec     struct{ VolumeName string }
		Status   struct{ Phase string }
	}
	if code := call(t, survivor, "GET", "/api/v1/persistentvolumeclaims/default/data", "", nil, &pvc); code != http.StatusOK ||
		pvc.Status.Phase != "Bound" || pvc.Spec.VolumeName != "swarm-default_data" ||
		pvc.Metadata.Annotations["volume.kubernetes.io/selected-node"] != target.cfg.NodeName {
		t.Errorf("GET pvc: HTTP %d %+v", code, pvc)
	}
}

// The claim's node dies: its pod is never placed elsewhere and stays Pending with the
// reason, past the dead-node grace; deleting the claim lets it go.
func TestClaimNodeDiesPodStaysPending(t *testing.T) {
	agents := startAgents(t, 3, nil)
	apply(t, agents[0], claimYAML("data", false)+"---\n"+deploymentYAML("db", 1, claimVolumes("data")))
	var victim, watcher *Agent
	eventually(t, 10*time.Second, "the pod placed", func() bool {
		for _, node := range placement(t, agents[0]) {
			for _, a := range agents {
				if a.cfg.NodeName == node {
					victim = a
				}
			}
		}
		return victim != nil
	})
	for _, a := range agents {
		if a != victim {
			watcher = a
		}
	}
	_ = victim.Shutdown(false)
	want := "its data is on node " + victim.cfg.NodeName + " (persistentVolumeClaim data) and " + victim.cfg.NodeName + " is dead"
	eventually(t, 15*time.Second, "the pod pending with its reason", func() bool {
		var l struct {
			Items []struct {
				Spec   struct{ NodeName string }
				Status struct{ Phase, Message string }
			}
		}
		call(t, watcher, "GET", "/api/v1/pods", "", nil, &l)
		return len(l.Items) == 1 && l.Items[0].Spec.NodeName == victim.cfg.NodeName &&
			l.Items[0].Status.Phase == "Pending" && strings.HasPrefix(l.Items[0].Status.Message, want)
	})
	// Well past the grace: still there, never elsewhere.
	for end := time.Now().Add(3 * victim.cfg.DeadGrace); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for _, a := range agents {
			if a == victim {
				continue
			}
			for name, node := range placement(t, a) {
				if node != victim.cfg.NodeName {
					t.Fatalf("%s: pod %s placed on %s, away from its data on %s", a.cfg.NodeName, name, node, victim.cfg.NodeName)
				}
			}
		}
	}
	// Deleting the claim gives up the data: the pod leaves the dead node, and waits.
	if code := call(t, watcher, "DELETE", "/api/v1/manifests/default/data?kind=PersistentVolumeClaim", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete claim: HTTP %d", code)
	}
	eventually(t, 15*time.Second, "the pod pending for its missing claim", func() bool {
		node, reason := podReason(t, watcher, "db-")
		return node == "" && strings.Contains(reason, `persistentvolumeclaim "data" not found`)
	})
	b, _, ok := binding(watcher, "default/data")
	if !ok || b.Released.IsZero() || b.Reclaim != "Delete" || b.Node != victim.cfg.NodeName {
		t.Errorf("binding after the delete = %+v, %v; want released with Delete on %s", b, ok, victim.cfg.NodeName)
	}
}

// volumeLog records the volumes each node deletes.
type volumeLog struct {
	mu      sync.Mutex
	deleted map[string][]string // node -> volumes
}

func (l *volumeLog) remover(node string) func(context.Context, string) error {
	return func(_ context.Context, name string) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.deleted[node] = append(l.deleted[node], name)
		return nil
	}
}

func (l *volumeLog) of(node string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.deleted[node])
}

// A claim in use is deleted as Kubernetes' pvc-protection has it: Terminating until its
// pods are gone. Its volume is then deleted on its node (Delete), or kept (Retain).
func TestClaimDeleteWaitsForItsPods(t *testing.T) {
	vols := &volumeLog{deleted: map[string][]string{}}
	agents := startAgents(t, 3, func(i int, c *Config) { c.removeVolume = vols.remover(c.NodeName) })
	apply(t, agents[0], claimYAML("scratch", false)+"---\n"+claimYAML("keep", true)+"---\n"+
		deploymentYAML("app", 2, claimVolumes("scratch", "keep")))
	var node string
	eventually(t, 10*time.Second, "both claims bound", func() bool {
		a, _, okA := binding(agents[1], "default/scratch")
		b, _, okB := binding(agents[1], "default/keep")
		node = a.Node
		return okA && okB && a.Node == b.Node && len(placement(t, agents[1])) == 2
	})
	// The deletes go to agents[2], which must hold the claims first: gossip may bring them
	// there after agents[1] saw them bound.
	eventually(t, 10*time.Second, "both claims on the third agent", func() bool {
		st := store.Read(agents[2].Node(), testLogger())
		return st.Claims["default/scratch"] != nil && st.Claims["default/keep"] != nil
	})
	for _, claim := range []string{"scratch", "keep"} {
		var res api.Applied
		if code := call(t, agents[2], "DELETE", "/api/v1/manifests/default/"+claim+"?kind=persistentvolumeclaims", "", nil, &res); code != http.StatusOK || res.Result != "deleted" {
			t.Fatalf("delete %s: HTTP %d %+v", claim, code, res)
		}
	}
	var pvcs struct {
		Items []struct {
			Metadata struct {
				Name              string
				DeletionTimestamp *time.Time
				Finalizers        []string
			}
		}
	}
	eventually(t, 5*time.Second, "both claims terminating", func() bool {
		call(t, agents[0], "GET", "/api/v1/persistentvolumeclaims", "", nil, &pvcs)
		n := 0
		for _, c := range pvcs.Items {
			if c.Metadata.DeletionTimestamp != nil && slices.Contains(c.Metadata.Finalizers, "kubernetes.io/pvc-protection") {
				n++
			}
		}
		return n == 2
	})
	time.Sleep(500 * time.Millisecond) // plans go by: the pods keep their claims
	call(t, agents[0], "GET", "/api/v1/persistentvolumeclaims", "", nil, &pvcs)
	if len(pvcs.Items) != 2 || len(placement(t, agents[0])) != 2 {
		t.Fatalf("claims %+v, pods %v: want both claims and pods kept", pvcs.Items, placement(t, agents[0]))
	}
	// A new pod may not start on a claim being deleted.
	apply(t, agents[0], `apiVersion: v1
kind: Pod
metadata: {name: late}
spec:
  containers: [{name: main, image: localhost/test:1}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: scratch}}]
`)
	eventually(t, 5*time.Second, "the late pod pending", func() bool {
		_, reason := podReason(t, agents[0], "late")
		return strings.Contains(reason, `persistentvolumeclaim "scratch" is being deleted`)
	})
	if code := call(t, agents[0], "DELETE", "/api/v1/manifests/default/app?kind=Deployment", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete deployment: HTTP %d", code)
	}
	eventually(t, 10*time.Second, "both claims gone and their bindings released", func() bool {
		call(t, agents[1], "GET", "/api/v1/persistentvolumeclaims", "", nil, &pvcs)
		a, _, _ := binding(agents[1], "default/scratch")
		b, _, _ := binding(agents[1], "default/keep")
		return len(pvcs.Items) == 0 && a.Reclaim == "Delete" && b.Reclaim == "Retain"
	})
	eventually(t, 5*time.Second, "the leader's deletes recorded as the API's are", func() bool {
		for _, claim := range []string{"scratch", "keep"} {
			tomb, ok := agents[2].Node().Lookup(store.ObjectKey(store.PrefixClaim, "default", claim))
			e, recorded := agents[2].Node().Get(store.DeletionKey(store.ObjectKey(store.PrefixClaim, "default", claim)))
			var d store.Deletion
			if !ok || !tomb.Deleted || !recorded || json.Unmarshal(e.Value, &d) != nil || d.Tombstone != tomb.Version || len(d.Seen) == 0 {
				return false
			}
		}
		return true
	})
	eventually(t, 10*time.Second, "the Delete claim's volume deleted on its node", func() bool {
		return slices.Equal(vols.of(node), []string{"swarm-default_scratch"})
	})
	time.Sleep(300 * time.Millisecond)
	for _, a := range agents {
		got := vols.of(a.cfg.NodeName)
		if a.cfg.NodeName == node && !slices.Equal(got, []string{"swarm-default_scratch"}) || a.cfg.NodeName != node && len(got) > 0 {
			t.Errorf("%s deleted %v; only %s deletes, and only the Delete claim's volume, once", a.cfg.NodeName, got, node)
		}
	}
}

// Hostile input: a pod naming a missing claim is refused whole; two pods whose
// nodeSelectors force two nodes share one ReadWriteOnce claim: the second waits, with the
// reason, and is never placed elsewhere.
func TestClaimHostileInput(t *testing.T) {
	agents := startAgents(t, 3, func(i int, c *Config) { c.Labels = map[string]string{"zone": fmt.Sprint(i)} })
	var e api.APIError
	bad := claimYAML("other", false) + "---\n" + deploymentYAML("web", 1, claimVolumes("nope"))
	if code := call(t, agents[0], "POST", "/api/v1/manifests", "application/yaml", []byte(bad), &e); code != http.StatusUnprocessableEntity ||
		len(e.Details) != 1 || !strings.HasSuffix(e.Details[0], `spec.template.spec.volumes[0].persistentVolumeClaim.claimName: persistentvolumeclaim "nope" not found`) {
		t.Fatalf("HTTP %d %+v", code, e)
	}
	if n := len(agents[0].Node().List(store.PrefixClaim)) + len(agents[0].Node().List(store.PrefixDeployment)); n != 0 {
		t.Fatalf("a refused apply stored %d objects", n)
	}
	pod := func(name, zone string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  nodeSelector: {zone: %q}
  containers: [{name: main, image: localhost/test:1}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: shared}}]
`, name, zone)
	}
	apply(t, agents[0], claimYAML("shared", false)+"---\n"+pod("first", "0"))
	eventually(t, 10*time.Second, "the first pod on n0", func() bool { return placement(t, agents[1])["first"] == "n0" })
	apply(t, agents[0], pod("second", "1"))
	want := "0/3 nodes are available: 2 node(s) didn't match nodeSelector, 1 node(s) had volume node affinity conflict."
	eventually(t, 10*time.Second, "the second pod pending", func() bool {
		_, reason := podReason(t, agents[2], "second")
		return reason == want
	})
	time.Sleep(500 * time.Millisecond)
	for _, a := range agents {
		if node, ok := placement(t, a)["second"]; ok {
			t.Errorf("%s: the second pod placed on %s", a.cfg.NodeName, node)
		}
	}
}
