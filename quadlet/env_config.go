package quadlet

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// envFrom sets the variables of a container's envFrom, in order, a later source winning a
// name: a ConfigMap's data as values, a Secret's data as podman secrets. A key that is no
// environment variable name once prefixed is skipped with a warning, as the kubelet skips
// it with an event. A missing optional source adds nothing; a missing required one adds
// nothing either, and Render then refuses the pod with a *MissingError.
func (r *renderer) envFrom(env *envList, c *corev1.Container, p string) error {
	for i := range c.EnvFrom {
		ef := &c.EnvFrom[i]
		ep := fmt.Sprintf("%s.envFrom[%d]", p, i)
		if err := r.checkFields(ep, ef, envFromRules); err != nil {
			return err
		}
		ns := r.pod.Namespace
		switch {
		case ef.ConfigMapRef != nil:
			if err := r.checkFields(ep+".configMapRef", ef.ConfigMapRef, configMapEnvRules); err != nil {
				return err
			}
			cm, ok := r.createdLookup().ConfigMap(ns, ef.ConfigMapRef.Name)
			if !ok {
				continue
			}
			for _, key := range slices.Sorted(maps.Keys(cm.Data)) {
				name := ef.Prefix + key
				if !r.envNameFrom(name, ep, "ConfigMap", ef.ConfigMapRef.Name) {
					continue
				}
				env.set(name, envValue{value: cm.Data[key], path: ep})
			}
		case ef.SecretRef != nil:
			if err := r.checkFields(ep+".secretRef", ef.SecretRef, secretEnvRules); err != nil {
				return err
			}
			s, ok := r.createdLookup().Secret(ns, ef.SecretRef.Name)
			if !ok {
				continue
			}
			for _, key := range slices.Sorted(maps.Keys(s.Data)) {
				name := ef.Prefix + key
				if !r.envNameFrom(name, ep, "Secret", ef.SecretRef.Name) {
					continue
				}
				if err := checkSecretTarget(name); err != nil {
					return fieldError(ep+".prefix", "%q %v", ef.Prefix, err)
				}
				env.set(name, envValue{path: ep, secret: r.podmanSecret(s, key)})
			}
		default:
			return fieldError(ep, "names no source: set configMapRef or secretRef")
		}
	}
	return nil
}

// envNameFrom tells whether name, made of a key of kind name, is an environment variable
// name; it warns when it is not.
func (r *renderer) envNameFrom(name, p, kind, object string) bool {
	if len(validation.IsEnvVarName(name)) == 0 {
		return true
	}
	r.warn(p, "%s %s: key skipped: %q is not a valid environment variable name", kind, object, name)
	return false
}

// configMapKeyValue is the value of a configMapKeyRef: the key of the ConfigMap's data; not
// found when the ConfigMap or the key is missing (optional, or the pod is refused at the
// end).
func (r *renderer) configMapKeyValue(s *corev1.ConfigMapKeySelector, p string) (string, bool, error) {
	if err := r.checkFields(p, s, configMapKeyRules); err != nil {
		return "", false, err
	}
	cm, ok := r.createdLookup().ConfigMap(r.pod.Namespace, s.Name)
	if !ok {
		return "", false, nil
	}
	v, ok := cm.Data[s.Key]
	return v, ok, nil
}

// secretKeyValue is the podman secret that holds the key of a secretKeyRef; "" when the
// Secret or the key is missing.
func (r *renderer) secretKeyValue(s *corev1.SecretKeySelector, p string) (string, error) {
	if err := r.checkFields(p, s, secretKeyRules); err != nil {
		return "", err
	}
	sec, ok := r.createdLookup().Secret(r.pod.Namespace, s.Name)
	if !ok {
		return "", nil
	}
	if _, ok := sec.Data[s.Key]; !ok {
		return "", nil
	}
	return r.podmanSecret(sec, s.Key), nil
}

// podmanSecret names the podman secret for key of s, and records it for the node to create.
func (r *renderer) podmanSecret(s *corev1.Secret, key string) string {
	name := SecretName(s.Namespace, s.Name, key, s.ResourceVersion)
	for _, have := range r.secrets {
		if have.Name == name {
			return name
		}
	}
	r.secrets = append(r.secrets, PodmanSecret{Name: name, Data: s.Data[key]})
	return name
}

// checkSecretTarget refuses a variable name that cannot be one option of Secret=.
func checkSecretTarget(name string) error {
	if strings.ContainsAny(name, ", \t\"'\\") {
		return errors.New("holds a comma, a quote, a backslash or white space, which a podman secret's target cannot hold")
	}
	_, err := rawValue(name)
	return err
}
