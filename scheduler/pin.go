package scheduler

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Pinned lists what ties a pod to the node that runs it: the volumes whose data lives on
// that node and that the pod may write, spelled for people ("hostPath /srv/db"), in the
// order of spec.volumes. A pod with any is pinned: it never runs on another node while its
// node may come back, because a copy elsewhere would start without the data, and two
// copies, one on each side of a partition, would each write their own.
//
// Today a writable hostPath pins: a hostPath volume that a container or init container
// mounts without readOnly. A hostPath mounted only readOnly (the same files on every node,
// certificates say) and an emptyDir (made afresh with the pod, thrown away with it) do not.
// Volumes kept on a node by other means (the PersistentVolumeClaims to come, when bound to
// a node's disk) are to pin by the same rule, here.
func Pinned(spec *corev1.PodSpec) []string {
	writable := map[string]bool{}
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range cs {
			for _, m := range c.VolumeMounts {
				if !m.ReadOnly {
					writable[m.Name] = true
				}
			}
		}
	}
	var out []string
	for _, v := range spec.Volumes {
		if v.HostPath != nil && writable[v.Name] {
			out = append(out, "hostPath "+v.HostPath.Path)
		}
	}
	return out
}

// pin is why a pod stays on its node, when it is pinned.
type pin struct {
	volumes []string // as Pinned spells them
}

func pinOf(spec *corev1.PodSpec) *pin {
	if vs := Pinned(spec); len(vs) > 0 {
		return &pin{volumes: vs}
	}
	return nil
}

// what names the pinning volumes for a reason.
func (p *pin) what() string {
	s := p.volumes[0]
	for _, v := range p.volumes[1:] {
		s += ", " + v
	}
	return s
}

// releases reports whether a node in state s gives up the pods pinned to it: only a node
// removed from the cluster for good does. One that left, is dead for however long, or is
// missing from the membership may come back with the data.
func releases(s NodeState) bool { return s == NodeRemoved }

// strandedReason says why a pinned pod on a node that is gone does not run, and what brings
// it back. It names no duration, so that it stays the same from one plan to the next.
func strandedReason(q *pod) string {
	release := "or once " + q.Node + " is removed from the cluster"
	if q.Pod.Owner == "" {
		del := "swarm delete pod " + q.Pod.Name
		if q.Pod.Namespace != "default" {
			del += " -n " + q.Pod.Namespace
		}
		release = fmt.Sprintf("or after %q or once %s is removed from the cluster", del, q.Node)
	}
	return fmt.Sprintf("its data is on node %s (%s) and %s; it runs again when %s returns, %s",
		q.Node, q.pin.what(), q.node.absence(), q.Node, release)
}

// absence words why a gone node does not run its pods, without a duration.
func (n *node) absence() string {
	switch n.State {
	case NodeLeft:
		return n.Name + " left"
	case NodeDead:
		return n.Name + " is dead"
	case "":
		return n.Name + " is not a member"
	}
	return n.Name + " is " + string(n.State)
}

// blockedChangeReason says why a pinned bare pod keeps running unchanged: its new manifest
// does not fit the node that holds its data.
func blockedChangeReason(q *pod) string {
	return fmt.Sprintf("pod changed and no longer fits node %s, but its data is on %s (%s): it keeps running there unchanged; delete it to place it afresh",
		q.Node, q.Node, q.pin.what())
}
