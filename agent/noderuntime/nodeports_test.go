package noderuntime

import (
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/netalloc"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

func webPod(name string, ports ...corev1.ContainerPort) manifest.Pod {
	return manifest.Pod{Namespace: "default", Name: name, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "app", Image: "i", Ports: ports}}}}
}

var http8080 = corev1.ContainerPort{Name: "http", ContainerPort: 8080}

// Fifty pods that all listen on 8080 get fifty different node ports; a pod keeps its port
// across updates, and a released port is not handed out again at once.
func TestPickPortsManyPodsOnOnePort(t *testing.T) {
	r := netalloc.PortRange{First: 20000, Last: 20099}
	want := map[string][]quadlet.PortKey{}
	for i := range 50 {
		want["default/web-"+strconv.Itoa(i)] = []quadlet.PortKey{{Port: 8080, Protocol: corev1.ProtocolTCP}}
	}
	always := func(int32, quadlet.PortKey) bool { return true }
	got, problems := pickPorts(r, want, nil, nil, always)
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	seen := map[int32]string{}
	for key, ports := range got {
		p := ports[quadlet.PortKey{Port: 8080, Protocol: corev1.ProtocolTCP}]
		if !r.Contains(p) {
			t.Errorf("%s got %d, outside %s", key, p, r)
		}
		if other, dup := seen[p]; dup {
			t.Errorf("%s and %s share node port %d", key, other, p)
		}
		seen[p] = key
	}
	// web-0 leaves, web-new comes: the others keep theirs, web-new does not get web-0's.
	old := got["default/web-0"][quadlet.PortKey{Port: 8080, Protocol: corev1.ProtocolTCP}]
	delete(want, "default/web-0")
	want["default/web-new"] = []quadlet.PortKey{{Port: 8080, Protocol: corev1.ProtocolTCP}}
	again, _ := pickPorts(r, want, got, nil, always)
	for key, ports := range again {
		if key != "default/web-new" && ports[quadlet.PortKey{Port: 8080, Protocol: corev1.ProtocolTCP}] != got[key][quadlet.PortKey{Port: 8080, Protocol: corev1.ProtocolTCP}] {
			t.Errorf("%s changed its node port", key)
		}
	}
	if p := again["default/web-new"][quadlet.PortKey{Port: 8080, Protocol: corev1.ProtocolTCP}]; p == old {
		t.Errorf("the port web-0 released (%d) went to web-new at once", p)
	}
}

// Ports reserved on the node (explicit hostPorts, pods published the old way) and ports
// busy on the node are skipped; a used-up range says so, naming the range.
func TestPickPortsSkipsReservedAndBusy(t *testing.T) {
	r := netalloc.PortRange{First: 20000, Last: 20002}
	k := quadlet.PortKey{Port: 80, Protocol: corev1.ProtocolTCP}
	busy := func(p int32, _ quadlet.PortKey) bool { return p != 20001 }
	got, problems := pickPorts(r, map[string][]quadlet.PortKey{"default/a": {k}}, nil, map[int32]bool{20000: true}, busy)
	if len(problems) != 0 || got["default/a"][k] != 20002 {
		t.Fatalf("got %v, %v; want 20002", got, problems)
	}
	_, problems = pickPorts(r, map[string][]quadlet.PortKey{"default/a": {k}, "default/b": {k}}, got, map[int32]bool{20000: true}, busy)
	if err := problems["default/b"]; err == nil || err.Error() != "no free node port for container port 80/TCP: the node port range 20000-20002 is used up" {
		t.Errorf("problems = %v", problems)
	}
}

// The table picks really free ports on the node (one held by another program is skipped),
// and a reopened table (a restarted agent) gives every pod the same network.
func TestNodePortsKeepAcrossRestart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	held := int32(l.Addr().(*net.TCPAddr).Port)
	cfg := NodePortsConfig{
		File:    filepath.Join(t.TempDir(), NodePortsFile),
		Range:   netalloc.PortRange{First: held, Last: held + 20},
		Address: "127.0.0.1",
		PodCIDR: func() netip.Prefix { return netip.MustParsePrefix("10.42.0.0/16") },
		OnStart: func(pod string) []string { return []string{"swarm", "netns", "load", "--pod", pod} },
	}
	n, err := OpenNodePorts(cfg, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	web := webPod("web", http8080, corev1.ContainerPort{ContainerPort: 9090, HostPort: 9090})
	old := webPod("old", http8080)
	n.Update([]manifest.Pod{web, old}, map[string]string{"default/web": "10.42.0.5"})
	net1 := n.Network(web)
	if net1 == nil {
		t.Fatal("no network for a pod with a pod IP")
	}
	if n.Network(old) != nil {
		t.Error("a pod without a pod IP got a network")
	}
	k := quadlet.PortKey{Port: 8080, Protocol: corev1.ProtocolTCP}
	if p := net1.NodePorts[k]; p == held || p == 0 {
		t.Errorf("8080 got node port %d (held by another program: %d)", p, held)
	}
	if _, ok := net1.NodePorts[quadlet.PortKey{Port: 9090, Protocol: corev1.ProtocolTCP}]; ok {
		t.Error("an explicit hostPort got a node port")
	}
	if net1.Address != netip.MustParsePrefix("10.42.0.5/16") || net1.Gateway != netip.MustParseAddr("10.42.0.1") {
		t.Errorf("address %s gateway %s", net1.Address, net1.Gateway)
	}
	if len(net1.OnStart) == 0 || net1.OnStart[len(net1.OnStart)-1] != quadlet.PodName("default", "web") {
		t.Errorf("OnStart = %q", net1.OnStart)
	}
	reopened, err := OpenNodePorts(cfg, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	// The pod is draining: no longer assigned, so no IP from the store; it keeps its own.
	reopened.Update([]manifest.Pod{web}, nil)
	net2 := reopened.Network(web)
	if net2 == nil || net2.NodePorts[k] != net1.NodePorts[k] || net2.Address != net1.Address {
		t.Errorf("after a restart: %+v, before: %+v", net2, net1)
	}
	reopened.Update(nil, nil)
	if reopened.Network(web) != nil {
		t.Error("a pod the node no longer runs kept its ports")
	}
}

// A port only a readiness or startup probe names gets a node port too, beside the ones the
// pod keeps, and the rendered pod publishes it and points its probe at it.
func TestNodePortsForProbePorts(t *testing.T) {
	cfg := NodePortsConfig{
		File:    filepath.Join(t.TempDir(), NodePortsFile),
		Range:   netalloc.PortRange{First: 20000, Last: 20099},
		Address: "127.0.0.1",
		PodCIDR: func() netip.Prefix { return netip.MustParsePrefix("10.42.0.0/16") },
	}
	n, err := OpenNodePorts(cfg, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	web := webPod("web", http8080)
	ips := map[string]string{"default/web": "10.42.0.5"}
	n.Update([]manifest.Pod{web}, ips)
	k8080 := quadlet.PortKey{Port: 8080, Protocol: corev1.ProtocolTCP}
	k8081 := quadlet.PortKey{Port: 8081, Protocol: corev1.ProtocolTCP}
	before := n.Network(web).NodePorts[k8080]

	// The pod comes back with probes: one on a declared port, one on a port of its own,
	// one with a host of its own (which needs no node port).
	web.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(8081)}}}
	web.Spec.Containers[0].StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}}}
	web.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(9999)}}}
	n.Update([]manifest.Pod{web}, ips)
	nw := n.Network(web)
	if nw.NodePorts[k8080] != before {
		t.Errorf("8080 moved from node port %d to %d", before, nw.NodePorts[k8080])
	}
	probePort := nw.NodePorts[k8081]
	if !cfg.Range.Contains(probePort) || probePort == before || len(nw.NodePorts) != 2 {
		t.Fatalf("node ports %v: want 8080 and the probe's 8081 only", nw.NodePorts)
	}
	res, err := quadlet.Render(web, quadlet.Options{PublishAddress: "127.0.0.1", Pod: nw})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range res.Units {
		if u.Kind == quadlet.KindPod && !strings.Contains(u.Text, "PublishPort=127.0.0.1:"+strconv.Itoa(int(probePort))+":8081/tcp") {
			t.Errorf("the probe port is not published:\n%s", u.Text)
		}
		if u.Kind == quadlet.KindContainer && (u.Readiness.NodePort != probePort || u.Startup.NodePort != before) {
			t.Errorf("probes reach node ports %d and %d, want %d and %d", u.Readiness.NodePort, u.Startup.NodePort, probePort, before)
		}
	}
}
