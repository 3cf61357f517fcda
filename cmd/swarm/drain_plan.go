package main

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/scheduler"
)

// drainPlan is the pods on a node, namespace/name, sorted by what a drain does with them.
type drainPlan struct {
	move     []string // leave, under any flags
	bare     []string // no controller: leave with --force
	local    []string // data on the node: leave with --delete-local-data
	daemon   []string // a DaemonSet's: stay, and need --ignore-daemonsets
	stateful []string // a StatefulSet's: stay
}

// planDrain sorts the pods that run on node; finished pods are left out, as kubectl does.
func planDrain(pods []corev1.Pod, node string) drainPlan {
	var plan drainPlan
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName != node || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		key := p.Namespace + "/" + p.Name
		switch owner := ownerKind(p); {
		case owner == "DaemonSet":
			plan.daemon = append(plan.daemon, key)
		case owner == "StatefulSet":
			plan.stateful = append(plan.stateful, key)
		case len(scheduler.Pinned(&p.Spec)) > 0:
			plan.local = append(plan.local, key)
		case owner == "":
			plan.bare = append(plan.bare, key)
		default:
			plan.move = append(plan.move, key)
		}
	}
	return plan
}

func ownerKind(p *corev1.Pod) string {
	if len(p.OwnerReferences) == 0 {
		return ""
	}
	return p.OwnerReferences[0].Kind
}

// refusals are kubectl's reasons not to drain, for the pods the flags do not let go.
func (plan drainPlan) refusals(o drainOptions) []string {
	var out []string
	if len(plan.bare) > 0 && !o.force {
		out = append(out, fmt.Sprintf("cannot delete Pods that declare no controller (use --force to override): %s", strings.Join(plan.bare, ", ")))
	}
	if len(plan.daemon) > 0 && !o.ignoreDaemonSets {
		out = append(out, fmt.Sprintf("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): %s", strings.Join(plan.daemon, ", ")))
	}
	if len(plan.local) > 0 && !o.deleteLocalData {
		out = append(out, fmt.Sprintf("cannot delete Pods with local storage (use --delete-local-data to override): %s", strings.Join(plan.local, ", ")))
	}
	return out
}

// leaving are the pods the drain moves away, under the flags.
func (plan drainPlan) leaving(o drainOptions) []string {
	out := append([]string(nil), plan.move...)
	if o.force {
		out = append(out, plan.bare...)
	}
	if o.deleteLocalData {
		out = append(out, plan.local...)
	}
	return out
}

// drainStatus tells, for each pod of keys still on node, why it has not left yet ("" when
// nothing says): what the leader says of it, or why its Deployment's replacement fits no
// node. Pods that left are absent.
func drainStatus(pods []corev1.Pod, node string, keys []string) map[string]string {
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	// Why each owner's new pods fit nowhere, by namespace/owner.
	unplaced := map[string]string{}
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName != "" || len(p.OwnerReferences) == 0 {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
				unplaced[p.Namespace+"/"+p.OwnerReferences[0].Name] = c.Message
			}
		}
	}
	out := map[string]string{}
	for i := range pods {
		p := &pods[i]
		key := p.Namespace + "/" + p.Name
		if !want[key] || p.Spec.NodeName != node {
			continue
		}
		why := p.Status.Message
		if len(p.OwnerReferences) > 0 && unplaced[p.Namespace+"/"+p.OwnerReferences[0].Name] != "" {
			why = "its replacement fits no other node: " + unplaced[p.Namespace+"/"+p.OwnerReferences[0].Name]
		}
		out[key] = why
	}
	return out
}
