package quadlet

import (
	"net"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// ProbeKind is how a probe checks its container.
type ProbeKind string

// The kinds of probe.
const (
	ProbeHTTP ProbeKind = "http"
	ProbeTCP  ProbeKind = "tcp"
	ProbeExec ProbeKind = "exec"
)

// Probe is one of a container's probes, resolved for whoever runs it: the node's agent runs
// the readiness and startup probes from the node, podman runs the liveness probe (and the
// startup probe in front of it) inside the container. The timing fields hold Kubernetes'
// defaults where the pod leaves them at zero.
type Probe struct {
	Kind ProbeKind
	// Port is the container port an http or tcp probe checks, a named port resolved.
	Port int32
	// Host is the probe's own host (httpGet.host, tcpSocket.host), "" when it names none.
	Host string
	// NodeHost and NodePort are where the node reaches Port: the node port it is published
	// on (a probe port that no container declares is published too, see ProbePorts), at
	// NodeHost, the port's hostIP; "" means the node's own address. NodePort is 0 when the
	// probe names a Host, which is then checked at Host:Port, and for a livenessProbe, which
	// podman checks inside the pod.
	NodeHost string
	NodePort int32
	// Path ("/" when unset), Scheme ("http" or "https") and Headers are an http probe's.
	Path    string
	Scheme  string
	Headers []ProbeHeader
	// Command is an exec probe's command, with the variables the kubelet expands expanded.
	Command []string

	InitialDelaySeconds int32
	PeriodSeconds       int32
	TimeoutSeconds      int32
	SuccessThreshold    int32
	FailureThreshold    int32
}

// ProbeHeader is one header an http probe sends.
type ProbeHeader struct {
	Name  string
	Value string
}

// Kubernetes' default for successThreshold (a liveness or startup probe must keep it).
const defaultSuccessThreshold = 1

// probeFact resolves a probe that healthCheck has checked already; fromNode for one the
// agent runs from the node, which needs to know where the node reaches its port (podman runs
// a livenessProbe inside the pod, where the port is the container's own).
func (r *renderer) probeFact(probe *corev1.Probe, p string, c *corev1.Container, env *envList, ones, fromNode bool) (*Probe, error) {
	f := &Probe{
		InitialDelaySeconds: probe.InitialDelaySeconds,
		PeriodSeconds:       orDefault(probe.PeriodSeconds, defaultPeriodSeconds),
		TimeoutSeconds:      orDefault(probe.TimeoutSeconds, defaultTimeoutSeconds),
		SuccessThreshold:    orDefault(probe.SuccessThreshold, defaultSuccessThreshold),
		FailureThreshold:    orDefault(probe.FailureThreshold, defaultFailureThreshold),
	}
	if ones {
		// Kubernetes takes no other value for a liveness or startup probe.
		f.SuccessThreshold = defaultSuccessThreshold
	}
	var port intstr.IntOrString
	var portPath string
	switch {
	case probe.Exec != nil:
		f.Kind = ProbeExec
		for _, w := range probe.Exec.Command {
			f.Command = append(f.Command, expand(w, env.lookupStatic))
		}
		return f, nil
	case probe.HTTPGet != nil:
		h := probe.HTTPGet
		f.Kind, f.Host, f.Path, f.Scheme = ProbeHTTP, h.Host, h.Path, "http"
		if f.Path == "" {
			f.Path = "/"
		}
		if h.Scheme == corev1.URISchemeHTTPS {
			f.Scheme = "https"
		}
		for _, hd := range h.HTTPHeaders {
			f.Headers = append(f.Headers, ProbeHeader{Name: hd.Name, Value: hd.Value})
		}
		port, portPath = h.Port, p+".httpGet.port"
	case probe.TCPSocket != nil:
		f.Kind, f.Host = ProbeTCP, probe.TCPSocket.Host
		port, portPath = probe.TCPSocket.Port, p+".tcpSocket.port"
	}
	n, err := resolvePort(port, portPath, c)
	if err != nil {
		return nil, err
	}
	f.Port = n
	if f.Host != "" || !fromNode {
		return f, nil
	}
	if f.NodeHost, f.NodePort, err = r.probeTarget(n); err != nil {
		return nil, fieldError(portPath, "%v", err)
	}
	return f, nil
}

// probeTarget is where the node reaches a container port of the pod over TCP: with the
// node's network, the port itself; else the node port it is published on, as a declared
// port or as a probe port.
func (r *renderer) probeTarget(port int32) (host string, nodePort int32, err error) {
	spec := &r.pod.Spec
	if spec.HostNetwork {
		return "", port, nil
	}
	pp := manifest.PublishedPort{ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP}
	for _, d := range manifest.PublishedPorts(spec) {
		if d.ContainerPort == port && d.Protocol == corev1.ProtocolTCP {
			pp = d
			break
		}
	}
	pp, err = r.nodePort(pp)
	if err != nil {
		return "", 0, err
	}
	if ip := net.ParseIP(pp.HostIP); ip != nil && !ip.IsUnspecified() {
		host = pp.HostIP
	}
	return host, pp.HostPort, nil
}

// ProbePorts lists the TCP ports that the node's agent probes (from a readinessProbe or
// startupProbe without a host of its own) and that no container of the pod declares, in
// the spec's order: they are published on the node too, without a hostPort, so that the
// agent reaches them. A pod with the node's network publishes nothing and has none.
func ProbePorts(spec *corev1.PodSpec) []PortKey {
	if spec.HostNetwork {
		return nil
	}
	seen := map[int32]bool{}
	for _, pp := range manifest.PublishedPorts(spec) {
		if pp.Protocol == corev1.ProtocolTCP {
			seen[pp.ContainerPort] = true
		}
	}
	var out []PortKey
	var running []corev1.Container
	for _, c := range spec.InitContainers {
		if isSidecar(c) {
			running = append(running, c)
		}
	}
	for _, c := range append(running, spec.Containers...) {
		for _, probe := range []*corev1.Probe{c.ReadinessProbe, c.StartupProbe} {
			port, ok := agentProbePort(probe)
			// A named port is a declared one; a number out of range is refused by Render.
			if !ok || port.Type != intstr.Int || port.IntVal < 1 || port.IntVal > 65535 || seen[port.IntVal] {
				continue
			}
			seen[port.IntVal] = true
			out = append(out, PortKey{Port: port.IntVal, Protocol: corev1.ProtocolTCP})
		}
	}
	return out
}

// agentProbePort is the port of an http or tcp probe that names no host.
func agentProbePort(probe *corev1.Probe) (intstr.IntOrString, bool) {
	switch {
	case probe == nil:
	case probe.HTTPGet != nil && probe.HTTPGet.Host == "":
		return probe.HTTPGet.Port, true
	case probe.TCPSocket != nil && probe.TCPSocket.Host == "":
		return probe.TCPSocket.Port, true
	}
	return intstr.IntOrString{}, false
}
