package main

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// logsTarget is what swarm logs reads: one pod, a Job, the pods of a workload, or those
// a label selector matches.
type logsTarget struct {
	kind     string // pod, job, deployment, statefulset, daemonset, or selector
	name     string
	selector labels.Selector
}

// logsKinds maps what may come before the slash of TYPE/NAME to the target's kind.
var logsKinds = map[string]string{
	"pod": "pod", "pods": "pod", "po": "pod",
	"job": "job", "jobs": "job", "job.batch": "job",
	"deployment": "deployment", "deployments": "deployment", "deploy": "deployment", "deployment.apps": "deployment",
	"statefulset": "statefulset", "statefulsets": "statefulset", "sts": "statefulset", "statefulset.apps": "statefulset",
	"daemonset": "daemonset", "daemonsets": "daemonset", "ds": "daemonset", "daemonset.apps": "daemonset",
}

// ownerKinds are the kinds of the owner references of the workloads' pods.
var ownerKinds = map[string]string{"deployment": "Deployment", "statefulset": "StatefulSet", "daemonset": "DaemonSet"}

// logsTargetOf reads swarm logs' argument and -l selector.
func logsTargetOf(args []string, selector string) (logsTarget, error) {
	switch {
	case len(args) == 1 && selector != "":
		return logsTarget{}, fmt.Errorf("only a selector (-l) or a POD name is allowed")
	case selector != "":
		sel, err := labels.Parse(selector)
		if err != nil {
			return logsTarget{}, fmt.Errorf("invalid selector %q: %w", selector, err)
		}
		return logsTarget{kind: "selector", name: selector, selector: sel}, nil
	case len(args) == 0:
		return logsTarget{}, fmt.Errorf("give a POD, TYPE/NAME or -l SELECTOR, for example `swarm logs deployment/web`")
	}
	kind, name, slashed := strings.Cut(args[0], "/")
	if !slashed {
		return logsTarget{kind: "pod", name: args[0]}, nil
	}
	k, ok := logsKinds[strings.ToLower(kind)]
	if !ok || name == "" {
		return logsTarget{}, fmt.Errorf("cannot get the logs of %q: use POD, pod/NAME, deployment/NAME, statefulset/NAME, daemonset/NAME or job/NAME", args[0])
	}
	return logsTarget{kind: k, name: name}, nil
}

// matches tells whether p is one of the target's pods.
func (t logsTarget) matches(p *corev1.Pod) bool {
	switch t.kind {
	case "pod":
		return p.Name == t.name
	case "selector":
		return t.selector.Matches(labels.Set(p.Labels))
	}
	for _, ref := range p.OwnerReferences {
		if ref.Kind == ownerKinds[t.kind] && ref.Name == t.name {
			return true
		}
	}
	return false
}

// logStream is one container's log to read.
type logStream struct {
	pod, container string
	prefix         string // "[pod/NAME/CONTAINER] "
}

// logStreams are the streams of the target's pods placed on a node, by pod name: every
// container's with allContainers, else container's ("" lets the API pick the pod's only
// one). unplaced counts the target's pods that are placed nowhere yet.
func logStreams(pods []corev1.Pod, t logsTarget, container string, allContainers bool) (streams []logStream, unplaced int) {
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	for i := range pods {
		p := &pods[i]
		if !t.matches(p) {
			continue
		}
		if p.Spec.NodeName == "" {
			unplaced++
			continue
		}
		names := []string{container}
		switch {
		case allContainers:
			names = names[:0]
			for _, c := range p.Spec.Containers {
				names = append(names, c.Name)
			}
		case container == "" && len(p.Spec.Containers) == 1:
			names = []string{p.Spec.Containers[0].Name}
		}
		for _, c := range names {
			prefix := "[pod/" + p.Name + "/" + c + "] "
			if c == "" {
				prefix = "[pod/" + p.Name + "] "
			}
			streams = append(streams, logStream{pod: p.Name, container: c, prefix: prefix})
		}
	}
	return streams, unplaced
}
