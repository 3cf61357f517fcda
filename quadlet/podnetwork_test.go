package quadlet

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// podWithPorts is a pod with one container and the given ports.
func podWithPorts(ports ...corev1.ContainerPort) manifest.Pod {
	return manifest.Pod{Namespace: "shop", Name: "web-1", Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "app", Image: "localhost/app:1", Ports: ports}},
	}}
}

func ownNetwork() *PodNetwork {
	return &PodNetwork{
		Address: netip.MustParsePrefix("10.42.0.7/16"),
		Gateway: netip.MustParseAddr("10.42.0.1"),
		NodePorts: map[PortKey]int32{
			{Port: 8080, Protocol: corev1.ProtocolTCP}: 20001,
			{Port: 53, Protocol: corev1.ProtocolUDP}:   20002,
		},
		OnStart: []string{"/usr/bin/swarm", "netns", "load", "--rules", "/var/lib/swarm/net rules.nft", "--pod", "swarm-shop-web-1"},
	}
}

// podLines are the values of key in the [section] of the rendered .pod unit.
func podLines(t *testing.T, res Result, section, key string) []string {
	t.Helper()
	u, err := parseQuadlet(res.Units[0].Text)
	if err != nil {
		t.Fatal(err)
	}
	return u.lookupAll(section, key)
}

// A pod with a network of its own carries its address on pasta's interface and publishes
// each container port on the node port its node picked; an explicit hostPort stays.
func TestRenderPodNetwork(t *testing.T) {
	o := goldenOptions
	o.PublishAddress = "198.18.0.11"
	o.Pod = ownNetwork()
	pod := podWithPorts(
		corev1.ContainerPort{Name: "http", ContainerPort: 8080},
		corev1.ContainerPort{ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		corev1.ContainerPort{ContainerPort: 9090, HostPort: 9090},
	)
	res, err := Render(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := podLines(t, res, "Pod", "Network"); !slices.Equal(got, []string{"pasta:-a,10.42.0.7,-n,16,-g,10.42.0.1"}) {
		t.Errorf("Network = %q", got)
	}
	want := []string{"198.18.0.11:20001:8080/tcp", "198.18.0.11:20002:53/udp", "198.18.0.11:9090:9090/tcp"}
	if got := podLines(t, res, "Pod", "PublishPort"); !slices.Equal(got, want) {
		t.Errorf("PublishPort = %q, want %q", got, want)
	}
	got := podLines(t, res, "Service", "ExecStartPost")
	if len(got) != 1 || !strings.Contains(got[0], `"/var/lib/swarm/net rules.nft"`) {
		t.Errorf("ExecStartPost = %q, want the command with its spaced word quoted", got)
	}

	// The same pod placed before pods had their own network: every port on its number.
	o.Pod = nil
	res, err = Render(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"198.18.0.11:8080:8080/tcp", "198.18.0.11:53:53/udp", "198.18.0.11:9090:9090/tcp"}
	if got := podLines(t, res, "Pod", "PublishPort"); !slices.Equal(got, want) {
		t.Errorf("without a pod network, PublishPort = %q, want %q", got, want)
	}
	if got := podLines(t, res, "Service", "ExecStartPost"); len(got) != 0 {
		t.Errorf("without a pod network, ExecStartPost = %q", got)
	}
}

// A container port the node picked no port for, or a broken network, is an error that
// names what is missing, not a unit that publishes the wrong port.
func TestRenderPodNetworkErrors(t *testing.T) {
	o := goldenOptions
	o.Pod = ownNetwork()
	_, err := Render(podWithPorts(corev1.ContainerPort{ContainerPort: 7000}), o)
	if err == nil || !strings.Contains(err.Error(), "spec.containers[0].ports[0]") || !strings.Contains(err.Error(), "7000/TCP") {
		t.Errorf("missing node port: err = %v", err)
	}
	o.Pod = ownNetwork()
	o.Pod.Gateway = netip.MustParseAddr("10.99.0.1")
	_, err = Render(podWithPorts(), o)
	if err == nil || !strings.Contains(err.Error(), "gateway 10.99.0.1") {
		t.Errorf("gateway outside the network: err = %v", err)
	}
}

// podman's own Quadlet generator keeps the hook in the pod's service, where systemd runs it
// after the infra container started and before the containers' services (ordered after it).
func TestGeneratorKeepsPodNetworkHook(t *testing.T) {
	dryrun := generatorOrSkip(t)
	o := goldenOptions
	o.Pod = ownNetwork()
	pod := podWithPorts(corev1.ContainerPort{ContainerPort: 8080})
	res, err := Render(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	services := runGenerator(t, dryrun, res.Units)
	svc := services[PodServiceName(pod.Namespace, pod.Name)]
	if svc == nil {
		t.Fatalf("no pod service in %v", services)
	}
	hook := svc.lookupAll("Service", "ExecStartPost")
	if len(hook) != 1 || !strings.Contains(hook[0], "netns load") {
		t.Errorf("ExecStartPost = %q", hook)
	}
	for name, u := range services {
		if name == PodServiceName(pod.Namespace, pod.Name) {
			continue
		}
		after := strings.Join(u.lookupAll("Unit", "After"), " ")
		if !strings.Contains(after, PodServiceName(pod.Namespace, pod.Name)) {
			t.Errorf("%s is not ordered after the pod's service: After=%q", name, after)
		}
	}
}
