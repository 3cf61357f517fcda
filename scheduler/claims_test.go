package scheduler

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func claimVolume(name, claim string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
}

// claimData gives a Deployment's pods the claim mounted at /data.
func claimData(claim string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) { withVolume(&d.Spec.Template.Spec, claimVolume("data", claim), false) }
}

// bareWithClaim is a bare pod that mounts claim, with a nodeSelector of kv.
func bareWithClaim(name, claim string, kv ...string) *corev1.Pod {
	p := barePodManifest(name)
	withVolume(&p.Spec, claimVolume("data", claim), false)
	p.Spec.NodeSelector = pairs(kv)
	return p
}

// applyClaims is apply with the plan's claim records written too, as the caller writes
// them: bindings recorded, unused claims being deleted gone.
func applyClaims(in Input, out Output) Input {
	in = apply(in, out)
	claims := map[string]Claim{}
	for k, c := range in.Claims {
		claims[k] = c
	}
	for k, n := range out.Bind {
		c := claims[k]
		c.Node = n
		claims[k] = c
	}
	for _, k := range out.Unused {
		delete(claims, k)
	}
	in.Claims = claims
	return in
}

func mustBeClaimFixedPoint(t *testing.T, in Input, out Output) {
	t.Helper()
	again := Plan(applyClaims(in, out))
	if !again.Empty() {
		t.Fatalf("not a fixed point: second plan creates %v, deletes %v, binds %v, releases %v",
			keys(again.Create), removedKeys(again.Delete), again.Bind, again.Unused)
	}
}

func pendingReason(out Output, podKey string) string {
	for _, p := range out.Pending {
		if p.Pod.Key() == podKey {
			return p.Reason
		}
	}
	return ""
}

var threeNodes = []Node{alive("a", "zone", "1"), alive("b", "zone", "2"), alive("c", "zone", "3")}

func TestClaimBindsToFirstPodsNode(t *testing.T) {
	d := deploy("db", 3, claimData("data"))
	in := input(threeNodes, []*appsv1.Deployment{d})
	in.Claims = map[string]Claim{"default/data": {}}
	out := Plan(in)
	if len(out.Create) != 3 {
		t.Fatalf("created %v, want 3 pods", keys(out.Create))
	}
	bound := out.Bind["default/data"]
	if bound == "" || len(out.Bind) != 1 {
		t.Fatalf("Bind = %v, want the claim bound", out.Bind)
	}
	for _, c := range out.Create {
		if c.Node != bound {
			t.Errorf("pod %s on %s, want every pod of the claim on %s", c.Pod.Key(), c.Node, bound)
		}
	}
	mustBeClaimFixedPoint(t, in, out)
}

func TestBoundClaimKeepsPodsOnItsNode(t *testing.T) {
	d := deploy("db", 2, claimData("data"))
	in := input(threeNodes, []*appsv1.Deployment{d})
	in.Claims = map[string]Claim{"default/data": {Node: "c"}}
	out := Plan(in)
	if len(out.Bind) != 0 {
		t.Errorf("Bind = %v, want nothing: the claim is bound", out.Bind)
	}
	for _, c := range out.Create {
		if c.Node != "c" {
			t.Errorf("pod %s on %s, want c", c.Pod.Key(), c.Node)
		}
	}
	mustBeClaimFixedPoint(t, in, out)
}

func TestClaimOfRunningPodsIsBound(t *testing.T) {
	// Pods placed before their claim was bound (a record lost, an older leader) bind it
	// to their node: later pods follow them, not the other way round.
	d := deploy("db", 2, claimData("data"))
	in := input(threeNodes, []*appsv1.Deployment{d}, on(d, 0, "b"))
	in.Claims = map[string]Claim{"default/data": {}}
	out := Plan(in)
	if out.Bind["default/data"] != "b" {
		t.Fatalf("Bind = %v, want default/data on b", out.Bind)
	}
	if len(out.Create) != 1 || out.Create[0].Node != "b" || len(out.Delete) != 0 {
		t.Fatalf("created %v deleted %v, want the second pod on b", out.Create, out.Delete)
	}
	mustBeClaimFixedPoint(t, in, out)
}

func TestClaimReasons(t *testing.T) {
	dead := []Node{alive("a"), alive("b"), inState("c", NodeDead, 2*grace)}
	tests := []struct {
		name   string
		nodes  []Node
		pods   []*corev1.Pod
		claims map[string]Claim
		as     []string // bare pods already placed, as name@node
		pod    string   // the pod to look at
		want   string   // its pending reason
	}{
		{"missing claim", threeNodes, []*corev1.Pod{bareWithClaim("p", "nope")}, nil, nil, "p",
			`0/3 nodes are available: persistentvolumeclaim "nope" not found.`},
		{"claim being deleted", threeNodes, []*corev1.Pod{bareWithClaim("p", "data")},
			map[string]Claim{"default/data": {Deleting: true}}, nil, "p",
			`0/3 nodes are available: persistentvolumeclaim "data" is being deleted.`},
		{"read write once pod in use", threeNodes, []*corev1.Pod{bareWithClaim("p", "data"), bareWithClaim("q", "data")},
			map[string]Claim{"default/data": {Node: "b", OncePod: true}}, []string{"p@b"}, "q",
			"0/3 nodes are available: 2 node(s) had volume node affinity conflict, 1 node(s) had a pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode."},
		{"selector against the claim's node", threeNodes, []*corev1.Pod{bareWithClaim("p", "data", "zone", "1")},
			map[string]Claim{"default/data": {Node: "b"}}, nil, "p",
			"0/3 nodes are available: 2 node(s) didn't match nodeSelector, 1 node(s) had volume node affinity conflict."},
		{"claim's node dead", dead, []*corev1.Pod{bareWithClaim("p", "data")},
			map[string]Claim{"default/data": {Node: "c"}}, nil, "p",
			`its data is on node c (persistentVolumeClaim data) and c is dead; it runs again when c returns, or after "swarm delete pvc data"`},
		{"claim's node not a member", threeNodes, []*corev1.Pod{bareWithClaim("p", "data")},
			map[string]Claim{"default/data": {Node: "gone"}}, nil, "p",
			`its data is on node gone (persistentVolumeClaim data) and gone is not a member; it runs again when gone returns, or after "swarm delete pvc data"`},
		{"running pod on a dead node stays", dead, []*corev1.Pod{bareWithClaim("p", "data")},
			map[string]Claim{"default/data": {Node: "c"}}, []string{"p@c"}, "p",
			`its data is on node c (persistentVolumeClaim data) and c is dead; it runs again when c returns, or after "swarm delete pvc data"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.nodes, nil)
			in.Pods, in.Claims = tt.pods, tt.claims
			byName := map[string]*corev1.Pod{}
			for _, p := range tt.pods {
				byName[p.Name] = p
			}
			for _, a := range tt.as {
				name, node, _ := strings.Cut(a, "@")
				in.Assignments = append(in.Assignments, Assignment{Pod: manifest.BarePod(byName[name]), Node: node,
					Status: PodStatus{Phase: corev1.PodRunning, Ready: true}})
			}
			out := Plan(in)
			if got := pendingReason(out, "default/"+tt.pod); got != tt.want {
				t.Errorf("reason =\n  %s\nwant\n  %s", got, tt.want)
			}
			for _, c := range out.Create {
				if c.Pod.Name == tt.pod {
					t.Errorf("pod %s placed on %s, want it pending", tt.pod, c.Node)
				}
			}
			if len(out.Delete) != 0 {
				t.Errorf("deleted %v, want nothing moved", removedKeys(out.Delete))
			}
			mustBeClaimFixedPoint(t, in, out)
		})
	}
}

func TestStrandedClaimPodNamesTheClaim(t *testing.T) {
	// A Deployment's pod is given up by deleting its claim, not its pod (which would come
	// back), nor by removing its node (which does not bring the data back).
	d := deploy("db", 1, claimData("data"))
	d.Namespace = "shop"
	nodes := []Node{alive("a"), alive("b"), inState("c", NodeDead, 2*grace)}
	a := on(d, 0, "c")
	in := input(nodes, []*appsv1.Deployment{d}, a)
	in.Claims = map[string]Claim{"shop/data": {Node: "c"}}
	out := Plan(in)
	want := `its data is on node c (persistentVolumeClaim data) and c is dead; it runs again when c returns, or after "swarm delete pvc data -n shop"`
	if got := pendingReason(out, a.Pod.Key()); got != want {
		t.Errorf("reason =\n  %s\nwant\n  %s", got, want)
	}
	if len(out.Create)+len(out.Delete) != 0 {
		t.Errorf("created %v deleted %v, want the pod left with its data", keys(out.Create), removedKeys(out.Delete))
	}
}

func TestTwoPodsPinnedApartOnOneClaim(t *testing.T) {
	// Hostile: two pods whose nodeSelectors force different nodes, one ReadWriteOnce claim.
	// The first binds it; the second stays Pending with the reason, never placed elsewhere.
	in := input(threeNodes, nil)
	in.Pods = []*corev1.Pod{bareWithClaim("p1", "data", "zone", "1"), bareWithClaim("p2", "data", "zone", "2")}
	in.Claims = map[string]Claim{"default/data": {}}
	for round := 0; round < 3; round++ {
		out := Plan(in)
		if round == 0 && out.Bind["default/data"] != "a" {
			t.Fatalf("Bind = %v, want the claim on a, p1's node", out.Bind)
		}
		for _, c := range out.Create {
			if c.Pod.Name == "p2" {
				t.Fatalf("round %d: p2 placed on %s, want it pending", round, c.Node)
			}
		}
		want := "0/3 nodes are available: 2 node(s) didn't match nodeSelector, 1 node(s) had volume node affinity conflict."
		if got := pendingReason(out, "default/p2"); got != want {
			t.Fatalf("round %d: reason = %q, want %q", round, got, want)
		}
		in = applyClaims(in, out)
	}
}

func TestDeletingClaim(t *testing.T) {
	d := deploy("db", 1, claimData("data"))
	t.Run("in use on an alive node: kept", func(t *testing.T) {
		in := input(threeNodes, []*appsv1.Deployment{d}, on(d, 0, "a"))
		in.Claims = map[string]Claim{"default/data": {Node: "a", Deleting: true}}
		out := Plan(in)
		if len(out.Unused) != 0 || len(out.Delete) != 0 {
			t.Errorf("unused %v, deleted %v: want the claim kept while its pod runs", out.Unused, removedKeys(out.Delete))
		}
	})
	t.Run("unused: released", func(t *testing.T) {
		in := input(threeNodes, nil)
		in.Claims = map[string]Claim{"default/data": {Node: "a", Deleting: true}, "default/other": {Node: "b"}}
		out := Plan(in)
		if strings.Join(out.Unused, ",") != "default/data" {
			t.Errorf("Unused = %v, want default/data", out.Unused)
		}
		mustBeClaimFixedPoint(t, in, out)
	})
	t.Run("its node gone: the pod is let go", func(t *testing.T) {
		nodes := []Node{alive("a"), alive("b"), inState("c", NodeDead, 2*grace)}
		in := input(nodes, []*appsv1.Deployment{d}, on(d, 0, "c"))
		in.Claims = map[string]Claim{"default/data": {Node: "c", Deleting: true}}
		out := Plan(in)
		if removedKeys(out.Delete)[0] != key(d, 0) || len(out.Create) != 0 {
			t.Fatalf("created %v deleted %v, want the pod removed and not placed again", keys(out.Create), removedKeys(out.Delete))
		}
		if got, want := pendingReason(out, key(d, 0)), `0/3 nodes are available: persistentvolumeclaim "data" is being deleted.`; got != want {
			t.Errorf("reason = %q, want %q", got, want)
		}
		if strings.Join(out.Unused, ",") != "default/data" {
			t.Errorf("Unused = %v, want default/data", out.Unused)
		}
		next := Plan(applyClaims(in, out))
		if got, want := pendingReason(next, key(d, 0)), `0/3 nodes are available: persistentvolumeclaim "data" not found.`; got != want {
			t.Errorf("once the claim is gone, reason = %q, want %q", got, want)
		}
	})
}

func TestClaimNodeReturns(t *testing.T) {
	// The claim's node dies past the grace and comes back: its pod never moved, and runs
	// there again.
	d := deploy("db", 1, claimData("data"))
	nodes := []Node{alive("a"), alive("b"), inState("c", NodeDead, 2*grace)}
	in := input(nodes, []*appsv1.Deployment{d}, on(d, 0, "c"))
	in.Claims = map[string]Claim{"default/data": {Node: "c"}}
	out := Plan(in)
	if !out.Empty() {
		t.Fatalf("while c is dead: created %v deleted %v", keys(out.Create), removedKeys(out.Delete))
	}
	in.Nodes[2] = Node{Name: "c", State: NodeAlive, Since: t0}
	out = Plan(in)
	if !out.Empty() || len(out.Pending) != 0 {
		t.Fatalf("once c is back: created %v deleted %v pending %v", keys(out.Create), removedKeys(out.Delete), out.Pending)
	}
}
