package netrules

import (
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func ep(pod, addr string, ready bool, ports ...discovery.Port) discovery.Endpoint {
	return discovery.Endpoint{Pod: pod, Node: "n-" + addr, Address: addr, Ready: ready, Ports: ports}
}

func tcp(name string, port, target int32) discovery.Port {
	return discovery.Port{Name: name, Port: port, Protocol: corev1.ProtocolTCP, TargetPort: target}
}

func udp(name string, port, target int32) discovery.Port {
	return discovery.Port{Name: name, Port: port, Protocol: corev1.ProtocolUDP, TargetPort: target}
}

// nodeInput is a small cluster seen from one node: every kind of Service and pod the rules
// must handle or leave out.
func nodeInput() Input {
	return Input{
		Services: []discovery.Service{
			{
				Namespace: "default", Name: "web", Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.43.0.10",
				Ports: []discovery.Port{tcp("http", 80, 0), udp("dns", 53, 0)},
				Endpoints: []discovery.Endpoint{
					ep("web-b", "198.18.0.12", true, tcp("http", 20001, 8080), udp("dns", 20002, 5353)),
					ep("web-a", "198.18.0.11", true, tcp("http", 20002, 8080)),
					ep("web-c", "198.18.0.13", false, tcp("http", 20003, 8080)),
				},
			},
			{
				Namespace: "default", Name: "empty", Type: corev1.ServiceTypeNodePort, ClusterIP: "10.43.0.11",
				Ports:     []discovery.Port{{Port: 8080, Protocol: corev1.ProtocolTCP, NodePort: 30080}},
				Endpoints: []discovery.Endpoint{ep("empty-a", "198.18.0.11", false, tcp("", 20004, 8080))},
			},
			{
				Namespace: "shop", Name: "sctp", ClusterIP: "10.43.0.12",
				Ports: []discovery.Port{{Name: "s", Port: 9, Protocol: corev1.ProtocolSCTP}},
			},
			{Namespace: "default", Name: "headless", ClusterIP: discovery.ClusterIPNone, Ports: []discovery.Port{tcp("", 80, 0)}},
			{Namespace: "default", Name: "pending", Ports: []discovery.Port{tcp("", 80, 0)}},
			{Namespace: "default", Name: "ext", Type: corev1.ServiceTypeExternalName, ExternalName: "example.org"},
			{
				Namespace: "v6", Name: "api", ClusterIP: "fd43::a",
				Ports:     []discovery.Port{tcp("", 443, 0)},
				Endpoints: []discovery.Endpoint{ep("api-a", "fd00::11", true, tcp("", 20010, 8443)), ep("api-b", "198.18.0.11", true, tcp("", 20011, 8443))},
			},
		},
		Pods: []Pod{
			{Name: "default/web-b", IP: "10.42.0.6", Address: "198.18.0.12", Ports: []manifest.PublishedPort{
				{ContainerPort: 8080, HostPort: 20001, Protocol: corev1.ProtocolTCP},
				{ContainerPort: 5353, HostPort: 20002, Protocol: corev1.ProtocolUDP},
			}},
			{Name: "default/web-a", IP: "10.42.0.5", Address: "198.18.0.11", Ports: []manifest.PublishedPort{
				{ContainerPort: 8080, HostPort: 20002, Protocol: corev1.ProtocolTCP},
			}},
			{Name: "default/old", Address: "198.18.0.11", Ports: []manifest.PublishedPort{{ContainerPort: 80, HostPort: 80}}},
			{Name: "v6/api-a", IP: "fd42::5", Address: "fd00::11", Ports: []manifest.PublishedPort{{ContainerPort: 8443, HostPort: 20010}}},
			{Name: "v6/mixed", IP: "10.42.0.9", Address: "fd00::12", Ports: []manifest.PublishedPort{{ContainerPort: 80, HostPort: 20020}}},
		},
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test ./netrules -run TestGolden -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGoldenNode(t *testing.T) {
	golden(t, "node.nft", Render(nodeInput()))
}

func TestGoldenEmpty(t *testing.T) {
	golden(t, "empty.nft", Render(Input{}))
}

func TestRenderDoesNotDependOnInputOrder(t *testing.T) {
	want := Render(nodeInput())
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		in := nodeInput()
		r.Shuffle(len(in.Services), func(i, j int) { in.Services[i], in.Services[j] = in.Services[j], in.Services[i] })
		r.Shuffle(len(in.Pods), func(i, j int) { in.Pods[i], in.Pods[j] = in.Pods[j], in.Pods[i] })
		for i := range in.Services {
			eps := in.Services[i].Endpoints
			r.Shuffle(len(eps), func(a, b int) { eps[a], eps[b] = eps[b], eps[a] })
		}
		if got := Render(in); got != want {
			t.Fatalf("a shuffled input renders differently:\n%s\nwant\n%s", got, want)
		}
	}
}

func TestSkippedSaysWhy(t *testing.T) {
	got := Skipped(nodeInput())
	want := []string{
		"service shop/sctp port 9/SCTP: only TCP and UDP are translated",
		"service v6/api endpoint api-b: node address 198.18.0.11 is not of the family of ClusterIP fd43::a",
		"pod v6/mixed: pod IP 10.42.0.9 and node address fd00::12 are of different families",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Skipped =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDuplicateVirtualPortKeepsTheFirstByName(t *testing.T) {
	in := Input{
		Services: []discovery.Service{
			{Namespace: "b", Name: "s", ClusterIP: "10.43.0.1", Ports: []discovery.Port{tcp("", 80, 0)},
				Endpoints: []discovery.Endpoint{ep("b", "198.18.0.2", true, tcp("", 20002, 80))}},
			{Namespace: "a", Name: "s", ClusterIP: "10.43.0.1", Ports: []discovery.Port{tcp("", 80, 0)},
				Endpoints: []discovery.Endpoint{ep("a", "198.18.0.1", true, tcp("", 20001, 80))}},
		},
		Pods: []Pod{{Name: "x/p", IP: "10.43.0.1", Address: "198.18.0.3", Ports: []manifest.PublishedPort{{ContainerPort: 80, HostPort: 20003}}}},
	}
	out := Render(in)
	if !strings.Contains(out, "198.18.0.1 . 20001") || strings.Contains(out, "198.18.0.2") || strings.Contains(out, "198.18.0.3") {
		t.Errorf("want only a/s's endpoint in the rules:\n%s", out)
	}
	want := []string{
		"service b/s port 80/tcp: a/s already has 10.43.0.1",
		"pod x/p port 80/tcp: a/s already has 10.43.0.1",
	}
	if got := Skipped(in); !slices.Equal(got, want) {
		t.Errorf("Skipped = %q, want %q", got, want)
	}
}
