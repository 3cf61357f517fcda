package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/discovery"
)

// The default ranges, which these tests do not change.
var (
	testServiceCIDR = netip.MustParsePrefix("10.43.0.0/16")
	testPodCIDR     = netip.MustParsePrefix("10.42.0.0/16")
)

const testNodePortMin, testNodePortMax = 30000, 32767

// svcYAML is a Service of type typ ("" is ClusterIP) with selector app=name, asking
// for clusterIP ("" for any). A NodePort or LoadBalancer Service has two ports, 80 and
// 443, asking for nodePorts[i] (absent or 0: any); any other has port 80 only.
func svcYAML(name string, typ corev1.ServiceType, clusterIP string, nodePorts ...int32) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n  selector: {app: %s}\n", name, name)
	if typ != "" {
		fmt.Fprintf(&b, "  type: %s\n", typ)
	}
	if clusterIP != "" {
		fmt.Fprintf(&b, "  clusterIP: %q\n", clusterIP)
	}
	b.WriteString("  ports:\n")
	ports := []int32{80}
	if typ == corev1.ServiceTypeNodePort || typ == corev1.ServiceTypeLoadBalancer {
		ports = []int32{80, 443}
	}
	for i, p := range ports {
		fmt.Fprintf(&b, "    - {name: p%d, port: %d", p, p)
		if i < len(nodePorts) && nodePorts[i] != 0 {
			fmt.Fprintf(&b, ", nodePort: %d", nodePorts[i])
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// postManifest applies a manifest with token and answers the status code and body; it
// calls no t method, so that many goroutines may apply at once. query is added to the
// path ("" or "ack=local", say).
func postManifest(a *Agent, token, yaml, query string) (int, []byte, error) {
	path := "http://" + a.APIAddr() + "/api/v1/manifests"
	if query != "" {
		path += "?" + query
	}
	req, err := http.NewRequest("POST", path, bytes.NewReader([]byte(yaml)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// refusal applies a manifest that must be refused with a 422, and answers the details.
func refusal(t *testing.T, a *Agent, yaml string) []string {
	t.Helper()
	code, body, err := postManifest(a, nodeToken(t, a), yaml, "")
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("apply through %s: HTTP %d %s; want 422", a.cfg.NodeName, code, body)
	}
	var e api.APIError
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if !strings.Contains(e.Message, "nothing was applied") {
		t.Errorf("the refusal says %q; want it to say nothing was applied", e.Message)
	}
	return e.Details
}

// services lists the Services an agent's API shows, by name (namespace default).
func services(t *testing.T, a *Agent) map[string]corev1.Service {
	t.Helper()
	var l struct{ Items []corev1.Service }
	if code := call(t, a, "GET", "/api/v1/services", "", nil, &l); code != http.StatusOK {
		t.Fatalf("list services on %s: HTTP %d", a.cfg.NodeName, code)
	}
	out := map[string]corev1.Service{}
	for _, s := range l.Items {
		out[s.Name] = s
	}
	return out
}

// service reads one Service through an agent's API; false on 404.
func service(t *testing.T, a *Agent, name string) (corev1.Service, bool) {
	t.Helper()
	var s corev1.Service
	switch code := call(t, a, "GET", "/api/v1/services/default/"+name, "", nil, &s); code {
	case http.StatusOK:
		return s, true
	case http.StatusNotFound:
		return s, false
	default:
		t.Fatalf("get service %s from %s: HTTP %d", name, a.cfg.NodeName, code)
		return s, false
	}
}

// endpointsOf reads a Service as the agent gives it to its companions (the DNS, the
// ingress, the pods' rules).
func endpointsOf(t *testing.T, a *Agent, name string) discovery.Service {
	t.Helper()
	var s discovery.Service
	if code := call(t, a, "GET", "/api/v1/services/default/"+name+"/endpoints", "", nil, &s); code != http.StatusOK {
		t.Fatalf("get the endpoints of %s from %s: HTTP %d", name, a.cfg.NodeName, code)
	}
	return s
}

// allocated reports whether the API shows svc with everything it is due: a ClusterIP, and
// for a NodePort or LoadBalancer a node port on every port.
func allocated(svc corev1.Service) bool {
	if svc.Spec.ClusterIP == "" || len(svc.Spec.ClusterIPs) != 1 || svc.Spec.ClusterIPs[0] != svc.Spec.ClusterIP {
		return false
	}
	if svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		for _, p := range svc.Spec.Ports {
			if p.NodePort == 0 {
				return false
			}
		}
	}
	return true
}

// allocationRecords reads the allocation records in an agent's own store, by Service key.
func allocationRecords(t *testing.T, a *Agent) map[string]store.ServiceAllocation {
	t.Helper()
	out := map[string]store.ServiceAllocation{}
	for _, e := range a.Node().List(store.PrefixServiceAllocation) {
		var al store.ServiceAllocation
		if err := json.Unmarshal(e.Value, &al); err != nil {
			t.Fatalf("%s: decode %s: %v", a.cfg.NodeName, e.Key, err)
		}
		out[strings.TrimPrefix(e.Key, store.PrefixServiceAllocation)] = al
	}
	return out
}

// allocationVersions are the store versions of the allocation records, by key.
func allocationVersions(a *Agent) map[string]cluster.Version {
	out := map[string]cluster.Version{}
	for _, e := range a.Node().List(store.PrefixServiceAllocation) {
		out[e.Key] = e.Version
	}
	return out
}

// checkServiceAddresses fails the test unless every Service of svcs that wants a
// ClusterIP has one of its own in the service CIDR (never its network, first or broadcast
// address), and every node port is in the Service node-port range and held by one port
// of one Service.
func checkServiceAddresses(t *testing.T, where string, svcs map[string]corev1.Service) {
	t.Helper()
	ips := map[string]string{}
	ports := map[int32]string{}
	for name, s := range svcs {
		ip, err := netip.ParseAddr(s.Spec.ClusterIP)
		switch {
		case err != nil:
			t.Errorf("%s: %s has ClusterIP %q", where, name, s.Spec.ClusterIP)
			continue
		case !testServiceCIDR.Contains(ip) || ip == testServiceCIDR.Addr() || ip == testServiceCIDR.Addr().Next() ||
			ip == netip.MustParseAddr("10.43.255.255"):
			t.Errorf("%s: %s has ClusterIP %s, which is not one to give out of %s", where, name, ip, testServiceCIDR)
		case ips[ip.String()] != "":
			t.Errorf("%s: %s and %s both have ClusterIP %s", where, ips[ip.String()], name, ip)
		}
		ips[ip.String()] = name
		if s.Spec.Type != corev1.ServiceTypeNodePort && s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		for _, p := range s.Spec.Ports {
			switch {
			case p.NodePort < testNodePortMin || p.NodePort > testNodePortMax:
				t.Errorf("%s: %s port %d has node port %d, outside %d-%d", where, name, p.Port, p.NodePort, testNodePortMin, testNodePortMax)
			case ports[p.NodePort] != "":
				t.Errorf("%s: node port %d is held by %s and by %s port %d", where, p.NodePort, ports[p.NodePort], name, p.Port)
			}
			ports[p.NodePort] = fmt.Sprintf("%s port %d", name, p.Port)
		}
	}
}
