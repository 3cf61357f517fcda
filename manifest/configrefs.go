package manifest

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ConfigLookup finds the ConfigMaps and Secrets of the cluster by namespace and name.
type ConfigLookup interface {
	ConfigMap(namespace, name string) (*corev1.ConfigMap, bool)
	Secret(namespace, name string) (*corev1.Secret, bool)
}

// ConfigObjects is a ConfigLookup over maps keyed "namespace/name" (store.State's, or the
// objects of a manifest). A nil map holds nothing.
type ConfigObjects struct {
	ConfigMaps map[string]*corev1.ConfigMap
	Secrets    map[string]*corev1.Secret
}

// ConfigMap finds a ConfigMap.
func (c ConfigObjects) ConfigMap(namespace, name string) (*corev1.ConfigMap, bool) {
	cm, ok := c.ConfigMaps[namespace+"/"+name]
	return cm, ok
}

// Secret finds a Secret.
func (c ConfigObjects) Secret(namespace, name string) (*corev1.Secret, bool) {
	s, ok := c.Secrets[namespace+"/"+name]
	return s, ok
}

// ConfigObjectsOf are the ConfigMaps and Secrets of a manifest.
func ConfigObjectsOf(set *Set) ConfigObjects {
	c := ConfigObjects{ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{}}
	for _, o := range set.Objects {
		switch {
		case o.ConfigMap != nil:
			c.ConfigMaps[o.ConfigMap.Namespace+"/"+o.ConfigMap.Name] = o.ConfigMap
		case o.Secret != nil:
			c.Secrets[o.Secret.Namespace+"/"+o.Secret.Name] = o.Secret
		}
	}
	return c
}

// The reasons a container cannot be created for want of its configuration, in the
// kubelet's words (the pod waits with reason CreateContainerConfigError).
func configMapNotFound(name string) string { return fmt.Sprintf("configmap %q not found", name) }
func secretNotFound(name string) string    { return fmt.Sprintf("secret %q not found", name) }

// MissingConfig says why a pod of namespace with spec cannot start yet, in the kubelet's
// words: the first ConfigMap or Secret (or key of one) that it needs and that is missing,
// not marked optional; "" when it has all it needs. env and envFrom are read as the kubelet
// reads them, and so are the volumes (a missing key of a volume's items counts too).
func MissingConfig(namespace string, spec *corev1.PodSpec, have ConfigLookup) string {
	return MissingConfigFrom(namespace, spec, have, have)
}

// MissingConfigFrom is MissingConfig for a node that keeps, for a running pod, what its
// containers were created with: env, envFrom and secret volumes are looked up in created,
// configMap volumes (which follow changes) in live.
func MissingConfigFrom(namespace string, spec *corev1.PodSpec, created, live ConfigLookup) string {
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range list {
			if r := missingForContainer(namespace, &list[i], created); r != "" {
				return r
			}
		}
	}
	for i := range spec.Volumes {
		have := created
		if spec.Volumes[i].ConfigMap != nil {
			have = live
		}
		if r := missingForVolume(namespace, &spec.Volumes[i], have); r != "" {
			return r
		}
	}
	return ""
}

func missingForContainer(ns string, c *corev1.Container, have ConfigLookup) string {
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil && !isTrue(ef.ConfigMapRef.Optional):
			if _, ok := have.ConfigMap(ns, ef.ConfigMapRef.Name); !ok {
				return configMapNotFound(ef.ConfigMapRef.Name)
			}
		case ef.SecretRef != nil && !isTrue(ef.SecretRef.Optional):
			if _, ok := have.Secret(ns, ef.SecretRef.Name); !ok {
				return secretNotFound(ef.SecretRef.Name)
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			continue
		}
		if s := e.ValueFrom.ConfigMapKeyRef; s != nil && !isTrue(s.Optional) {
			cm, ok := have.ConfigMap(ns, s.Name)
			if !ok {
				return configMapNotFound(s.Name)
			}
			if _, ok := cm.Data[s.Key]; !ok {
				return fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", s.Key, ns, s.Name)
			}
		}
		if s := e.ValueFrom.SecretKeyRef; s != nil && !isTrue(s.Optional) {
			sec, ok := have.Secret(ns, s.Name)
			if !ok {
				return secretNotFound(s.Name)
			}
			if _, ok := sec.Data[s.Key]; !ok {
				return fmt.Sprintf("couldn't find key %s in Secret %s/%s", s.Key, ns, s.Name)
			}
		}
	}
	return ""
}

func missingForVolume(ns string, v *corev1.Volume, have ConfigLookup) string {
	switch {
	case v.ConfigMap != nil && !isTrue(v.ConfigMap.Optional):
		cm, ok := have.ConfigMap(ns, v.ConfigMap.Name)
		if !ok {
			return configMapNotFound(v.ConfigMap.Name)
		}
		for _, it := range v.ConfigMap.Items {
			_, inData := cm.Data[it.Key]
			_, inBinary := cm.BinaryData[it.Key]
			if !inData && !inBinary {
				return fmt.Sprintf("configmap references non-existent config key: %s", it.Key)
			}
		}
	case v.Secret != nil && !isTrue(v.Secret.Optional):
		s, ok := have.Secret(ns, v.Secret.SecretName)
		if !ok {
			return secretNotFound(v.Secret.SecretName)
		}
		for _, it := range v.Secret.Items {
			if _, ok := s.Data[it.Key]; !ok {
				return fmt.Sprintf("references non-existent secret key: %s", it.Key)
			}
		}
	}
	return ""
}

func isTrue(b *bool) bool { return b != nil && *b }
