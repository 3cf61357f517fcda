package quadlet

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// envList is a container's environment: each name once, where it first appears, with the
// value of its last definition (Kubernetes' rule for repeated names).
type envList struct {
	names  []string
	values map[string]envValue
}

type envValue struct {
	value string
	path  string
	// static: the value was written literally, not taken from valueFrom.
	static bool
	// secret is the podman secret that holds the value, which the unit names instead of
	// writing it (value is then empty).
	secret string
}

// envEntry is one variable of the environment, with the field it comes from, or the
// podman secret that holds its value.
type envEntry struct{ key, value, path, secret string }

func (e *envList) set(name string, v envValue) {
	if _, ok := e.values[name]; !ok {
		e.names = append(e.names, name)
	}
	e.values[name] = v
}

// lookup finds a variable for $(NAME) expansion. One whose value is a Secret's stays
// unexpanded: its value is never written into the units.
func (e *envList) lookup(name string) (string, bool) {
	v, ok := e.values[name]
	return v.value, ok && v.secret == ""
}

// lookupStatic finds only the variables with a literal value.
func (e *envList) lookupStatic(name string) (string, bool) {
	v, ok := e.values[name]
	return v.value, ok && v.static
}

func (e *envList) ordered() []envEntry {
	out := make([]envEntry, len(e.names))
	for i, n := range e.names {
		out[i] = envEntry{n, e.values[n].value, e.values[n].path, e.values[n].secret}
	}
	return out
}

// environment resolves a container's env, after its envFrom as the kubelet does: literal
// values with $(VAR) expanded from the variables defined before them, fieldRef values from
// the pod and the node, configMapKeyRef values from the ConfigMap, and secretKeyRef values
// as podman secrets.
func (r *renderer) environment(c *corev1.Container, p string) (*envList, error) {
	env := &envList{values: map[string]envValue{}}
	if err := r.envFrom(env, c, p); err != nil {
		return nil, err
	}
	for i := range c.Env {
		e := &c.Env[i]
		ep := fmt.Sprintf("%s.env[%d]", p, i)
		if err := r.checkFields(ep, e, envVarRules); err != nil {
			return nil, err
		}
		switch {
		case e.Name == "":
			return nil, fieldError(ep+".name", "an environment variable needs a name")
		case strings.ContainsAny(e.Name, "="):
			return nil, fieldError(ep+".name", "%q holds '=', which ends a variable's name", e.Name)
		case strings.ContainsFunc(e.Name, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			// podman refuses names with white space when the container starts.
			return nil, fieldError(ep+".name", "%q holds white space or a control character, which podman refuses", e.Name)
		}
		v := envValue{value: expand(e.Value, env.lookup), path: ep, static: e.ValueFrom == nil}
		if e.ValueFrom != nil {
			if e.Value != "" {
				return nil, fieldError(ep+".valueFrom", "may not be set together with value")
			}
			value, secret, found, err := r.valueFrom(e.ValueFrom, ep+".valueFrom")
			if err != nil {
				return nil, err
			}
			if !found {
				// An optional key that is missing sets no variable, as in Kubernetes; a
				// required one refuses the pod at the end (MissingError).
				continue
			}
			if secret != "" {
				if err := checkSecretTarget(e.Name); err != nil {
					return nil, fieldError(ep+".name", "%q %v", e.Name, err)
				}
			}
			v.value, v.secret = value, secret
		}
		env.set(e.Name, v)
	}
	return env, nil
}

// valueFrom resolves a valueFrom: a fieldRef from the pod and the node, a key of a
// ConfigMap as its value, a key of a Secret as the podman secret that holds it.
func (r *renderer) valueFrom(src *corev1.EnvVarSource, p string) (value, secret string, found bool, err error) {
	if err := r.checkFields(p, src, envVarSourceRules); err != nil {
		return "", "", false, err
	}
	switch {
	case src.ConfigMapKeyRef != nil:
		value, found, err := r.configMapKeyValue(src.ConfigMapKeyRef, p+".configMapKeyRef")
		return value, "", found, err
	case src.SecretKeyRef != nil:
		secret, err := r.secretKeyValue(src.SecretKeyRef, p+".secretKeyRef")
		return "", secret, secret != "", err
	case src.FieldRef == nil:
		return "", "", false, fieldError(p, "names no source")
	}
	value, err = r.fieldRef(src, p)
	return value, "", true, err
}

// fieldRef resolves a fieldRef from the pod and the node.
func (r *renderer) fieldRef(src *corev1.EnvVarSource, p string) (string, error) {
	fp := p + ".fieldRef"
	if err := r.checkFields(fp, src.FieldRef, fieldSelectorRules); err != nil {
		return "", err
	}
	if v := src.FieldRef.APIVersion; v != "" && v != "v1" {
		return "", fieldError(fp+".apiVersion", "%q is not v1", v)
	}
	field := src.FieldRef.FieldPath
	if key, ok := subscript(field, "metadata.labels"); ok {
		return r.pod.Labels[key], nil
	}
	if key, ok := subscript(field, "metadata.annotations"); ok {
		return r.pod.Annotations[key], nil
	}
	node := func(v, option string) (string, error) {
		if v == "" {
			r.warn(fp+".fieldPath", "%s is not known here (Options.%s is empty), the variable is empty", field, option)
		}
		return v, nil
	}
	switch field {
	case "metadata.name":
		return r.pod.Name, nil
	case "metadata.namespace":
		return r.pod.Namespace, nil
	case "spec.serviceAccountName":
		return r.pod.Spec.ServiceAccountName, nil
	case "spec.nodeName":
		return node(r.opts.NodeName, "NodeName")
	case "status.podIP", "status.podIPs":
		return node(r.opts.PodIP, "PodIP")
	case "status.hostIP", "status.hostIPs":
		return node(r.opts.HostIP, "HostIP")
	}
	return "", fieldError(fp+".fieldPath", "%q is not supported (metadata.name, metadata.namespace, metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, status.podIP, status.hostIP are)", field)
}

// subscript reads "prefix['key']" and returns the key.
func subscript(field, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(field, prefix+"['")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "']")
}

// expand does Kubernetes' variable expansion in env values, command and args: "$(NAME)" is
// the value of NAME when it is defined and stays as written when it is not, and "$$" is "$".
func expand(s string, lookup func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString("$(")
				i++
				continue
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}
