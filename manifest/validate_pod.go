package manifest

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodSpec checks a pod spec with Kubernetes' rules for the fields a node runs.
func validatePodSpec(spec *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	volumes := sets.New[string]()
	for i, v := range spec.Volumes {
		vp := p.Child("volumes").Index(i)
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(vp.Child("name"), v.Name, msg))
		}
		if volumes.Has(v.Name) {
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
		}
		volumes.Insert(v.Name)
		errs = append(errs, validateConfigVolume(&spec.Volumes[i], vp)...)
		if v.HostPath != nil && !path.IsAbs(v.HostPath.Path) {
			errs = append(errs, field.Invalid(vp.Child("hostPath", "path"), v.HostPath.Path, "must be an absolute path"))
		}
	}
	if len(spec.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), "a pod needs at least one container"))
	}
	names := sets.New[string]()
	portNames := sets.New[string]()
	hostPorts := sets.New[string]()
	each := func(list []corev1.Container, listName string, publishes func(*corev1.Container) bool) {
		for i := range list {
			c := &list[i]
			cp := p.Child(listName).Index(i)
			if names.Has(c.Name) {
				errs = append(errs, field.Duplicate(cp.Child("name"), c.Name))
			}
			names.Insert(c.Name)
			errs = append(errs, validateContainer(c, cp, volumes)...)
			if !publishes(c) {
				continue
			}
			for j, port := range c.Ports {
				pp := cp.Child("ports").Index(j)
				if port.Name != "" {
					if portNames.Has(port.Name) {
						errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
					}
					portNames.Insert(port.Name)
				}
				host := port.HostPort
				if host == 0 {
					host = port.ContainerPort
				}
				key := fmt.Sprintf("%s:%d/%s", port.HostIP, host, protocolOrTCP(port.Protocol))
				if host > 0 && hostPorts.Has(key) {
					errs = append(errs, field.Duplicate(pp.Child("hostPort"), key+" (every container port is published on the node, hostPort defaulting to containerPort)"))
				}
				hostPorts.Insert(key)
			}
		}
	}
	// Sidecars (init containers with restartPolicy Always) run, and publish, beside the
	// containers; other init containers run to their end first and publish nothing.
	each(spec.InitContainers, "initContainers", func(c *corev1.Container) bool {
		return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
	})
	each(spec.Containers, "containers", func(*corev1.Container) bool { return true })
	for i := range spec.Containers {
		c := &spec.Containers[i]
		cp := p.Child("containers").Index(i)
		errs = append(errs, validateProbe(c.LivenessProbe, cp.Child("livenessProbe"), c)...)
		errs = append(errs, validateProbe(c.ReadinessProbe, cp.Child("readinessProbe"), c)...)
		errs = append(errs, validateProbe(c.StartupProbe, cp.Child("startupProbe"), c)...)
	}
	for k, v := range spec.NodeSelector {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(p.Child("nodeSelector").Key(k), k, msg))
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			errs = append(errs, field.Invalid(p.Child("nodeSelector").Key(k), v, msg))
		}
	}
	return errs
}

func protocolOrTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func validateContainer(c *corev1.Container, p *field.Path, volumes sets.Set[string]) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), "every container needs a name"))
	} else {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), c.Name, msg))
		}
	}
	switch {
	case c.Image == "":
		errs = append(errs, field.Required(p.Child("image"), "every container needs an image"))
	case strings.TrimSpace(c.Image) != c.Image || strings.ContainsAny(c.Image, " \t\r\n"):
		errs = append(errs, field.Invalid(p.Child("image"), c.Image, "must not contain white space"))
	}
	switch c.ImagePullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), c.ImagePullPolicy, []string{"Always", "IfNotPresent", "Never"}))
	}
	if c.WorkingDir != "" && !path.IsAbs(c.WorkingDir) {
		errs = append(errs, field.Invalid(p.Child("workingDir"), c.WorkingDir, "must be an absolute path"))
	}
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(pp.Child("hostPort"), port.HostPort, msg))
			}
		}
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
		}
		switch port.Protocol {
		case "", corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		default:
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, []string{"TCP", "UDP", "SCTP"}))
		}
		if port.HostIP != "" {
			for _, e := range validation.IsValidIP(pp.Child("hostIP"), port.HostIP) {
				errs = append(errs, e)
			}
		}
	}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		if e.Name == "" {
			errs = append(errs, field.Required(ep.Child("name"), "every environment variable needs a name"))
		}
		for _, msg := range validation.IsRelaxedEnvVarName(e.Name) {
			errs = append(errs, field.Invalid(ep.Child("name"), e.Name, msg))
		}
		if e.Value != "" && e.ValueFrom != nil {
			errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not be specified when `value` is not empty"))
		}
		errs = append(errs, validateEnvSource(e.ValueFrom, ep.Child("valueFrom"))...)
	}
	errs = append(errs, validateEnvFrom(c.EnvFrom, p)...)
	mounts := sets.New[string]()
	for i, m := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		if !volumes.Has(m.Name) {
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		if !path.IsAbs(m.MountPath) {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be an absolute path"))
		}
		if mounts.Has(m.MountPath) {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mounts.Insert(m.MountPath)
	}
	for _, list := range []struct {
		name string
		rl   corev1.ResourceList
	}{{"limits", c.Resources.Limits}, {"requests", c.Resources.Requests}} {
		for res, q := range list.rl {
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(p.Child("resources", list.name).Key(string(res)), q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	return errs
}

// validateProbe checks that a probe has exactly one handler and that its port exists.
func validateProbe(pr *corev1.Probe, p *field.Path, c *corev1.Container) field.ErrorList {
	if pr == nil {
		return nil
	}
	var errs field.ErrorList
	handlers := 0
	if pr.Exec != nil {
		handlers++
		if len(pr.Exec.Command) == 0 {
			errs = append(errs, field.Required(p.Child("exec", "command"), "an exec probe needs a command"))
		}
	}
	if pr.HTTPGet != nil {
		handlers++
		errs = append(errs, validateProbePort(pr.HTTPGet.Port, p.Child("httpGet", "port"), c)...)
		if pr.HTTPGet.Path != "" && !strings.HasPrefix(pr.HTTPGet.Path, "/") {
			errs = append(errs, field.Invalid(p.Child("httpGet", "path"), pr.HTTPGet.Path, "must start with '/'"))
		}
		switch pr.HTTPGet.Scheme {
		case "", corev1.URISchemeHTTP, corev1.URISchemeHTTPS:
		default:
			errs = append(errs, field.NotSupported(p.Child("httpGet", "scheme"), pr.HTTPGet.Scheme, []string{"HTTP", "HTTPS"}))
		}
	}
	if pr.TCPSocket != nil {
		handlers++
		errs = append(errs, validateProbePort(pr.TCPSocket.Port, p.Child("tcpSocket", "port"), c)...)
	}
	if pr.GRPC != nil {
		handlers++
		errs = append(errs, field.Forbidden(p.Child("grpc"), "gRPC probes are not supported; use exec, httpGet or tcpSocket"))
	}
	if handlers == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type: exec, httpGet or tcpSocket"))
	} else if handlers > 1 {
		errs = append(errs, field.Forbidden(p, "may not specify more than 1 handler type"))
	}
	for _, n := range []struct {
		name string
		v    int32
	}{{"initialDelaySeconds", pr.InitialDelaySeconds}, {"timeoutSeconds", pr.TimeoutSeconds},
		{"periodSeconds", pr.PeriodSeconds}, {"successThreshold", pr.SuccessThreshold}, {"failureThreshold", pr.FailureThreshold}} {
		if n.v < 0 {
			errs = append(errs, field.Invalid(p.Child(n.name), n.v, "must be greater than or equal to 0"))
		}
	}
	return errs
}

// validateProbePort accepts a port number or the name of one of the container's ports.
func validateProbePort(port intstr.IntOrString, p *field.Path, c *corev1.Container) field.ErrorList {
	if port.Type == intstr.Int {
		var errs field.ErrorList
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			errs = append(errs, field.Invalid(p, port.IntValue(), msg))
		}
		return errs
	}
	for _, cp := range c.Ports {
		if cp.Name == port.StrVal {
			return nil
		}
	}
	return field.ErrorList{field.Invalid(p, port.StrVal, "must be a port number or the name of one of this container's ports")}
}
