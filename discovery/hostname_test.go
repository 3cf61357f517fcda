package discovery

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// An endpoint carries the pod's hostname only under the Service its subdomain names.
func TestEndpointHostname(t *testing.T) {
	pod := func(name, hostname, subdomain string) Pod {
		return Pod{Pod: manifest.Pod{Namespace: "default", Name: name, Labels: map[string]string{"app": "db"},
			Spec: corev1.PodSpec{Hostname: hostname, Subdomain: subdomain, Containers: []corev1.Container{{Name: "c",
				Ports: []corev1.ContainerPort{{ContainerPort: 5432}}}}}}, Node: "n1", Address: "10.0.0.1", PodIP: "10.42.0.1"}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": "db"},
			Ports: []corev1.ServicePort{{Port: 5432}}}}
	s := Endpoints(svc, []Pod{pod("db-0", "db-0", "db"), pod("x", "x", "other"), pod("y", "", "db")})
	got := map[string]string{}
	for _, ep := range s.Endpoints {
		got[ep.Pod] = ep.Hostname
	}
	want := map[string]string{"db-0": "db-0", "x": "", "y": ""}
	for k, v := range want {
		if h, ok := got[k]; !ok || h != v {
			t.Errorf("%s: hostname %q (listed %v), want %q", k, h, ok, v)
		}
	}
}
