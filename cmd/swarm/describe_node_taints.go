package main

import (
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
)

// describeNodeTaints writes a node's taints and whether it is unschedulable (swarm
// cordon), as kubectl describe node does.
func describeNodeTaints(tw io.Writer, n *corev1.Node) {
	if len(n.Spec.Taints) == 0 {
		fmt.Fprintln(tw, "Taints:\t<none>")
	}
	for i, t := range n.Spec.Taints {
		label := "Taints:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, t.ToString())
	}
	fmt.Fprintf(tw, "Unschedulable:\t%t\n", n.Spec.Unschedulable)
}
