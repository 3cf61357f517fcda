package dns

import (
	"context"
	"net"
	"sort"
	"testing"

	mdns "github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/lifecycle"
)

// run starts r until the end of the test; an error when it stops fails the test.
func run(t *testing.T, what string, r lifecycle.Runnable) {
	t.Helper()
	var g lifecycle.Group
	g.Add(what, r)
	running := g.Go(context.Background())
	t.Cleanup(func() {
		if err := running.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

// recorder is a mdns.ResponseWriter that keeps the answer, for calling a handler directly.
type recorder struct {
	tcp bool
	msg *mdns.Msg
}

func (r *recorder) LocalAddr() net.Addr { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53} }
func (r *recorder) RemoteAddr() net.Addr {
	if r.tcp {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	}
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (r *recorder) WriteMsg(m *mdns.Msg) error { r.msg = m; return nil }
func (r *recorder) Write(b []byte) (int, error) {
	r.msg = new(mdns.Msg)
	return len(b), r.msg.Unpack(b)
}
func (r *recorder) Close() error        { return nil }
func (r *recorder) TsigStatus() error   { return nil }
func (r *recorder) TsigTimersOnly(bool) {}
func (r *recorder) Hijack()             {}

// query asks h directly and returns its answer.
func query(t *testing.T, h mdns.Handler, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	req := new(mdns.Msg).SetQuestion(name, qtype)
	w := &recorder{}
	h.ServeDNS(w, req)
	if w.msg == nil {
		t.Fatalf("%s %s: no answer written", name, mdns.TypeToString[qtype])
	}
	return w.msg
}

// section is what a test expects of one section: records in zone-file syntax, in any order.
type section []string

// checkSection compares records against their zone-file text, ignoring order.
func checkSection(t *testing.T, what string, got []mdns.RR, want section) {
	t.Helper()
	var g, w []string
	for _, rr := range got {
		if rr.Header().Rrtype == mdns.TypeOPT {
			continue
		}
		g = append(g, rr.String())
	}
	for _, s := range want {
		rr, err := mdns.NewRR(s)
		if err != nil {
			t.Fatalf("bad test record %q: %v", s, err)
		}
		w = append(w, rr.String())
	}
	sort.Strings(g)
	sort.Strings(w)
	if len(g) != len(w) {
		t.Errorf("%s: got %d records, want %d:\ngot  %q\nwant %q", what, len(g), len(w), g, w)
		return
	}
	for i := range g {
		if g[i] != w[i] {
			t.Errorf("%s: record %d:\ngot  %s\nwant %s", what, i, g[i], w[i])
		}
	}
}

// fixture is the cluster of the handler tests. web and resolver are headless Services of
// pods placed before pods had their own address: they answer their ready pods' node
// addresses and node ports, and web's answers rotate. db and empty have no ClusterIP yet.
// The Services after them are of the current model: api and cache with a ClusterIP, peers
// headless with pod IPs, mail, leak, tracker and alias ExternalName (outside and inside the
// cluster domain), loop1 and loop2 ExternalName Services that name each other.
func fixture() []discovery.Service {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	return []discovery.Service{
		{Namespace: "shop", Name: "web", ClusterIP: discovery.ClusterIPNone,
			Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: tcp}, {Name: "metrics", Port: 9090, Protocol: tcp}},
			Endpoints: []discovery.Endpoint{
				{Pod: "web-1", Node: "node1", Address: "10.0.0.1", Ready: true,
					Ports: []discovery.Port{{Name: "http", Port: 30080, Protocol: tcp}, {Name: "metrics", Port: 30090, Protocol: tcp}}},
				{Pod: "web-2", Node: "node2", Address: "10.0.0.2", Ready: true,
					Ports: []discovery.Port{{Name: "http", Port: 30080, Protocol: tcp}, {Name: "metrics", Port: 30090, Protocol: tcp}}},
				{Pod: "web-3", Node: "node3", Address: "10.0.0.3", Ready: false,
					Ports: []discovery.Port{{Name: "http", Port: 30080, Protocol: tcp}}},
				{Pod: "web-4", Node: "Node1", Address: "10.0.0.1", Ready: true,
					Ports: []discovery.Port{{Name: "http", Port: 30081, Protocol: tcp}}},
			}},
		{Namespace: "shop", Name: "db",
			Ports: []discovery.Port{{Port: 5432, Protocol: tcp}},
			Endpoints: []discovery.Endpoint{
				{Pod: "db-0", Node: "node2", Address: "10.0.0.2", Ready: false, Ports: []discovery.Port{{Port: 5432, Protocol: tcp}}},
			}},
		{Namespace: "shop", Name: "resolver", ClusterIP: discovery.ClusterIPNone,
			Ports: []discovery.Port{{Name: "dns", Port: 53, Protocol: udp}},
			Endpoints: []discovery.Endpoint{
				{Pod: "resolver-0", Node: "node6", Address: "fd00::6", Ready: true, Ports: []discovery.Port{{Name: "dns", Port: 30053, Protocol: udp}}},
			}},
		{Namespace: "ops", Name: "empty", Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: tcp}}, Endpoints: []discovery.Endpoint{}},
		{Namespace: "shop", Name: "api", Type: corev1.ServiceTypeClusterIP, ClusterIP: "10.43.0.10",
			Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: tcp}, {Port: 9000, Protocol: tcp}},
			Endpoints: []discovery.Endpoint{
				{Pod: "api-1", Node: "node1", Address: "10.0.0.1", PodIP: "10.42.0.5", Ready: true,
					Ports: []discovery.Port{{Name: "http", Port: 20001, Protocol: tcp, TargetPort: 8080}, {Port: 20002, Protocol: tcp, TargetPort: 9000}}},
				{Pod: "api-2", Node: "node2", Address: "10.0.0.2", PodIP: "10.42.1.5", Ready: false,
					Ports: []discovery.Port{{Name: "http", Port: 20001, Protocol: tcp, TargetPort: 8080}}},
			}},
		{Namespace: "shop", Name: "cache", Type: corev1.ServiceTypeNodePort, ClusterIP: "10.43.0.11",
			Ports: []discovery.Port{{Name: "redis", Port: 6379, Protocol: tcp, NodePort: 30379}}, Endpoints: []discovery.Endpoint{}},
		{Namespace: "shop", Name: "peers", Type: corev1.ServiceTypeClusterIP, ClusterIP: discovery.ClusterIPNone,
			Ports: []discovery.Port{{Name: "gossip", Port: 7946, Protocol: tcp}},
			Endpoints: []discovery.Endpoint{
				{Pod: "peers-0", Node: "node1", Address: "10.0.0.1", PodIP: "10.42.0.7", Ready: true,
					Ports: []discovery.Port{{Name: "gossip", Port: 20010, Protocol: tcp, TargetPort: 7946}}},
				{Pod: "peers-1", Node: "node2", Address: "10.0.0.2", PodIP: "10.42.1.3", Ready: true,
					Ports: []discovery.Port{{Name: "gossip", Port: 20011, Protocol: tcp, TargetPort: 7946}}},
				{Pod: "peers-2", Node: "node3", Address: "10.0.0.3", PodIP: "10.42.2.4", Ready: false,
					Ports: []discovery.Port{{Name: "gossip", Port: 20012, Protocol: tcp, TargetPort: 7946}}},
			}},
		{Namespace: "shop", Name: "mail", Type: corev1.ServiceTypeExternalName, ExternalName: "www.example.com", Ports: []discovery.Port{}, Endpoints: []discovery.Endpoint{}},
		{Namespace: "shop", Name: "leak", Type: corev1.ServiceTypeExternalName, ExternalName: "leak.example.com", Ports: []discovery.Port{}, Endpoints: []discovery.Endpoint{}},
		{Namespace: "shop", Name: "tracker", Type: corev1.ServiceTypeExternalName, ExternalName: "tracker.example.net", Ports: []discovery.Port{}, Endpoints: []discovery.Endpoint{}},
		{Namespace: "shop", Name: "alias", Type: corev1.ServiceTypeExternalName, ExternalName: "API.shop.svc.cluster.local.", Ports: []discovery.Port{}, Endpoints: []discovery.Endpoint{}},
		{Namespace: "shop", Name: "loop1", Type: corev1.ServiceTypeExternalName, ExternalName: "loop2.shop.svc.cluster.local", Ports: []discovery.Port{}, Endpoints: []discovery.Endpoint{}},
		{Namespace: "shop", Name: "loop2", Type: corev1.ServiceTypeExternalName, ExternalName: "loop1.shop.svc.cluster.local", Ports: []discovery.Port{}, Endpoints: []discovery.Endpoint{}},
	}
}
