package scheduler

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Pinned lists what ties a pod to the node that runs it: the volumes whose data lives on
// that node and that the pod may write, spelled for people ("hostPath /srv/db"), in the
// order of spec.volumes. A pod with any is pinned: it never runs on another node while its
// node may come back, because a copy elsewhere would start without the data, and two
// copies, one on each side of a partition, would each write their own.
//
// A writable hostPath pins: a hostPath volume that a container or init container mounts
// without readOnly. A hostPath mounted only readOnly (the same files on every node,
// certificates say) and an emptyDir (made afresh with the pod, thrown away with it) do not.
// A persistentVolumeClaim pins, however it is mounted: its volume is on its node's disk
// alone, and a pod elsewhere would read an empty one.
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
		switch {
		case v.HostPath != nil && writable[v.Name]:
			out = append(out, "hostPath "+v.HostPath.Path)
		case v.PersistentVolumeClaim != nil:
			out = append(out, claimPin+v.PersistentVolumeClaim.ClaimName)
		}
	}
	return out
}

// claimPin starts how Pinned spells a claim.
const claimPin = "persistentVolumeClaim "

// pinOf is what keeps a pod in namespace ns on its node: Pinned, less the claims being
// deleted, which let their pods go when their node is gone (deleting the claim is how the
// user gives up its data).
func (c *cluster) pinOf(ns string, spec *corev1.PodSpec) *pin {
	var vs []string
	for _, v := range Pinned(spec) {
		if name, ok := strings.CutPrefix(v, claimPin); ok {
			if cs := c.claims[ns+"/"+name]; cs != nil && cs.Deleting {
				continue
			}
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return nil
	}
	return &pin{volumes: vs}
}

// pin is why a pod stays on its node, when it is pinned.
type pin struct {
	volumes []string // as Pinned spells them
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
	if claim := q.pin.claim(); claim != "" {
		// A claim is given up by deleting it; removing the node does not bring the data
		// back, and the claim would keep later pods there.
		del := "swarm delete pvc " + claim
		if q.Pod.Namespace != manifest.DefaultNamespace {
			del += " -n " + q.Pod.Namespace
		}
		release = fmt.Sprintf("or after %q", del)
	}
	return fmt.Sprintf("its data is on node %s (%s) and %s; it runs again when %s returns, %s",
		q.Node, q.pin.what(), q.node.absence(), q.Node, release)
}

// claim is the first claim among the pinning volumes; "" when none is one.
func (p *pin) claim() string {
	for _, v := range p.volumes {
		if name, ok := strings.CutPrefix(v, claimPin); ok {
			return name
		}
	}
	return ""
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
