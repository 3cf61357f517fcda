package manifest

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestPublishedPorts(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	spec := &corev1.PodSpec{
		InitContainers: []corev1.Container{
			{Name: "migrate", Ports: []corev1.ContainerPort{{ContainerPort: 5000}}},
			{Name: "proxy", RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "proxy", ContainerPort: 9901}}},
		},
		Containers: []corev1.Container{
			{Name: "web", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {ContainerPort: 53, HostPort: 5353, Protocol: corev1.ProtocolUDP, HostIP: "198.18.0.11"}}},
		},
	}
	got := PublishedPorts(spec)
	want := []PublishedPort{
		{Container: "proxy", Name: "proxy", ContainerPort: 9901, HostPort: 9901, Protocol: corev1.ProtocolTCP},
		{Container: "web", Name: "http", ContainerPort: 8080, HostPort: 8080, Protocol: corev1.ProtocolTCP},
		{Container: "web", ContainerPort: 53, HostPort: 5353, Explicit: true, HostIP: "198.18.0.11", Protocol: corev1.ProtocolUDP},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("port %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A sidecar publishes its ports, so it may not share one with a container; an init
// container that ends publishes nothing.
func TestSidecarPortsAreChecked(t *testing.T) {
	pod := func(restart string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - name: side\n    image: i\n" + restart +
			"    ports: [{containerPort: 8080}]\n  containers:\n  - {name: web, image: i, ports: [{containerPort: 8080}]}\n"
	}
	_, err := Parse(Input{Name: "p.yaml", Data: []byte(pod("    restartPolicy: Always\n"))})
	if err == nil || !strings.Contains(err.Error(), "spec.containers[0].ports[0].hostPort: Duplicate value: \":8080/TCP") {
		t.Errorf("sidecar sharing a port: %v", err)
	}
	if _, err := Parse(Input{Name: "p.yaml", Data: []byte(pod(""))}); err != nil {
		t.Errorf("init container that ends: %v", err)
	}
	_, err = Parse(Input{Name: "p.yaml", Data: []byte(strings.Replace(pod(""), "    image: i\n", "", 1))})
	if err == nil || !strings.Contains(err.Error(), "spec.initContainers[0].image: Required value") {
		t.Errorf("init container without an image: %v", err)
	}
}
