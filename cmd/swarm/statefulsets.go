package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// statefulSetRow is a StatefulSet as `kubectl get sts` shows it; wide adds the containers
// and images, as kubectl does.
func statefulSetRow(wide bool, now time.Time) row[appsv1.StatefulSet] {
	return func(s *appsv1.StatefulSet) (string, []string) {
		if s == nil {
			h := []string{"NAME", "READY", "AGE"}
			if wide {
				h = append(h, "CONTAINERS", "IMAGES")
			}
			return "", h
		}
		cells := []string{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, manifest.StatefulSetReplicas(s)),
			age(s.CreationTimestamp.Time, now)}
		if wide {
			var names, images []string
			for _, c := range s.Spec.Template.Spec.Containers {
				names, images = append(names, c.Name), append(images, c.Image)
			}
			cells = append(cells, strings.Join(names, ","), strings.Join(images, ","))
		}
		return s.Namespace, cells
	}
}

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

// runScaleStatefulSet reads the StatefulSet as the API shows it, changes its replicas
// and applies it again, so that the change goes through the same checks as any apply.
func runScaleStatefulSet(c *client, ns, name string, replicas int32, out io.Writer) error {
	var s appsv1.StatefulSet
	path := "/api/v1/statefulsets/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.do("GET", path, nil, "", nil, &s); err != nil {
		return err
	}
	s.Spec.Replicas = &replicas
	s.Status = appsv1.StatefulSetStatus{}
	s.ResourceVersion = ""
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var res struct{ Applied []struct{ Result string } }
	if err := c.do("POST", "/api/v1/manifests", url.Values{"filename": {"scale"}}, "application/json", body, &res); err != nil {
		return err
	}
	result := "scaled"
	if len(res.Applied) == 1 && res.Applied[0].Result == "unchanged" {
		result = "unchanged"
	}
	fmt.Fprintf(out, "statefulset.apps/%s %s\n", name, result)
	return nil
}
