package main

import (
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// describeDaemonSet writes a DaemonSet as `kubectl describe ds` does, with its update
// strategy and its pods with their nodes.
func describeDaemonSet(out io.Writer, ds *appsv1.DaemonSet, pods []corev1.Pod) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", ds.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", ds.Namespace)
	if ds.Spec.Selector != nil {
		fmt.Fprintf(tw, "Selector:\t%s\n", labelsString(ds.Spec.Selector.MatchLabels))
	}
	fmt.Fprintf(tw, "Node-Selector:\t%s\n", labelsString(ds.Spec.Template.Spec.NodeSelector))
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(ds.Labels))
	describeAnnotations(tw, ds.Annotations)
	s := ds.Status
	fmt.Fprintf(tw, "Desired Number of Nodes Scheduled:\t%d\n", s.DesiredNumberScheduled)
	fmt.Fprintf(tw, "Current Number of Nodes Scheduled:\t%d\n", s.CurrentNumberScheduled)
	fmt.Fprintf(tw, "Number of Nodes Scheduled with Up-to-date Pods:\t%d\n", s.UpdatedNumberScheduled)
	fmt.Fprintf(tw, "Number of Nodes Scheduled with Available Pods:\t%d\n", s.NumberAvailable)
	fmt.Fprintf(tw, "Number of Nodes Misscheduled:\t%d\n", s.NumberMisscheduled)
	var owned []corev1.Pod
	phases := map[corev1.PodPhase]int{}
	for _, p := range pods {
		if ownedByKind(p, "DaemonSet", ds.Name) {
			owned = append(owned, p)
			phases[p.Status.Phase]++
		}
	}
	fmt.Fprintf(tw, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n",
		phases[corev1.PodRunning], phases[corev1.PodPending], phases[corev1.PodSucceeded], phases[corev1.PodFailed])
	strategy := manifest.DaemonSetStrategy(ds)
	if strategy.OnDelete {
		fmt.Fprintf(tw, "StrategyType:\t%s\n", appsv1.OnDeleteDaemonSetStrategyType)
	} else {
		fmt.Fprintf(tw, "StrategyType:\t%s\n", appsv1.RollingUpdateDaemonSetStrategyType)
		fmt.Fprintf(tw, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", strategy.MaxUnavailable.String(), strategy.MaxSurge.String())
	}
	fmt.Fprintf(tw, "MinReadySeconds:\t%d\n", ds.Spec.MinReadySeconds)
	fmt.Fprintln(tw, "Pod Template:")
	fmt.Fprintf(tw, "  Labels:\t%s\n", labelsString(ds.Spec.Template.Labels))
	describeContainers(tw, ds.Spec.Template.Spec.Containers)
	fmt.Fprintln(tw, "Pods:")
	for _, p := range owned {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, orNone(p.Spec.NodeName), podStatus(&p), podReason(&p))
	}
	if len(owned) == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	return tw.Flush()
}

// ownedByKind tells whether a pod belongs to the workload of that kind and name.
func ownedByKind(p corev1.Pod, kind, name string) bool {
	for _, o := range p.OwnerReferences {
		if o.Kind == kind && o.Name == name {
			return true
		}
	}
	return false
}

// runDescribeDaemonSet fetches a DaemonSet and the pods of its namespace and describes it,
// with its events.
func runDescribeDaemonSet(c *client, ns, name string, out io.Writer) error {
	var ds appsv1.DaemonSet
	path := "/api/v1/daemonsets/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.do("GET", path, nil, "", nil, &ds); err != nil {
		return err
	}
	pods, err := listPods(c, ns)
	if err != nil {
		return err
	}
	if err := describeDaemonSet(out, &ds, pods); err != nil {
		return err
	}
	return describeEvents(c, out, "DaemonSet", ns, name, time.Now())
}

// daemonSetPods is the pod a DaemonSet runs on node, for swarm render, with a warning added
// to warnings when node is not given or does not run it: its pod is named after its node,
// and only a node its nodeSelector matches runs it.
func daemonSetPods(obj manifest.Object, node string, warnings []string) ([]manifest.Pod, []string) {
	ds := obj.DaemonSet
	switch {
	case node == "":
		warnings = append(warnings, fmt.Sprintf("%s: rendered for no node in particular: each node runs the pod under a name of its own (--node-name NODE renders NODE's)", obj.Source))
	case ds.Spec.Template.Spec.NodeName != "" && ds.Spec.Template.Spec.NodeName != node:
		warnings = append(warnings, fmt.Sprintf("%s: node %s does not run this DaemonSet: its template names node %s", obj.Source, node, ds.Spec.Template.Spec.NodeName))
		return nil, warnings
	}
	if len(ds.Spec.Template.Spec.NodeSelector) > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: runs only on the nodes labelled %s", obj.Source, labelsString(ds.Spec.Template.Spec.NodeSelector)))
	}
	return []manifest.Pod{manifest.DaemonSetPod(ds, node, nil)}, warnings
}
