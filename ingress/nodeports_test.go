package ingress

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/ingress/l4"
)

// TestNodePorts: the ingress forwards a NodePort Service's node port to its endpoint, and a
// LoadBalancer Service's port too, except where it is the ingress's own HTTP port; the ports
// file follows the agent's Services.
func TestNodePorts(t *testing.T) {
	backend := backendServer(t, "127.0.0.1", "web", nil)
	ports := freeTCPPorts(t, 3)
	own := "127.0.0.1:" + strconv.Itoa(int(ports[0])) // the ingress's HTTP address
	httpPort, nodePort, lbNodePort := ports[0], ports[1], ports[2]

	web := service("web", endpoint("web-a", "n1", backend.Listener.Addr().String(), true))
	web.Type, web.ClusterIP = corev1.ServiceTypeNodePort, "10.43.0.1"
	web.Ports[0].NodePort = nodePort
	lb := service("lb", endpoint("lb-a", "n1", backend.Listener.Addr().String(), true))
	lb.Type, lb.ClusterIP = corev1.ServiceTypeLoadBalancer, "10.43.0.2"
	lb.Ports[0].Port, lb.Ports[0].NodePort = httpPort, lbNodePort
	agent := newFakeAgent(t, State{Services: []discovery.Service{web, lb}})

	file := filepath.Join(t.TempDir(), "ports.json")
	startIngress(t, Config{Agent: agent.URL, Listen: own, PortsFile: file})
	wantPorts := func(ports ...int32) func() bool {
		return func() bool {
			got, err := l4.ReadOpened(file)
			if err != nil || len(got) != len(ports) {
				return false
			}
			for i, o := range got {
				if o.Port != ports[i] {
					return false
				}
			}
			return true
		}
	}
	want := []int32{nodePort, lbNodePort}
	if lbNodePort < nodePort {
		want = []int32{lbNodePort, nodePort}
	}
	eventually(t, "both node ports listed", wantPorts(want...))
	for _, p := range []int32{nodePort, lbNodePort} {
		resp, err := client.Get("http://127.0.0.1:" + strconv.Itoa(int(p)) + "/")
		if err != nil {
			t.Fatalf("node port %d: %v", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(body) != "web" {
			t.Errorf("node port %d: %d %q, want 200 web", p, resp.StatusCode, body)
		}
	}

	// web goes away: its port closes and leaves the file.
	agent.set(State{Services: []discovery.Service{lb}})
	eventually(t, "web's node port closed", wantPorts(lbNodePort))
	if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(int(nodePort))); err == nil {
		c.Close()
		t.Errorf("node port %d still open", nodePort)
	}
}

// freeTCPPorts are n distinct ports of 127.0.0.1 that were free a moment ago: held open
// together, so that none is given twice.
func freeTCPPorts(t *testing.T, n int) []int32 {
	var out []int32
	for range n {
		ln := listenOn(t, "127.0.0.1")
		defer ln.Close()
		_, p, _ := net.SplitHostPort(ln.Addr().String())
		port, _ := strconv.Atoi(p)
		out = append(out, int32(port))
	}
	return out
}
