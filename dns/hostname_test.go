package dns

import (
	"testing"
	"time"

	mdns "github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// statefulPods are the pods of a StatefulSet db under its headless Service db, as
// discovery sees them: db-0 and db-1 ready, db-2 not; and a pod of another set whose
// subdomain names another Service.
func statefulPods() []discovery.Pod {
	mk := func(name, subdomain, ip string, ready bool) discovery.Pod {
		return discovery.Pod{Pod: manifest.Pod{Namespace: "shop", Name: name, Labels: map[string]string{"app": "db"},
			Spec: corev1.PodSpec{Hostname: name, Subdomain: subdomain, Containers: []corev1.Container{{Name: "pg",
				Ports: []corev1.ContainerPort{{Name: "pg", ContainerPort: 5432}}}}}},
			Node: "node1", Address: "10.0.0.1", PodIP: ip, Ready: ready}
	}
	return []discovery.Pod{mk("db-0", "db", "10.42.0.20", true), mk("db-1", "db", "10.42.0.21", true),
		mk("db-2", "db", "10.42.0.22", false), mk("other-0", "elsewhere", "10.42.0.23", true)}
}

func statefulService() *corev1.Service {
	return &corev1.Service{
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": "db"},
			Ports: []corev1.ServicePort{{Name: "pg", Port: 5432}}},
	}
}

// A StatefulSet's ready pod is <pod>.<service>.<namespace>.svc under its governing
// headless Service, answering its pod IP, and is its SRV target under that name; a pod
// not ready, or whose subdomain names another Service, has no such name.
func TestStatefulPodNames(t *testing.T) {
	svc := statefulService()
	svc.Namespace, svc.Name = "shop", "db"
	eps := discovery.Endpoints(svc, statefulPods())
	h := NewHandler(HandlerConfig{
		Domain:    "cluster.local",
		TTL:       5 * time.Second,
		Source:    Static{NewCatalog([]discovery.Service{eps}, 1)},
		Forwarder: noForward{t},
		Whitelist: HostList{},
	})
	tests := []struct {
		qname  string
		qtype  uint16
		rcode  int
		answer section
	}{
		{qname: "db-0.db.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{"db-0.db.shop.svc.cluster.local. 5 IN A 10.42.0.20"}},
		{qname: "DB-1.db.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{"DB-1.db.shop.svc.cluster.local. 5 IN A 10.42.0.21"}},
		{qname: "db-1.db.shop.cluster.local.", qtype: mdns.TypeA, answer: section{"db-1.db.shop.cluster.local. 5 IN A 10.42.0.21"}},
		{qname: "db-2.db.shop.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError},
		{qname: "other-0.db.shop.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError},
		{qname: "10-42-0-20.db.shop.svc.cluster.local.", qtype: mdns.TypeA, answer: section{"10-42-0-20.db.shop.svc.cluster.local. 5 IN A 10.42.0.20"}},
		// other-0 is selected by the Service but named under another one: its dashed IP.
		{qname: "_pg._tcp.db.shop.svc.cluster.local.", qtype: mdns.TypeSRV, answer: section{
			"_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV 0 1 5432 10-42-0-23.db.shop.svc.cluster.local.",
			"_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV 0 1 5432 db-0.db.shop.svc.cluster.local.",
			"_pg._tcp.db.shop.svc.cluster.local. 5 IN SRV 0 1 5432 db-1.db.shop.svc.cluster.local.",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.qname, func(t *testing.T) {
			m := query(t, h, tc.qname, tc.qtype)
			if m.Rcode != tc.rcode {
				t.Errorf("rcode %s, want %s", mdns.RcodeToString[m.Rcode], mdns.RcodeToString[tc.rcode])
			}
			checkSection(t, "answer", m.Answer, tc.answer)
		})
	}
	// The same names through a server on loopback, over UDP and TCP.
	addr := startServer(t, h)
	for _, network := range []string{"udp", "tcp"} {
		check(t, ask(t, network, addr, "db-1.db.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess,
			section{"db-1.db.shop.svc.cluster.local. 5 IN A 10.42.0.21"})
		check(t, ask(t, network, addr, "db-2.db.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeNameError, nil)
	}
}
