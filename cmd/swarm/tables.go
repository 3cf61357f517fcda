package main

import (
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// The kinds' tables are kubeapi's, which the API also answers as Tables to kubectl; the
// helpers below print what they print, in the descriptions too.

func age(t, now time.Time) string { return kubeapi.Age(t, now) }

func shortDuration(d time.Duration) string { return kubeapi.ShortDuration(d) }

func labelsString(m map[string]string) string { return kubeapi.LabelsString(m) }

func podReason(p *corev1.Pod) string { return kubeapi.PodReason(p) }

func nodeStatus(n *corev1.Node) string { return kubeapi.NodeStatus(n) }

func accessModes(modes []corev1.PersistentVolumeAccessMode) string { return kubeapi.AccessModes(modes) }

func jobDuration(j *batchv1.Job, now time.Time) string { return kubeapi.JobDuration(j, now) }
