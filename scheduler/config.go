package scheduler

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// missingConfig says why the new pod key cannot start anywhere yet: a ConfigMap or Secret
// it needs is missing, in the kubelet's words (CreateContainerConfigError: configmap "x"
// not found). Such a pod waits, unplaced, and is placed by the first plan after the object
// appears; placing it would only have its node fail to create its containers. A pod
// already placed keeps running when the object goes, as in Kubernetes.
func (c *cluster) missingConfig(key string, spec *corev1.PodSpec) string {
	if c.config == nil {
		return ""
	}
	ns, _, _ := strings.Cut(key, "/")
	if reason := manifest.MissingConfig(ns, spec, c.config); reason != "" {
		return "CreateContainerConfigError: " + reason
	}
	return ""
}
