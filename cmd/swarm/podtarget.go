package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/api"
)

// workloadPaths are the kinds `swarm exec` and `swarm port-forward` take as KIND/NAME, by
// every name kubectl gives them, with their API collection; Jobs have a route of their own.
var workloadPaths = map[string]string{
	"deployment": "deployments", "deployments": "deployments", "deploy": "deployments",
	"statefulset": "statefulsets", "statefulsets": "statefulsets", "sts": "statefulsets",
	"daemonset": "daemonsets", "daemonsets": "daemonsets", "ds": "daemonsets",
}

// resolvePod turns POD, pod/POD or KIND/NAME of a workload into the name of a pod: for a
// workload, as kubectl does, its first running pod (by name), else its first pod that has
// not finished.
func resolvePod(ctx context.Context, c *client, ns, target string) (string, error) {
	kind, name, found := strings.Cut(target, "/")
	if !found {
		return target, nil
	}
	switch kind = strings.ToLower(kind); {
	case kind == "pod" || kind == "pods" || kind == "po":
		return name, nil
	case kind == "job" || kind == "jobs":
		return jobPod(ctx, c, ns, name)
	case workloadPaths[kind] == "":
		return "", fmt.Errorf("cannot attach to %s: name a pod, or deployment/NAME, statefulset/NAME, daemonset/NAME or job/NAME", kind)
	}
	var obj struct {
		Spec struct {
			Selector *metav1.LabelSelector `json:"selector"`
		} `json:"spec"`
	}
	path := "/api/v1/" + workloadPaths[kind] + "/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.api.Get(ctx, path, nil, &obj); err != nil {
		return "", c.explain(err)
	}
	sel, err := metav1.LabelSelectorAsSelector(obj.Spec.Selector)
	if err != nil || obj.Spec.Selector == nil {
		return "", fmt.Errorf("%s/%s has no selector that finds its pods", kind, name)
	}
	var pods corev1.PodList
	if err := c.api.Get(ctx, "/api/v1/pods", url.Values{"namespace": {ns}}, &pods); err != nil {
		return "", c.explain(err)
	}
	var running, others []string
	for _, p := range pods.Items {
		if !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		switch p.Status.Phase {
		case corev1.PodRunning:
			running = append(running, p.Name)
		case corev1.PodSucceeded, corev1.PodFailed:
		default:
			others = append(others, p.Name)
		}
	}
	return firstPod(append(sorted(running), sorted(others)...), kind, name)
}

// jobPod is a Job's first running pod (by name), else its first pod that has not finished.
func jobPod(ctx context.Context, c *client, ns, job string) (string, error) {
	var pods []api.JobPod
	if err := c.api.Get(ctx, "/api/v1/jobs/"+url.PathEscape(ns)+"/"+url.PathEscape(job)+"/pods", nil, &pods); err != nil {
		return "", c.explain(err)
	}
	var running, others []string
	for _, p := range pods {
		switch corev1.PodPhase(p.Phase) {
		case corev1.PodRunning:
			running = append(running, p.Name)
		case corev1.PodSucceeded, corev1.PodFailed:
		default:
			others = append(others, p.Name)
		}
	}
	return firstPod(append(sorted(running), sorted(others)...), "job", job)
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

func firstPod(names []string, kind, name string) (string, error) {
	if len(names) == 0 {
		return "", fmt.Errorf("%s/%s has no pod that runs", kind, name)
	}
	return names[0], nil
}
