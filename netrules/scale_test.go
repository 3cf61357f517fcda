package netrules

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/privnet"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// bigInput is a node's view of a large cluster: pods pods with two ports each, services
// Services with two ports and five endpoints each.
func bigInput(pods, services int) Input {
	var in Input
	for i := range pods {
		in.Pods = append(in.Pods, Pod{
			Name: fmt.Sprintf("ns/p%d", i), IP: fmt.Sprintf("10.42.%d.%d", i/250, i%250+1),
			Address: fmt.Sprintf("198.18.0.%d", i%5+1),
			Ports: []manifest.PublishedPort{
				{ContainerPort: 8080, HostPort: int32(20000 + i), Protocol: corev1.ProtocolTCP},
				{ContainerPort: 53, HostPort: int32(20000 + i), Protocol: corev1.ProtocolUDP},
			},
		})
	}
	for i := range services {
		svc := discovery.Service{Namespace: "ns", Name: fmt.Sprintf("s%d", i), ClusterIP: fmt.Sprintf("10.43.%d.%d", i/250, i%250+1),
			Ports: []discovery.Port{tcp("http", 80, 0), udp("dns", 53, 0)}}
		for e := range 5 {
			n := (i*5 + e) % pods
			svc.Endpoints = append(svc.Endpoints, ep(fmt.Sprintf("p%d", n), fmt.Sprintf("198.18.0.%d", n%5+1), true,
				tcp("http", int32(20000+n), 8080), udp("dns", int32(20000+n), 53)))
		}
		in.Services = append(in.Services, svc)
	}
	return in
}

// A node with 1,000 pods and 50 Services (100 Service ports, 5 endpoints each) loads, and
// its output chain is still the same four rules: every lookup is one map. This is near the
// size one transaction can carry in a rootless namespace (see Render): 75 such Services
// next to 1,000 pods already exceed it.
func TestLargeClusterLoadsInANamespace(t *testing.T) {
	if !privnet.Enter(t, "nft") {
		return
	}
	load(t, Render(bigInput(1000, 50)))
	load(t, Render(bigInput(1000, 50)))
	rs := ruleset(t)
	chain := rs[strings.Index(rs, "chain output {"):]
	chain = chain[:strings.Index(chain, "\n\t}")]
	if n := strings.Count(chain, "\n") - 1; n != 4 {
		t.Errorf("the output chain has %d rules, want 4:\n%s", n, chain)
	}
	if n := strings.Count(rs, "chain svc/"); n != 100 {
		t.Errorf("%d Service port chains, want 100", n)
	}
}

func BenchmarkRender(b *testing.B) {
	in := bigInput(1000, 200)
	for b.Loop() {
		Render(in)
	}
}
