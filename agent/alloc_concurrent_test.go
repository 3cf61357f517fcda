package agent

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Two nodes, neither of them the leader, each apply 20 Services at the same moment, one
// request per Service, all 40 at once; every other one is a NodePort with two ports. Every
// node ends up showing each Service with a ClusterIP of its own in the service CIDR, and
// each NodePort's ports with node ports of their own in range; the allocations then stay
// as they are.
func TestConcurrentAppliesGetDistinctAddresses(t *testing.T) {
	agents := startAgents(t, 3, nil)
	through := agents[1:]
	const each = 20
	type answer struct {
		name string
		code int
		body string
		err  error
	}
	answers := make(chan answer, each*len(through))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range through {
		token := nodeToken(t, a)
		for j := range each {
			name := fmt.Sprintf("s%d-%02d", i, j)
			typ := corev1.ServiceType("")
			if j%2 == 0 {
				typ = corev1.ServiceTypeNodePort
			}
			wg.Go(func() {
				<-start
				code, body, err := postManifest(a, token, svcYAML(name, typ, ""), "")
				answers <- answer{name, code, string(body), err}
			})
		}
	}
	close(start)
	wg.Wait()
	close(answers)
	for ans := range answers {
		if ans.err != nil || ans.code != http.StatusOK || !strings.Contains(ans.body, `"result":"created"`) {
			t.Fatalf("apply %s: HTTP %d %s %v", ans.name, ans.code, ans.body, ans.err)
		}
	}

	eventually(t, 20*time.Second, "every node shows the 40 Services with their addresses", func() bool {
		for _, a := range agents {
			svcs := services(t, a)
			if len(svcs) != each*len(through) {
				return false
			}
			for _, s := range svcs {
				if !allocated(s) {
					return false
				}
			}
		}
		return true
	})
	want := services(t, agents[0])
	checkServiceAddresses(t, "n0", want)
	records := allocationRecords(t, agents[0])
	if len(records) != len(want) {
		t.Errorf("n0 holds %d allocation records for %d Services", len(records), len(want))
	}
	for name, s := range want {
		r := records["default/"+name]
		if r.ClusterIP != s.Spec.ClusterIP {
			t.Errorf("%s is shown with ClusterIP %s, its record holds %s", name, s.Spec.ClusterIP, r.ClusterIP)
		}
		for _, p := range s.Spec.Ports {
			if np := r.NodePort(p.Port, p.Protocol); np != p.NodePort {
				t.Errorf("%s port %d is shown with node port %d, its record holds %d", name, p.Port, p.NodePort, np)
			}
		}
	}
	versions := allocationVersions(agents[0])
	settle()
	for _, a := range agents {
		got := services(t, a)
		for name, s := range want {
			if g := got[name]; g.Spec.ClusterIP != s.Spec.ClusterIP || !portsEqual(g.Spec.Ports, s.Spec.Ports) {
				t.Errorf("%s shows %s with %s %v; n0 shows %s %v", a.cfg.NodeName, name,
					g.Spec.ClusterIP, g.Spec.Ports, s.Spec.ClusterIP, s.Spec.Ports)
			}
		}
		if v := allocationVersions(a); !maps.Equal(v, versions) {
			t.Errorf("%s's allocation records changed after all were allocated: %v; n0's were %v", a.cfg.NodeName, v, versions)
		}
	}
}

func portsEqual(a, b []corev1.ServicePort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Port != b[i].Port || a[i].NodePort != b[i].NodePort {
			return false
		}
	}
	return true
}
