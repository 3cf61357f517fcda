package quadlet

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probeHost is where httpGet and tcpSocket probes connect when the probe names no host. The
// check runs inside the pod's network namespace, where the loopback address reaches every
// port the pod listens on (Kubernetes uses the pod's IP instead).
const probeHost = "127.0.0.1"

// Kubernetes' probe defaults, for the fields left at zero.
const (
	defaultPeriodSeconds    = 10
	defaultTimeoutSeconds   = 1
	defaultFailureThreshold = 3
)

// healthCheck is one podman health check made from a probe.
type healthCheck struct {
	cmd         string // the JSON exec form, already written with rawValue
	interval    string
	timeout     string
	retries     string
	startPeriod string // "" when there is none
	usesBinary  bool   // the command runs the node's swarm binary
}

// containerProbes are a container's probes as facts of its unit, for the agent (readiness,
// startup) and for describe (liveness).
type containerProbes struct {
	liveness, readiness, startup *Probe
}

// probes writes the container's health check and resolves its probes. podman has one
// health check per container (plus a startup check in front of it): the livenessProbe is
// that check and kills the container when it fails (systemd then restarts it, per
// restartPolicy), with the startupProbe as podman's startup check in front of it. The
// node's agent runs the readinessProbe and the startupProbe (see Unit.Readiness), so
// neither needs a health check of its own. It returns whether the container got a health
// check.
func (r *renderer) probes(u *unitFile, ca containerAt, env *envList) (health bool, facts containerProbes, err error) {
	c, p := ca.c, ca.path
	live, ready, startup := c.LivenessProbe, c.ReadinessProbe, c.StartupProbe
	if ca.init && !ca.isSidecar() {
		for _, pr := range []struct {
			field string
			probe *corev1.Probe
		}{{"livenessProbe", live}, {"readinessProbe", ready}, {"startupProbe", startup}} {
			if pr.probe != nil {
				r.warn(p+"."+pr.field, "%s (an init container that is not a sidecar has no probes)", unsupportedIgnored)
			}
		}
		return false, containerProbes{}, nil
	}
	var regular, start *healthCheck
	if live != nil {
		lp := p + ".livenessProbe"
		if regular, err = r.healthCheck(live, lp, c, env, true); err != nil {
			return false, facts, err
		}
		if facts.liveness, err = r.probeFact(live, lp, c, env, true, false); err != nil {
			return false, facts, err
		}
	}
	if ready != nil {
		rp := p + ".readinessProbe"
		// Checked as a health check would be, so that every probe takes the same fields.
		if _, err = r.healthCheck(ready, rp, c, env, false); err != nil {
			return false, facts, err
		}
		if facts.readiness, err = r.probeFact(ready, rp, c, env, false, true); err != nil {
			return false, facts, err
		}
	}
	if startup != nil {
		sp := p + ".startupProbe"
		if start, err = r.healthCheck(startup, sp, c, env, true); err != nil {
			return false, facts, err
		}
		if facts.startup, err = r.probeFact(startup, sp, c, env, true, true); err != nil {
			return false, facts, err
		}
		if regular == nil {
			// The agent runs it, and kills the container when it fails.
			start = nil
		} else if start.startPeriod != "" {
			r.warn(sp+".initialDelaySeconds", "%s (podman's startup check starts at once)", unsupportedIgnored)
		}
	}
	if regular == nil {
		return false, facts, nil
	}
	if regular.usesBinary || start != nil && start.usesBinary {
		v, err := rawValue(r.opts.SwarmBinary + ":" + ProbeBinary + ":ro")
		if err == nil && strings.Contains(r.opts.SwarmBinary, ":") {
			err = fmt.Errorf("holds ':'")
		}
		if err != nil {
			return false, facts, fieldError("options.SwarmBinary", "%q %v", r.opts.SwarmBinary, err)
		}
		u.add("Container", "Volume", v)
	}
	u.add("Container", "HealthCmd", regular.cmd)
	u.add("Container", "HealthInterval", regular.interval)
	u.add("Container", "HealthTimeout", regular.timeout)
	u.add("Container", "HealthRetries", regular.retries)
	if regular.startPeriod != "" {
		u.add("Container", "HealthStartPeriod", regular.startPeriod)
	}
	u.add("Container", "HealthOnFailure", "kill")
	if start != nil {
		u.add("Container", "HealthStartupCmd", start.cmd)
		u.add("Container", "HealthStartupInterval", start.interval)
		u.add("Container", "HealthStartupTimeout", start.timeout)
		u.add("Container", "HealthStartupRetries", start.retries)
	}
	return true, facts, nil
}

// healthCheck checks one probe's fields and turns it into a podman health check. podman
// passes a check at its first success: with one set, a livenessProbe or startupProbe warns
// that its successThreshold is ignored (Kubernetes takes only 1 there); the agent honours a
// readinessProbe's.
func (r *renderer) healthCheck(probe *corev1.Probe, p string, c *corev1.Container, env *envList, ones bool) (*healthCheck, error) {
	if err := r.checkFields(p, probe, probeRules); err != nil {
		return nil, err
	}
	for _, n := range []struct {
		field string
		value int32
	}{
		{"initialDelaySeconds", probe.InitialDelaySeconds},
		{"timeoutSeconds", probe.TimeoutSeconds},
		{"periodSeconds", probe.PeriodSeconds},
		{"successThreshold", probe.SuccessThreshold},
		{"failureThreshold", probe.FailureThreshold},
	} {
		if n.value < 0 {
			return nil, fieldError(p+"."+n.field, "%d is negative", n.value)
		}
	}
	if ones && probe.SuccessThreshold > 1 {
		r.warn(p+".successThreshold", "%s (one success makes the container healthy)", unsupportedIgnored)
	}
	hc := &healthCheck{
		interval: seconds(probe.PeriodSeconds, defaultPeriodSeconds),
		timeout:  seconds(probe.TimeoutSeconds, defaultTimeoutSeconds),
		retries:  strconv.Itoa(int(orDefault(probe.FailureThreshold, defaultFailureThreshold))),
	}
	if probe.InitialDelaySeconds > 0 {
		hc.startPeriod = seconds(probe.InitialDelaySeconds, 0)
	}
	var cmd []string
	var err error
	switch handlers := len(setFields(reflect.ValueOf(&probe.ProbeHandler))); {
	case handlers != 1:
		return nil, fieldError(p, "a probe needs exactly one of exec, httpGet, tcpSocket")
	case probe.Exec != nil:
		cmd, hc.usesBinary, err = r.execProbe(probe.Exec, p+".exec", env)
	case probe.HTTPGet != nil:
		cmd, err = r.httpProbe(probe.HTTPGet, p+".httpGet", c, hc.timeout)
		hc.usesBinary = true
	case probe.TCPSocket != nil:
		cmd, err = r.tcpProbe(probe.TCPSocket, p+".tcpSocket", c, hc.timeout)
		hc.usesBinary = true
	}
	if err != nil {
		return nil, err
	}
	j, err := jsonArray(cmd)
	if err == nil {
		hc.cmd, err = rawValue(j)
	}
	if err != nil {
		return nil, fieldError(p, "%v", err)
	}
	return hc, nil
}

// execProbe runs the probe's command. podman runs a JSON array of two or more words as it
// is, but reads a single word, or a first word of CMD, CMD-SHELL or NONE, in Docker's way
// (through /bin/sh, or as a keyword); such commands go through `swarm probe exec --`, which
// runs them as written.
func (r *renderer) execProbe(e *corev1.ExecAction, p string, env *envList) ([]string, bool, error) {
	if err := r.checkFields(p, e, execActionRules); err != nil {
		return nil, false, err
	}
	if len(e.Command) == 0 || e.Command[0] == "" {
		return nil, false, fieldError(p+".command", "the program to run is empty")
	}
	cmd := make([]string, len(e.Command))
	for i, w := range e.Command {
		// The kubelet expands only the variables with a literal value in probes.
		cmd[i] = expand(w, env.lookupStatic)
	}
	switch strings.ToUpper(cmd[0]) {
	case "CMD", "CMD-SHELL", "NONE":
	default:
		if len(cmd) > 1 {
			return cmd, false, nil
		}
	}
	return append([]string{ProbeBinary, "probe", "exec", "--"}, cmd...), true, nil
}

// httpProbe runs `swarm probe http` from the node's swarm binary, so the image needs
// neither curl nor a shell.
func (r *renderer) httpProbe(h *corev1.HTTPGetAction, p string, c *corev1.Container, timeout string) ([]string, error) {
	if err := r.checkFields(p, h, httpGetRules); err != nil {
		return nil, err
	}
	port, err := probePort(h.Port, p+".port", c)
	if err != nil {
		return nil, err
	}
	scheme := strings.ToLower(string(h.Scheme))
	switch h.Scheme {
	case "":
		scheme = "http"
	case corev1.URISchemeHTTP, corev1.URISchemeHTTPS:
	default:
		return nil, fieldError(p+".scheme", "%q is not one of HTTP, HTTPS", h.Scheme)
	}
	if h.Protocol != nil && *h.Protocol != corev1.HTTPProtocolHTTP1 {
		return nil, fieldError(p+".protocol", "%q is not supported; only HTTP1 is", *h.Protocol)
	}
	urlPath := h.Path
	if urlPath == "" {
		urlPath = "/"
	}
	cmd := []string{ProbeBinary, "probe", "http",
		"--host", orHost(h.Host), "--port", port, "--path", urlPath, "--scheme", scheme, "--timeout", timeout}
	for i, hd := range h.HTTPHeaders {
		hp := fmt.Sprintf("%s.httpHeaders[%d]", p, i)
		if err := r.checkFields(hp, &hd, httpHeaderRules); err != nil {
			return nil, err
		}
		if hd.Name == "" || strings.ContainsAny(hd.Name, ": \t\r\n") {
			return nil, fieldError(hp+".name", "%q is not a header name", hd.Name)
		}
		cmd = append(cmd, "--header", hd.Name+": "+hd.Value)
	}
	return cmd, nil
}

// tcpProbe runs `swarm probe tcp` from the node's swarm binary.
func (r *renderer) tcpProbe(t *corev1.TCPSocketAction, p string, c *corev1.Container, timeout string) ([]string, error) {
	if err := r.checkFields(p, t, tcpSocketRules); err != nil {
		return nil, err
	}
	port, err := probePort(t.Port, p+".port", c)
	if err != nil {
		return nil, err
	}
	return []string{ProbeBinary, "probe", "tcp", "--host", orHost(t.Host), "--port", port, "--timeout", timeout}, nil
}

// probePort resolves a probe's port as the command line of `swarm probe` takes it.
func probePort(port intstr.IntOrString, p string, c *corev1.Container) (string, error) {
	n, err := resolvePort(port, p, c)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(int(n)), nil
}

// resolvePort resolves a probe's port: a number, or the name of one of the container's ports.
func resolvePort(port intstr.IntOrString, p string, c *corev1.Container) (int32, error) {
	n := port.IntVal
	if port.Type == intstr.String {
		n = 0
		for _, cp := range c.Ports {
			if cp.Name != "" && cp.Name == port.StrVal {
				n = cp.ContainerPort
				break
			}
		}
		if n == 0 {
			return 0, fieldError(p, "the container has no port named %q", port.StrVal)
		}
	}
	if n < 1 || n > 65535 {
		return 0, fieldError(p, "%d is not a port number", n)
	}
	return n, nil
}

func orHost(h string) string {
	if h == "" {
		return probeHost
	}
	return h
}

func orDefault(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}

// seconds writes a number of seconds as a Go duration, the form podman reads.
func seconds(v, def int32) string {
	return strconv.Itoa(int(orDefault(v, def))) + "s"
}
