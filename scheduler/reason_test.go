package scheduler

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestPendingReasons(t *testing.T) {
	hostIP := func(ip string) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Ports[0].HostIP = ip }
	}
	udp := func(d *appsv1.Deployment) {
		d.Spec.Template.Spec.Containers[0].Ports[0].Protocol = corev1.ProtocolUDP
	}
	nodeName := func(n string) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) { d.Spec.Template.Spec.NodeName = n }
	}
	holder := deploy("holder", 1, port(8080))
	dns := deploy("dns", 2, port(53), udp)
	tests := []struct {
		name   string
		nodes  []Node
		others []*appsv1.Deployment
		as     []Assignment
		want   *appsv1.Deployment
		reason string
	}{
		{
			name:   "selector and port",
			nodes:  []Node{alive("a"), alive("b"), alive("c", "disk", "ssd")},
			others: []*appsv1.Deployment{holder},
			as:     []Assignment{on(holder, 0, "c")},
			want:   deploy("web", 1, port(8080), selector("disk", "ssd")),
			reason: "0/3 nodes are available: 2 node(s) didn't match nodeSelector, 1 node(s) have port 8080/TCP in use.",
		},
		{
			name:   "no nodes",
			want:   deploy("web", 1),
			reason: "no nodes available to schedule pods",
		},
		{
			name: "node states",
			nodes: []Node{
				inState("a", NodeSuspect, time.Second), inState("b", NodeDead, time.Second),
				inState("c", NodeDead, time.Hour), inState("d", NodeLeft, 0), inState("e", "draining", 0),
			},
			want:   deploy("web", 1),
			reason: "0/5 nodes are available: 1 node(s) were suspect, 2 node(s) were dead, 1 node(s) had left, 1 node(s) were not alive.",
		},
		{
			name:   "state comes before selector",
			nodes:  []Node{inState("a", NodeSuspect, time.Second), alive("b")},
			want:   deploy("web", 1, selector("disk", "ssd")),
			reason: "0/2 nodes are available: 1 node(s) were suspect, 1 node(s) didn't match nodeSelector.",
		},
		{
			name:   "requested node name",
			nodes:  []Node{alive("a"), alive("b", "disk", "ssd"), inState("c", NodeLeft, 0)},
			want:   deploy("web", 1, selector("disk", "ssd"), nodeName("c")),
			reason: "0/3 nodes are available: 1 node(s) had left, 2 node(s) didn't match the requested node name.",
		},
		{
			name:   "ports grouped, in port order",
			nodes:  []Node{alive("a"), alive("b"), alive("c")},
			others: []*appsv1.Deployment{holder, dns},
			as:     []Assignment{on(holder, 0, "a"), on(dns, 0, "b"), on(dns, 1, "c")},
			want: deploy("web", 1, port(8080), port(53), func(d *appsv1.Deployment) {
				d.Spec.Template.Spec.Containers[0].Ports[1].Protocol = corev1.ProtocolUDP
			}),
			reason: "0/3 nodes are available: 2 node(s) have port 53/UDP in use, 1 node(s) have port 8080/TCP in use.",
		},
		{
			name:   "host address",
			nodes:  []Node{alive("a")},
			others: []*appsv1.Deployment{holder},
			as:     []Assignment{on(holder, 0, "a")},
			want:   deploy("web", 1, port(8080), hostIP("10.1.2.3")),
			reason: "0/1 nodes are available: 1 node(s) have port 10.1.2.3:8080/TCP in use.",
		},
		{
			name:   "IPv6 host address",
			nodes:  []Node{alive("a")},
			others: []*appsv1.Deployment{holder},
			as:     []Assignment{on(holder, 0, "a")},
			want:   deploy("web", 1, port(8080), hostIP("fd00::1")),
			reason: "0/1 nodes are available: 1 node(s) have port [fd00::1]:8080/TCP in use.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.nodes, append(tt.others, tt.want), tt.as...)
			out := Plan(in)
			if len(out.Pending) != 1 {
				t.Fatalf("pending = %+v; want one pod", out.Pending)
			}
			p := out.Pending[0]
			if p.Pod.Key() != key(tt.want, 0) {
				t.Errorf("pending pod = %s; want %s", p.Pod.Key(), key(tt.want, 0))
			}
			if p.Reason != tt.reason {
				t.Errorf("reason:\n got %q\nwant %q", p.Reason, tt.reason)
			}
		})
	}
}

func TestEveryPendingReplicaIsListed(t *testing.T) {
	web := deploy("web", 3, selector("disk", "ssd"))
	out := Plan(input([]Node{alive("a")}, []*appsv1.Deployment{web}))
	var got []string
	for _, p := range out.Pending {
		got = append(got, p.Pod.Key())
		if p.Pod.Owner != "web" || p.Pod.TemplateHash == "" {
			t.Errorf("pending pod %s lacks its owner or template hash: %+v", p.Pod.Key(), p.Pod)
		}
	}
	want := []string{key(web, 0), key(web, 1), key(web, 2)}
	if len(got) != 3 || !sameSet(got, want) {
		t.Fatalf("pending = %v; want %v", got, want)
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
