package quadlet

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// Kubernetes' grace period: the default of terminationGracePeriodSeconds, and the least
// time a container gets between its stop signal and SIGKILL (the kubelet's
// minimumGracePeriodInSeconds), which a preStop hook that used up the grace leaves it too.
const (
	DefaultGracePeriod = 30 * time.Second
	MinStopTimeout     = 2 * time.Second
)

var signalName = regexp.MustCompile(`^(SIG)?[A-Z0-9+-]+$`)

// stopTimeoutMargin is how much longer systemd waits for a container's stop than podman
// does before it kills the container: systemd kills podman itself when its stop takes
// longer than TimeoutStopSec=, and its default (90 s) is shorter than many grace periods.
const stopTimeoutMargin = 30

// GracePeriod is how long a pod has to stop once it drained: its
// terminationGracePeriodSeconds, 30 s when unset, and at least 1 s, as a graceful delete
// in Kubernetes (0 there means a forced delete, which a pod leaving its node is not).
func GracePeriod(spec *corev1.PodSpec) time.Duration {
	g := DefaultGracePeriod
	if s := spec.TerminationGracePeriodSeconds; s != nil {
		g = time.Duration(*s) * time.Second
	}
	return max(g, time.Second)
}

// stopTimeout is the StopTimeout= of the pod's containers, in seconds: the grace period,
// and never under the kubelet's minimum, since a container stopped without a hook gets
// the whole grace after its stop signal.
func stopTimeout(spec *corev1.PodSpec) int64 {
	return int64(max(GracePeriod(spec), MinStopTimeout) / time.Second)
}

// HookAction is the kind of a lifecycle hook.
type HookAction string

// The hook actions the agent runs, as Kubernetes names them.
const (
	HookExec    HookAction = "exec"
	HookHTTPGet HookAction = "httpGet"
	HookSleep   HookAction = "sleep"
)

// Hook is a container's preStop hook as the agent runs it, resolved from the pod spec:
// named ports made numbers, defaults filled in.
type Hook struct {
	Action HookAction
	// Command is the exec hook's command, run in the container as it is (no shell, no
	// $(VAR) expansion, as the kubelet).
	Command []string
	// HTTPGet is the httpGet hook's request.
	HTTPGet *HTTPGetHook
	// Sleep is the sleep hook's duration.
	Sleep time.Duration
}

// HTTPGetHook is the request of an httpGet hook.
type HTTPGetHook struct {
	// Scheme is "http" or "https" (its certificate is not checked, as the kubelet does).
	Scheme string
	// Host is the host the hook names; "" for the pod itself, which the agent reaches
	// through the node port Port is published on.
	Host string
	// Port is the TCP port, a container port of the pod unless Host is set.
	Port int32
	// Path is the request's path and query, "/" when the hook gives none.
	Path    string
	Headers []corev1.HTTPHeader
}

// lifecycle writes the stop signal and the stop timeout, and resolves the preStop hook.
func (r *renderer) lifecycle(u *unitFile, ca containerAt) (*Hook, error) {
	c, p := ca.c, ca.path
	var hook *Hook
	if l := c.Lifecycle; l != nil {
		if err := r.checkFields(p+".lifecycle", l, lifecycleRules); err != nil {
			return nil, err
		}
		if s := l.StopSignal; s != nil {
			if !signalName.MatchString(string(*s)) {
				return nil, fieldError(p+".lifecycle.stopSignal", "%q is not a signal name", *s)
			}
			u.add("Container", "StopSignal", string(*s))
		}
		if l.PreStop != nil {
			h, err := r.preStop(l.PreStop, field.NewPath(p).Child("lifecycle", "preStop"), ca)
			if err != nil {
				return nil, err
			}
			hook = h
		}
	}
	u.add("Container", "StopTimeout", strconv.FormatInt(stopTimeout(&r.pod.Spec), 10))
	return hook, nil
}

// preStop checks a preStop hook with Kubernetes' rules and messages and resolves it. An
// init container that runs to its end has no hook to run: it is not running when its pod
// stops. A tcpSocket hook passes Kubernetes' validation but the kubelet does not run it;
// so neither does the agent.
func (r *renderer) preStop(h *corev1.LifecycleHandler, p *field.Path, ca containerAt) (*Hook, error) {
	path := pathString(p)
	if err := r.checkFields(path, h, lifecycleHandlerRules); err != nil {
		return nil, err
	}
	handlers := setFields(reflect.ValueOf(h))
	if len(handlers) == 0 {
		return nil, kubeError(field.Required(p, "must specify a handler type"))
	}
	if len(handlers) > 1 {
		return nil, kubeError(field.Forbidden(p.Child(handlers[1]), "may not specify more than 1 handler type"))
	}
	var hook *Hook
	switch {
	case h.Exec != nil:
		ep := p.Child("exec")
		if err := r.checkFields(pathString(ep), h.Exec, execActionRules); err != nil {
			return nil, err
		}
		if len(h.Exec.Command) == 0 {
			return nil, kubeError(field.Required(ep.Child("command"), ""))
		}
		hook = &Hook{Action: HookExec, Command: slices.Clone(h.Exec.Command)}
	case h.HTTPGet != nil:
		hg, err := r.httpGetHook(h.HTTPGet, p.Child("httpGet"), ca.c)
		if err != nil {
			return nil, err
		}
		hook = &Hook{Action: HookHTTPGet, HTTPGet: hg}
	case h.Sleep != nil:
		grace := int64(GracePeriod(&r.pod.Spec) / time.Second)
		if s := h.Sleep.Seconds; s < 0 || s > grace {
			return nil, kubeError(field.Invalid(p.Child("sleep"), s,
				fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", grace)))
		}
		hook = &Hook{Action: HookSleep, Sleep: time.Duration(h.Sleep.Seconds) * time.Second}
	case h.TCPSocket != nil:
		r.warn(pathString(p.Child("tcpSocket")), "%s (a tcpSocket hook is kept by Kubernetes for compatibility and not run)", unsupportedIgnored)
		return nil, nil
	}
	if ca.init && !ca.isSidecar() {
		r.warn(path, "%s (an init container that is not a sidecar has ended before its pod stops)", unsupportedIgnored)
		return nil, nil
	}
	return hook, nil
}

// httpGetHook checks an httpGet hook and resolves its port. Without a host, the agent
// reaches the pod through the node port the hook's port is published on, so the port
// must be one the pod declares (in any of its containers: they share one network).
func (r *renderer) httpGetHook(h *corev1.HTTPGetAction, p *field.Path, c *corev1.Container) (*HTTPGetHook, error) {
	if err := r.checkFields(pathString(p), h, httpGetRules); err != nil {
		return nil, err
	}
	out := &HTTPGetHook{Scheme: "http", Host: h.Host, Path: h.Path}
	switch h.Scheme {
	case "", corev1.URISchemeHTTP:
	case corev1.URISchemeHTTPS:
		out.Scheme = "https"
	default:
		return nil, kubeError(field.NotSupported(p.Child("scheme"), h.Scheme, []string{string(corev1.URISchemeHTTP), string(corev1.URISchemeHTTPS)}))
	}
	if out.Path == "" {
		out.Path = "/" // Kubernetes' default
	}
	if h.Protocol != nil && *h.Protocol != corev1.HTTPProtocolHTTP1 {
		return nil, kubeError(field.NotSupported(p.Child("protocol"), *h.Protocol, []string{string(corev1.HTTPProtocolHTTP1)}))
	}
	for i, hd := range h.HTTPHeaders {
		hp := p.Child("httpHeaders").Index(i)
		if err := r.checkFields(pathString(hp), &hd, httpHeaderRules); err != nil {
			return nil, err
		}
		if msgs := validation.IsHTTPHeaderName(hd.Name); len(msgs) > 0 {
			return nil, kubeError(field.Invalid(p.Child("httpHeaders"), hd.Name, msgs[0]))
		}
		out.Headers = append(out.Headers, hd)
	}
	pp := p.Child("port")
	switch h.Port.Type {
	case intstr.Int:
		if msgs := validation.IsValidPortNum(h.Port.IntValue()); len(msgs) > 0 {
			return nil, kubeError(field.Invalid(pp, h.Port.IntValue(), msgs[0]))
		}
		out.Port = h.Port.IntVal
	default:
		if msgs := validation.IsValidPortName(h.Port.StrVal); len(msgs) > 0 {
			return nil, kubeError(field.Invalid(pp, h.Port.StrVal, msgs[0]))
		}
		for _, cp := range c.Ports {
			if cp.Name == h.Port.StrVal {
				out.Port = cp.ContainerPort
			}
		}
		if out.Port == 0 {
			return nil, kubeError(field.Invalid(pp, h.Port.StrVal, "the container declares no port of this name"))
		}
	}
	if out.Host == "" && !r.pod.Spec.HostNetwork && !r.declaresTCP(out.Port) {
		return nil, kubeError(field.Invalid(pp, out.Port,
			"the agent reaches the pod through the node port a container port is published on: declare this port (TCP) in a container's ports, or set host"))
	}
	return out, nil
}

// declaresTCP tells whether a container of the pod that publishes ports declares port as
// a TCP port.
func (r *renderer) declaresTCP(port int32) bool {
	for _, pp := range manifest.PublishedPorts(&r.pod.Spec) {
		if pp.ContainerPort == port && (pp.Protocol == "" || pp.Protocol == corev1.ProtocolTCP) {
			return true
		}
	}
	return false
}

// kubeError is a Kubernetes field error as Render reports it: the field, then the rest of
// Kubernetes' message.
func kubeError(e *field.Error) *FieldError {
	return &FieldError{Field: e.Field, Reason: e.ErrorBody()}
}

// pathString is a field path as Render's errors and warnings write it.
func pathString(p *field.Path) string { return p.String() }
