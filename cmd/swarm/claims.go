package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// selectedNode is Kubernetes' annotation naming the node of a claim's volume.
const selectedNode = "volume.kubernetes.io/selected-node"

// describeClaim writes a claim as `kubectl describe pvc` does, with the node its volume is
// on and the pods that use it.
func describeClaim(out io.Writer, c *corev1.PersistentVolumeClaim, pods []corev1.Pod, now time.Time) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", c.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", c.Namespace)
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	fmt.Fprintf(tw, "StorageClass:\t%s\n", class)
	status := string(c.Status.Phase)
	if c.DeletionTimestamp != nil {
		status = fmt.Sprintf("Terminating (lasts %s)", age(c.DeletionTimestamp.Time, now))
	}
	fmt.Fprintf(tw, "Status:\t%s\n", status)
	fmt.Fprintf(tw, "Volume:\t%s\n", c.Spec.VolumeName)
	fmt.Fprintf(tw, "Node:\t%s\n", orDefault(c.Annotations[selectedNode], "<none>: bound to the node of its first pod"))
	fmt.Fprintf(tw, "Reclaim Policy:\t%s\n", manifest.ReclaimPolicy(c))
	fmt.Fprintf(tw, "Finalizers:\t[%s]\n", strings.Join(c.Finalizers, " "))
	capacity := ""
	if q, ok := c.Status.Capacity[corev1.ResourceStorage]; ok {
		capacity = q.String() + " (not enforced)"
	}
	fmt.Fprintf(tw, "Capacity:\t%s\n", capacity)
	fmt.Fprintf(tw, "Access Modes:\t%s\n", accessModes(c.Spec.AccessModes))
	var users []string
	for _, p := range pods {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == c.Name {
				users = append(users, p.Name)
				break
			}
		}
	}
	fmt.Fprintf(tw, "Used By:\t%s\n", orDefault(strings.Join(users, ", "), "<none>"))
	return tw.Flush()
}

// runDescribeClaim fetches a claim and the pods of its namespace and describes it.
func runDescribeClaim(c *client, ns, name string, out io.Writer) error {
	var pvc corev1.PersistentVolumeClaim
	path := "/api/v1/persistentvolumeclaims/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.do("GET", path, nil, "", nil, &pvc); err != nil {
		return err
	}
	pods, err := listPods(c, ns)
	if err != nil {
		return err
	}
	if err := describeClaim(out, &pvc, pods, time.Now()); err != nil {
		return err
	}
	return describeEvents(c, out, "PersistentVolumeClaim", ns, name, time.Now())
}

// claimsOutside warns of each claim a pod or a Deployment's template of set names that set
// does not hold: rendered all the same, but refused at apply unless the cluster holds it.
func claimsOutside(set *manifest.Set, obj manifest.Object) []string {
	var spec *corev1.PodSpec
	switch {
	case obj.Deployment != nil:
		spec = &obj.Deployment.Spec.Template.Spec
	case obj.Pod != nil:
		spec = &obj.Pod.Spec
	default:
		return nil
	}
	ns := obj.Meta().Namespace
	var out []string
	for _, name := range manifest.ClaimNames(spec) {
		found := false
		for _, o := range set.Objects {
			found = found || o.Claim != nil && o.Claim.Namespace == ns && o.Claim.Name == name
		}
		if !found {
			out = append(out, fmt.Sprintf("%s: persistentvolumeclaim %q is not in the manifest: an apply is refused unless the cluster holds it", obj.Source, name))
		}
	}
	return out
}
