package scheduler

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// claimUsers maps each claim key to the nodes its assigned pods are on, pod key -> node.
func claimUsers(as []Assignment) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, a := range as {
		for _, name := range manifest.ClaimNames(&a.Pod.Spec) {
			key := a.Pod.Namespace + "/" + name
			if out[key] == nil {
				out[key] = map[string]string{}
			}
			out[key][a.Pod.Key()] = a.Node
		}
	}
	return out
}

// Through a run of plans while nodes die, come back and leave, and claims are deleted:
// every pod of a claim is on the claim's node, which never changes; a ReadWriteOncePod
// claim has one pod at most; a pod of a claim is never removed while its claim stands;
// and every plan is a fixed point.
func TestClaimProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var nodes []Node
		for i := rapid.IntRange(1, 6).Draw(t, "nodes"); i > 0; i-- {
			nodes = append(nodes, alive(fmt.Sprintf("n%d", i), drawLabels(t, "node")...))
		}
		claims := map[string]Claim{}
		pool := []string{"c0", "c1", "c2", "missing"}
		for _, name := range pool[:3] {
			c := Claim{OncePod: rapid.Bool().Draw(t, "oncePod")}
			if rapid.IntRange(0, 3).Draw(t, "prebound") == 0 {
				c.Node = rapid.SampledFrom(nodes).Draw(t, "boundTo").Name
			}
			claims["default/"+name] = c
		}
		in := input(nodes, nil)
		in.Claims = claims
		in.Seed = rapid.Uint64().Draw(t, "seed")
		for i := rapid.IntRange(0, 4).Draw(t, "deployments"); i > 0; i-- {
			opts := []func(*appsv1.Deployment){selector(drawLabels(t, "selector")...)}
			if c := rapid.IntRange(-1, len(pool)-1).Draw(t, "depClaim"); c >= 0 {
				opts = append(opts, claimData(pool[c]))
			}
			in.Deployments = append(in.Deployments, deploy(fmt.Sprintf("d%d", i), rapid.IntRange(0, 4).Draw(t, "replicas"), opts...))
		}
		for i := rapid.IntRange(0, 4).Draw(t, "barePods"); i > 0; i-- {
			p := barePodManifest(fmt.Sprintf("bare%d", i))
			if c := rapid.IntRange(-1, len(pool)-1).Draw(t, "bareClaim"); c >= 0 {
				p = bareWithClaim(p.Name, pool[c], drawLabels(t, "bareSelector")...)
			}
			in.Pods = append(in.Pods, p)
		}
		bindings := map[string]string{}
		for k, c := range claims {
			if c.Node != "" {
				bindings[k] = c.Node
			}
		}
		for round := 0; round < 8; round++ {
			in.Now = t0.Add(time.Duration(round) * grace * 2)
			out := Plan(in)
			if out.NoQuorum != "" {
				break
			}
			for _, r := range out.Delete {
				for _, name := range manifest.ClaimNames(&r.Pod.Spec) {
					if c, ok := in.Claims["default/"+name]; ok && !c.Deleting {
						t.Fatalf("round %d: pod %s of claim %s removed from %s: %s", round, r.Pod.Key(), name, r.Node, r.Reason)
					}
				}
			}
			for k, n := range out.Bind {
				if was, ok := bindings[k]; ok && was != n {
					t.Fatalf("round %d: claim %s bound again, to %s, was %s", round, k, n, was)
				}
				bindings[k] = n
			}
			if again := Plan(applyClaims(in, out)); !again.Empty() {
				t.Fatalf("round %d: not a fixed point: creates %v, deletes %v, binds %v, releases %v",
					round, keys(again.Create), removedKeys(again.Delete), again.Bind, again.Unused)
			}
			in = markReady(applyClaims(in, out))
			for _, k := range out.Unused {
				delete(bindings, k)
			}
			for key, users := range claimUsers(in.Assignments) {
				c, ok := in.Claims[key]
				if !ok {
					continue
				}
				for pod, n := range users {
					if n != c.Node {
						t.Fatalf("round %d: pod %s of claim %s on %s, claim bound to %q", round, pod, key, n, c.Node)
					}
				}
				if c.OncePod && len(users) > 1 {
					t.Fatalf("round %d: ReadWriteOncePod claim %s used by %v", round, key, users)
				}
			}
			// The cluster changes: a node dies, comes back or leaves; a claim is deleted.
			i := rapid.IntRange(0, len(in.Nodes)-1).Draw(t, "changed")
			state := rapid.SampledFrom([]NodeState{NodeAlive, NodeDead, NodeLeft, NodeSuspect}).Draw(t, "newState")
			in.Nodes[i] = Node{Name: in.Nodes[i].Name, Labels: in.Nodes[i].Labels, State: state, Since: in.Now}
			if rapid.IntRange(0, 5).Draw(t, "deleteClaim") == 0 {
				k := "default/" + rapid.SampledFrom(pool[:3]).Draw(t, "deleted")
				if c, ok := in.Claims[k]; ok {
					c.Deleting = true
					in.Claims[k] = c
				}
			}
		}
	})
}
