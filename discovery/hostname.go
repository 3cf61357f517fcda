package discovery

import corev1 "k8s.io/api/core/v1"

// hostnameUnder is the name a pod has under the Service named service: its spec.hostname
// when its spec.subdomain is that Service, as Kubernetes names the pods of a headless
// Service (a StatefulSet's pods under its serviceName); "" otherwise.
func hostnameUnder(spec *corev1.PodSpec, service string) string {
	if spec.Subdomain != service || spec.Hostname == "" {
		return ""
	}
	return spec.Hostname
}
