package agent

import (
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// storeVersions is every live key of an agent's store and its version.
func storeVersions(a *Agent) map[string]cluster.Version {
	out := map[string]cluster.Version{}
	for _, e := range a.Node().List("") {
		out[e.Key] = e.Version
	}
	return out
}

// waitAllocated waits until every agent shows the Service allocated, and answers it as
// the first agent shows it.
func waitAllocated(t *testing.T, agents []*Agent, name string) corev1.Service {
	t.Helper()
	eventually(t, 20*time.Second, "every node shows "+name+" allocated", func() bool {
		for _, a := range agents {
			if s, ok := service(t, a, name); !ok || !allocated(s) {
				return false
			}
		}
		return true
	})
	s, _ := service(t, agents[0], name)
	return s
}

// A clusterIP or nodePort asked for that is taken or outside its range is refused with a
// 422 that names the field in Kubernetes' words; the whole manifest is refused, its valid
// second document too, and no node's store changes.
func TestApplyRefusesTakenOrOutOfRangeAddresses(t *testing.T) {
	agents := startAgents(t, 2, nil)
	apply(t, agents[0], svcYAML("holder", corev1.ServiceTypeNodePort, "10.43.5.5", 31000))
	// The refusals go through the other node, which knows of the holder only by gossip.
	holder := waitAllocated(t, agents, "holder")
	if holder.Spec.ClusterIP != "10.43.5.5" || holder.Spec.Ports[0].NodePort != 31000 {
		t.Fatalf("holder got %s and node port %d; it asked for 10.43.5.5 and 31000", holder.Spec.ClusterIP, holder.Spec.Ports[0].NodePort)
	}
	settle() // the network record and the allocation have reached both stores
	before := []map[string]cluster.Version{storeVersions(agents[0]), storeVersions(agents[1])}
	second := "---\n" + deploymentYAML("extra", 1, "")
	for _, c := range []struct {
		what, yaml, want string
	}{
		{"a taken clusterIP", svcYAML("other", "", "10.43.5.5"),
			`spec.clusterIP: Invalid value: "10.43.5.5": provided IP is already allocated`},
		{"a clusterIP outside the service CIDR", svcYAML("other", "", "10.99.0.5"),
			`spec.clusterIP: Invalid value: "10.99.0.5": provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16`},
		{"a taken nodePort", svcYAML("other", corev1.ServiceTypeNodePort, "", 31000),
			`spec.ports[0].nodePort: Invalid value: 31000: provided port is already allocated`},
		{"a nodePort outside the range", svcYAML("other", corev1.ServiceTypeNodePort, "", 0, 29999),
			`spec.ports[1].nodePort: Invalid value: 29999: provided port is not in the valid range. The range of valid ports is 30000-32767`},
	} {
		details := refusal(t, agents[1], c.yaml+second)
		if len(details) != 1 || !strings.Contains(details[0], c.want) {
			t.Errorf("%s: the refusal's details are %q; want one saying %q", c.what, details, c.want)
		}
	}
	for i, a := range agents {
		if got := storeVersions(a); !maps.Equal(got, before[i]) {
			t.Errorf("%s's store changed after the refusals: %v; was %v", a.cfg.NodeName, got, before[i])
		}
		if _, ok := service(t, a, "other"); ok {
			t.Errorf("%s shows the refused Service", a.cfg.NodeName)
		}
		if _, ok := deployment(t, a, "extra"); ok {
			t.Errorf("%s shows the refused manifest's Deployment", a.cfg.NodeName)
		}
	}
}

// An update of a Service keeps its ClusterIP, and its allocation record is not written
// again; an update that asks for another ClusterIP is refused as immutable. Deleting the
// Service deletes its allocation record on every node, and a new Service may then ask for
// the address.
func TestServiceKeepsItsAddressUntilDeleted(t *testing.T) {
	agents := startAgents(t, 3, nil)
	apply(t, agents[1], svcYAML("web", "", ""))
	ip := waitAllocated(t, agents, "web").Spec.ClusterIP
	key := store.ServiceAllocationKey("default/web")
	rec, ok := agents[0].Node().Get(key)
	if !ok {
		t.Fatalf("no record under %s", key)
	}

	changed := strings.Replace(svcYAML("web", "", ""), "port: 80", "port: 8080", 1)
	if r := applyResult(t, agents[2], changed); r != "configured" {
		t.Fatalf("update: %s", r)
	}
	eventually(t, 10*time.Second, "every node shows web's new port", func() bool {
		for _, a := range agents {
			if s, _ := service(t, a, "web"); len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Port != 8080 {
				return false
			}
		}
		return true
	})
	settle()
	for _, a := range agents {
		if s, _ := service(t, a, "web"); s.Spec.ClusterIP != ip {
			t.Errorf("after the update %s shows web with %s; it had %s", a.cfg.NodeName, s.Spec.ClusterIP, ip)
		}
		if now, _ := a.Node().Get(key); now.Version != rec.Version {
			t.Errorf("after the update %s holds web's allocation at version %v; it was %v", a.cfg.NodeName, now.Version, rec.Version)
		}
	}
	// Asking for the address it has is no change of it.
	if r := applyResult(t, agents[0], strings.Replace(changed, "  selector:", "  clusterIP: "+ip+"\n  selector:", 1)); r != "configured" {
		t.Errorf("applying web with its own ClusterIP: %s", r)
	}
	details := refusal(t, agents[2], svcYAML("web", "", "10.43.200.200"))
	if len(details) != 1 || !strings.Contains(details[0], "spec.clusterIPs[0]: Invalid value:") ||
		!strings.Contains(details[0], "10.43.200.200") || !strings.HasSuffix(details[0], ": field is immutable") {
		t.Errorf("changing the ClusterIP: %q; want spec.clusterIPs[0] ... field is immutable", details)
	}

	if code := call(t, agents[2], "DELETE", "/api/v1/manifests/default/web", "", nil, nil); code != http.StatusOK {
		t.Fatalf("delete: HTTP %d", code)
	}
	eventually(t, 20*time.Second, "no node holds web's allocation", func() bool {
		for _, a := range agents {
			if _, ok := a.Node().Get(key); ok {
				return false
			}
		}
		return true
	})
	apply(t, agents[2], svcYAML("reuse", "", ip))
	if got := waitAllocated(t, agents, "reuse").Spec.ClusterIP; got != ip {
		t.Fatalf("reuse asked for the freed %s and got %s", ip, got)
	}
}
