package quadlet

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// containerUnit is the rendered unit of one container.
func containerUnit(t *testing.T, res Result, container string) Unit {
	t.Helper()
	for _, u := range res.Units {
		if u.Kind == KindContainer && u.Container == container {
			return u
		}
	}
	t.Fatalf("no unit for container %s", container)
	return Unit{}
}

// All three probes at once: each is a fact of the unit, resolved with Kubernetes'
// defaults; only the livenessProbe is a health check.
func TestProbeFactsAllThree(t *testing.T) {
	res, err := Render(loadPod(t, filepath.Join("testdata", "probes", "input.yaml")), goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	api := containerUnit(t, res, "api")
	wantLive := &Probe{Kind: ProbeExec, Command: []string{"/bin/check", "--mode=strict"},
		PeriodSeconds: 15, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3}
	wantStartup := &Probe{Kind: ProbeHTTP, Port: 8080, NodePort: 8080, Path: "/started", Scheme: "http",
		PeriodSeconds: 1, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 60}
	wantReady := &Probe{Kind: ProbeHTTP, Port: 9901, NodePort: 9901, Path: "/ready", Scheme: "https",
		Headers:       []ProbeHeader{{Name: "X-Probe", Value: "readiness"}},
		PeriodSeconds: 2, TimeoutSeconds: 1, SuccessThreshold: 2, FailureThreshold: 1}
	for _, c := range []struct {
		name      string
		got, want *Probe
	}{{"liveness", api.Liveness, wantLive}, {"startup", api.Startup, wantStartup}, {"readiness", api.Readiness, wantReady}} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("api %s:\n got %+v\nwant %+v", c.name, c.got, c.want)
		}
	}
	if !api.Health {
		t.Error("api: the livenessProbe is no health check")
	}
	worker := containerUnit(t, res, "worker")
	if worker.Health || worker.Liveness != nil {
		t.Errorf("worker: health %v, liveness %+v: it has no livenessProbe", worker.Health, worker.Liveness)
	}
	if worker.Startup == nil || worker.Startup.Kind != ProbeTCP || worker.Startup.NodePort != 7000 {
		t.Errorf("worker startup %+v", worker.Startup)
	}
	if worker.Readiness == nil || !slices.Equal(worker.Readiness.Command, []string{"/bin/ready"}) {
		t.Errorf("worker readiness %+v", worker.Readiness)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings %v", res.Warnings)
	}
}

// With a network of its own, a probe reaches its port through the node port the node
// picked: a declared port's, or one picked for a port that only a probe names, which the
// pod publishes too. A probe with a host of its own goes there, on no node port.
func TestProbeFactsNodePorts(t *testing.T) {
	o := goldenOptions
	o.PublishAddress = "198.18.0.11"
	o.Pod = ownNetwork()
	o.Pod.NodePorts[PortKey{Port: 8081, Protocol: corev1.ProtocolTCP}] = 20003
	pod := podWithPorts(
		corev1.ContainerPort{Name: "http", ContainerPort: 8080},
		corev1.ContainerPort{ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		corev1.ContainerPort{Name: "admin", ContainerPort: 9090, HostPort: 9090, HostIP: "198.18.0.12"},
	)
	c := &pod.Spec.Containers[0]
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}}
	c.StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8081)}}}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("admin")}}}
	if got := ProbePorts(&pod.Spec); !slices.Equal(got, []PortKey{{Port: 8081, Protocol: corev1.ProtocolTCP}}) {
		t.Errorf("ProbePorts = %v", got)
	}
	res, err := Render(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	u := containerUnit(t, res, "app")
	if r := u.Readiness; r.Port != 8080 || r.NodePort != 20001 || r.NodeHost != "" || r.Path != "/" {
		t.Errorf("readiness %+v", r)
	}
	if s := u.Startup; s.Port != 8081 || s.NodePort != 20003 {
		t.Errorf("startup %+v", s)
	}
	// podman checks a livenessProbe inside the pod: no node port.
	if l := u.Liveness; l.Port != 9090 || l.NodePort != 0 || l.NodeHost != "" {
		t.Errorf("liveness %+v", l)
	}
	if got := podLines(t, res, "Pod", "PublishPort"); !slices.Contains(got, "198.18.0.11:20003:8081/tcp") {
		t.Errorf("PublishPort = %q: the probe port is not published", got)
	}

	// A port with a hostIP of its own is reached there.
	admin := c.ReadinessProbe
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("admin")}}}
	res, err = Render(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	if r := containerUnit(t, res, "app").Readiness; r.Port != 9090 || r.NodePort != 9090 || r.NodeHost != "198.18.0.12" {
		t.Errorf("readiness on a port with a hostIP %+v", r)
	}
	c.ReadinessProbe = admin

	// Without the probe port's node port, the pod cannot be rendered, as with a declared one.
	delete(o.Pod.NodePorts, PortKey{Port: 8081, Protocol: corev1.ProtocolTCP})
	if _, err := Render(pod, o); err == nil || !strings.Contains(err.Error(), "no node port was picked for container port 8081/TCP") {
		t.Errorf("Render without the probe port's node port: %v", err)
	}

	// A host of its own: no node port, and nothing published for it.
	c.StartupProbe.TCPSocket.Host = "db.example"
	res, err = Render(pod, o)
	if err != nil {
		t.Fatal(err)
	}
	if s := containerUnit(t, res, "app").Startup; s.Host != "db.example" || s.NodePort != 0 || s.Port != 8081 {
		t.Errorf("startup with a host %+v", s)
	}

	// The node's network: the port itself, nothing published.
	pod.Spec.HostNetwork = true
	c.StartupProbe.TCPSocket.Host = ""
	if got := ProbePorts(&pod.Spec); got != nil {
		t.Errorf("ProbePorts with the node's network = %v", got)
	}
	res, err = Render(pod, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := containerUnit(t, res, "app").Startup; s.NodePort != 8081 {
		t.Errorf("startup with the node's network %+v", s)
	}
}

// Every probe's fields are checked alike, whoever runs it.
func TestProbeValidation(t *testing.T) {
	tcp := func() *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)}}}
	}
	type set func(c *corev1.Container, p *corev1.Probe)
	probes := map[string]set{
		"livenessProbe":  func(c *corev1.Container, p *corev1.Probe) { c.LivenessProbe = p },
		"readinessProbe": func(c *corev1.Container, p *corev1.Probe) { c.ReadinessProbe = p },
		"startupProbe":   func(c *corev1.Container, p *corev1.Probe) { c.StartupProbe = p },
	}
	for _, tc := range []struct {
		name string
		edit func(p *corev1.Probe)
		want string // after "spec.containers[0].<probe>"
	}{
		{"negative period", func(p *corev1.Probe) { p.PeriodSeconds = -1 }, ".periodSeconds: -1 is negative"},
		{"negative threshold", func(p *corev1.Probe) { p.FailureThreshold = -2 }, ".failureThreshold: -2 is negative"},
		{"no handler", func(p *corev1.Probe) { p.TCPSocket = nil }, ": a probe needs exactly one of exec, httpGet, tcpSocket"},
		{"two handlers", func(p *corev1.Probe) { p.Exec = &corev1.ExecAction{Command: []string{"true"}} }, ": a probe needs exactly one of exec, httpGet, tcpSocket"},
		{"grpc", func(p *corev1.Probe) { p.TCPSocket, p.GRPC = nil, &corev1.GRPCAction{Port: 9000} }, ".grpc: not supported"},
		{"port out of range", func(p *corev1.Probe) { p.TCPSocket.Port = intstr.FromInt32(70000) }, ".tcpSocket.port: 70000 is not a port number"},
		{"unknown port name", func(p *corev1.Probe) { p.TCPSocket.Port = intstr.FromString("web") }, `.tcpSocket.port: the container has no port named "web"`},
		{"empty exec", func(p *corev1.Probe) { p.TCPSocket, p.Exec = nil, &corev1.ExecAction{} }, ".exec.command: the program to run is empty"},
		{"bad scheme", func(p *corev1.Probe) {
			p.TCPSocket, p.HTTPGet = nil, &corev1.HTTPGetAction{Port: intstr.FromInt32(80), Scheme: "FTP"}
		}, `.httpGet.scheme: "FTP" is not one of HTTP, HTTPS`},
		{"bad header", func(p *corev1.Probe) {
			p.TCPSocket, p.HTTPGet = nil, &corev1.HTTPGetAction{Port: intstr.FromInt32(80), HTTPHeaders: []corev1.HTTPHeader{{Name: "A B"}}}
		}, `.httpGet.httpHeaders[0].name: "A B" is not a header name`},
	} {
		for field, setProbe := range probes {
			t.Run(tc.name+"/"+field, func(t *testing.T) {
				p := tcp()
				tc.edit(p)
				pod := testPod(func(m *manifest.Pod) { setProbe(&m.Spec.Containers[0], p) })
				_, err := Render(pod, Options{})
				want := "spec.containers[0]." + field + tc.want
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Render: %v, want %q", err, want)
				}
			})
		}
	}
}
