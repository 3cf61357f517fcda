package scheduler

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"pgregory.net/rapid"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// drawDaemonSetInput draws a cluster with DaemonSets (selectors, host ports, strategies)
// and pods of them, of the current or an older template, that an earlier leader could
// have left: on matching nodes or not, on nodes in every state, some on nodes gone from
// the membership, and some Deployments beside them.
func drawDaemonSetInput(t *rapid.T) Input {
	nodes := drawNodes(t)
	var sets []*appsv1.DaemonSet
	for i := rapid.IntRange(1, 4).Draw(t, "daemonSets"); i > 0; i-- {
		opts := []func(*appsv1.DaemonSet){dsSelector(drawLabels(t, "dsSelector")...)}
		if p := rapid.SampledFrom(ports).Draw(t, "dsPort"); p != 0 {
			opts = append(opts, dsPort(p))
		}
		switch rapid.IntRange(0, 3).Draw(t, "dsStrategy") {
		case 0:
			opts = append(opts, onDelete)
		case 1:
			opts = append(opts, dsRolling(intstr.FromInt32(0), intstr.FromInt32(int32(rapid.IntRange(1, 3).Draw(t, "surge")))))
		case 2:
			opts = append(opts, dsRolling(intstr.FromString(rapid.SampledFrom([]string{"10%", "50%", "100%"}).Draw(t, "pct")), intstr.FromInt32(0)))
		}
		sets = append(sets, daemonSetOf(fmt.Sprintf("ds%d", i), opts...))
	}
	names := []string{"gone-node"}
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	var as []Assignment
	taken := map[string]bool{}
	used := map[string]map[int32]bool{}
	for i := rapid.IntRange(0, 80).Draw(t, "dsPods"); i > 0; i-- {
		ds := sets[rapid.IntRange(0, len(sets)-1).Draw(t, "owner")]
		if rapid.IntRange(0, 2).Draw(t, "old") == 0 {
			ds = daemonSetOf(ds.Name, dsImage("example.org/old:1"), dsSelector(drawLabels(t, "oldSelector")...))
		}
		node := rapid.SampledFrom(names).Draw(t, "node")
		a := Assignment{Pod: manifest.DaemonSetPod(ds, node, nil), Node: node, Status: PodStatus{
			Phase: corev1.PodRunning, Ready: rapid.Bool().Draw(t, "ready")}}
		if taken[a.Pod.Key()] {
			continue
		}
		if used[node] == nil {
			used[node] = map[int32]bool{}
		}
		clash := false
		for _, p := range manifest.PublishedPorts(&a.Pod.Spec) {
			clash = clash || used[node][p.HostPort]
		}
		if clash {
			continue
		}
		for _, p := range manifest.PublishedPorts(&a.Pod.Spec) {
			used[node][p.HostPort] = true
		}
		taken[a.Pod.Key()] = true
		as = append(as, a)
	}
	var deps []*appsv1.Deployment
	for i := rapid.IntRange(0, 3).Draw(t, "deployments"); i > 0; i-- {
		deps = append(deps, drawDeployment(t, i, true))
	}
	in := dsInput(nodes, sets, as...)
	in.Deployments = deps
	in.Seed = rapid.Uint64().Draw(t, "seed")
	return in
}

// dsMaxUnavailable is a rolling update's bound as the property checks it, resolved
// independently of the scheduler's code.
func dsMaxUnavailable(ds *appsv1.DaemonSet, desired int) (unavailable, surge int) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	unavailable = 1
	if ru != nil {
		unavailable, _ = intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
		surge, _ = intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true)
	}
	return unavailable, surge
}

func TestDaemonSetProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawDaemonSetInput(t)
		out := Plan(in)
		after := apply(in, out)
		nodes := map[string]Node{}
		for _, n := range in.Nodes {
			nodes[n.Name] = n
		}
		// Pods never move: every pod of a DaemonSet the plan creates is on the node its
		// spec names, an alive one.
		for _, c := range out.Create {
			if c.Pod.OwnerKind != manifest.OwnerDaemonSet {
				continue
			}
			if c.Pod.Spec.NodeName != c.Node || nodes[c.Node].State != NodeAlive {
				t.Fatalf("pod %s created on %s (nodeName %q, state %q)", c.Pod.Key(), c.Node, c.Pod.Spec.NodeName, nodes[c.Node].State)
			}
		}
		for _, ds := range in.DaemonSets {
			perNode := map[string][]Assignment{}
			for _, a := range after.Assignments {
				if a.Pod.OwnerKind == manifest.OwnerDaemonSet && a.Pod.Owner == ds.Name {
					perNode[a.Node] = append(perNode[a.Node], a)
				}
			}
			hash := manifest.DaemonSetHash(ds, nil)
			wants := func(n Node) bool {
				return nodeKeepsPods(in, n.Name) && n.State != NodeRemoved && manifest.DaemonSetWants(ds, n.Name, n.Labels)
			}
			desired := 0
			for _, n := range in.Nodes {
				if wants(n) {
					desired++
				}
			}
			maxUnavailable, maxSurge := dsMaxUnavailable(ds, desired)
			for name, pods := range perNode {
				n, member := nodes[name]
				// No pod on a node that should not run it, nor on a node that is gone.
				if !member || !wants(n) {
					t.Fatalf("%s keeps %d pod(s) on %s (member %v, state %q, labels %v)", ds.Name, len(pods), name, member, n.State, n.Labels)
				}
				// At most one pod per node; two while surging, or while the new pod
				// is not ready and an old one is.
				handover := len(pods) == 2 && (pods[0].Pod.TemplateHash == hash) != (pods[1].Pod.TemplateHash == hash) &&
					pods[0].Status.Ready != pods[1].Status.Ready
				if len(pods) > 2 || len(pods) == 2 && maxSurge == 0 && !handover {
					t.Fatalf("%s runs %d pods on %s without surge", ds.Name, len(pods), name)
				}
			}
			// Every alive node that should run it runs one, or says why not.
			pending := map[string]bool{}
			for _, p := range out.Pending {
				if p.Pod.Owner == ds.Name && p.Pod.OwnerKind == manifest.OwnerDaemonSet {
					pending[p.Pod.Spec.NodeName] = true
				}
			}
			for _, n := range in.Nodes {
				if n.State == NodeAlive && wants(n) && len(perNode[n.Name]) == 0 && !pending[n.Name] {
					t.Fatalf("%s: alive node %s should run it and runs nothing", ds.Name, n.Name)
				}
			}
			// OnDelete never leaves a node that should run it without a pod (a duplicate
			// may go). The rolling update takes the available pod of a node that keeps
			// running the DaemonSet only within maxUnavailable (with maxSurge 0), and
			// never with maxSurge, where the old pod goes only once the new is available.
			if ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
				for _, r := range out.Delete {
					if r.Pod.Owner == ds.Name && r.Pod.OwnerKind == manifest.OwnerDaemonSet && wants(nodes[r.Node]) && len(perNode[r.Node]) == 0 {
						t.Fatalf("OnDelete %s lost its pod on %s: %s", ds.Name, r.Node, r.Reason)
					}
				}
				continue
			}
			unavailableBefore := 0
			for _, n := range in.Nodes {
				if !wants(n) {
					continue
				}
				ok := false
				for _, a := range in.Assignments {
					if a.Node == n.Name && a.Pod.Owner == ds.Name && a.Pod.OwnerKind == manifest.OwnerDaemonSet && a.Status.Ready && n.State == NodeAlive {
						ok = true
					}
				}
				if !ok {
					unavailableBefore++
				}
			}
			// Nodes that had an available pod and have none once the plan is applied.
			lostAvailability := 0
			for _, n := range in.Nodes {
				if !wants(n) || n.State != NodeAlive {
					continue
				}
				before, afterOK := false, false
				for _, a := range in.Assignments {
					if a.Node == n.Name && a.Pod.Owner == ds.Name && a.Pod.OwnerKind == manifest.OwnerDaemonSet && a.Status.Ready {
						before = true
					}
				}
				for _, a := range perNode[n.Name] {
					afterOK = afterOK || a.Status.Ready
				}
				if before && !afterOK {
					lostAvailability++
				}
			}
			for _, r := range out.Delete {
				if r.Pod.Owner == ds.Name && r.Pod.OwnerKind == manifest.OwnerDaemonSet && wants(nodes[r.Node]) &&
					r.Pod.TemplateHash == hash && len(perNode[r.Node]) == 0 {
					t.Fatalf("%s: the current template's pod on %s removed: %s", ds.Name, r.Node, r.Reason)
				}
			}
			if maxSurge > 0 && lostAvailability > 0 {
				// Surge removes an available old pod only beside an available new one.
				t.Fatalf("%s: %d nodes lost their available pod while surging", ds.Name, lostAvailability)
			}
			if limit := max(maxUnavailable-unavailableBefore, 0); lostAvailability > limit {
				t.Fatalf("%s: %d nodes lost their available pod, %d unavailable before, maxUnavailable %d", ds.Name, lostAvailability, unavailableBefore, maxUnavailable)
			}
		}
		mustBeFixedPointRapid(t, in, out)
	})
}
