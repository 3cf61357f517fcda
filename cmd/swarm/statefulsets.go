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

// describeStatefulSet writes a StatefulSet as `kubectl describe sts` does, with its pods
// (each with its node and status) and its claims' templates.
func describeStatefulSet(out io.Writer, s *appsv1.StatefulSet, pods []corev1.Pod) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", s.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", s.Namespace)
	if s.Spec.Selector != nil {
		fmt.Fprintf(tw, "Selector:\t%s\n", labelsString(s.Spec.Selector.MatchLabels))
	}
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(s.Labels))
	describeAnnotations(tw, s.Annotations)
	st := s.Status
	fmt.Fprintf(tw, "Replicas:\t%d desired | %d total\n", manifest.StatefulSetReplicas(s), st.Replicas)
	policy := s.Spec.PodManagementPolicy
	if policy == "" {
		policy = appsv1.OrderedReadyPodManagement
	}
	fmt.Fprintf(tw, "Pod Management Policy:\t%s\n", policy)
	fmt.Fprintf(tw, "Service Name:\t%s\n", orNone(s.Spec.ServiceName))
	if manifest.OnDelete(s) {
		fmt.Fprintf(tw, "Update Strategy:\t%s\n", appsv1.OnDeleteStatefulSetStrategyType)
	} else {
		fmt.Fprintf(tw, "Update Strategy:\t%s\n", appsv1.RollingUpdateStatefulSetStrategyType)
		fmt.Fprintf(tw, "  Partition:\t%d\n", manifest.StatefulSetPartition(s))
	}
	fmt.Fprintf(tw, "Revisions:\t%s current, %s updating to (%d updated, %d ready)\n",
		st.CurrentRevision, st.UpdateRevision, st.UpdatedReplicas, st.ReadyReplicas)
	var running, waiting, succeeded, failed int
	owned := statefulSetPods(s, pods)
	for _, p := range owned {
		switch p.Status.Phase {
		case corev1.PodRunning:
			running++
		case corev1.PodSucceeded:
			succeeded++
		case corev1.PodFailed:
			failed++
		default:
			waiting++
		}
	}
	fmt.Fprintf(tw, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n", running, waiting, succeeded, failed)
	fmt.Fprintln(tw, "Pod Template:")
	fmt.Fprintf(tw, "  Labels:\t%s\n", labelsString(s.Spec.Template.Labels))
	describeContainers(tw, s.Spec.Template.Spec.Containers)
	fmt.Fprintln(tw, "Volume Claims:")
	if len(s.Spec.VolumeClaimTemplates) == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	for _, t := range s.Spec.VolumeClaimTemplates {
		class := manifest.StorageClassLocal
		if t.Spec.StorageClassName != nil && *t.Spec.StorageClassName != "" {
			class = *t.Spec.StorageClassName
		}
		capacity := ""
		if q, ok := t.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			capacity = q.String()
		}
		fmt.Fprintf(tw, "  Name:\t%s\n", t.Name)
		fmt.Fprintf(tw, "  StorageClass:\t%s\n", class)
		fmt.Fprintf(tw, "  Capacity:\t%s\n", capacity)
		fmt.Fprintf(tw, "  Access Modes:\t[%s]\n", accessModes(t.Spec.AccessModes))
		claims := "<none>"
		if n := manifest.StatefulSetReplicas(s); n > 0 {
			claims = manifest.StatefulSetClaimName(t.Name, s.Name, 0)
			if n > 1 {
				claims += " .. " + manifest.StatefulSetClaimName(t.Name, s.Name, n-1)
			}
		}
		fmt.Fprintf(tw, "  Claims:\t%s (kept when their pods go)\n", claims)
	}
	fmt.Fprintln(tw, "Pods:")
	for _, p := range owned {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, orNone(p.Spec.NodeName), podStatus(&p), podReason(&p))
	}
	if len(owned) == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	return tw.Flush()
}

// statefulSetPods are the pods a StatefulSet owns, as the API lists them.
func statefulSetPods(s *appsv1.StatefulSet, pods []corev1.Pod) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		for _, o := range p.OwnerReferences {
			if o.Kind == manifest.KindStatefulSet && o.Name == s.Name {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// runDescribeStatefulSet fetches a StatefulSet and the pods of its namespace and
// describes it, with its events.
func runDescribeStatefulSet(c *client, ns, name string, out io.Writer) error {
	var s appsv1.StatefulSet
	path := "/api/v1/statefulsets/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.do("GET", path, nil, "", nil, &s); err != nil {
		return err
	}
	pods, err := listPods(c, ns)
	if err != nil {
		return err
	}
	if err := describeStatefulSet(out, &s, pods); err != nil {
		return err
	}
	return describeEvents(c, out, manifest.KindStatefulSet, ns, name, time.Now())
}
