package manifest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// The prefixes of the keys of ConfigVersions.
const (
	ConfigVersionConfigMap = "configmap/"
	ConfigVersionSecret    = "secret/"
)

// ConfigVersions are the stored versions (resourceVersions) of the ConfigMaps and Secrets
// that a pod of namespace with spec takes when its containers are created: those of env
// valueFrom and envFrom, and the Secrets of its secret volumes (podman copies a secret
// into the container when it is created). ConfigMap volumes are not among them: the node
// rewrites their files in place. The keys are "configmap/NAME" and "secret/NAME"; a
// missing object has "". Nil when the spec takes none, or have is nil.
//
// A change of one of these versions is a change of what the pod's containers start with:
// DeploymentHash makes it a new template, which the Deployment rolls out.
func ConfigVersions(namespace string, spec *corev1.PodSpec, have ConfigLookup) map[string]string {
	if have == nil {
		return nil
	}
	var out map[string]string
	add := func(key, version string) {
		if out == nil {
			out = map[string]string{}
		}
		out[key] = version
	}
	configMap := func(name string) {
		v := ""
		if cm, ok := have.ConfigMap(namespace, name); ok {
			v = cm.ResourceVersion
		}
		add(ConfigVersionConfigMap+name, v)
	}
	secret := func(name string) {
		v := ""
		if s, ok := have.Secret(namespace, name); ok {
			v = s.ResourceVersion
		}
		add(ConfigVersionSecret+name, v)
	}
	for _, list := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for i := range list {
			c := &list[i]
			for _, ef := range c.EnvFrom {
				if ef.ConfigMapRef != nil {
					configMap(ef.ConfigMapRef.Name)
				}
				if ef.SecretRef != nil {
					secret(ef.SecretRef.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
					configMap(r.Name)
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil {
					secret(r.Name)
				}
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			secret(v.Secret.SecretName)
		}
	}
	return out
}

// PodTemplateHash is the hash of a pod template whose containers start with the
// ConfigMaps and Secrets at versions (ConfigVersions): TemplateHash when there are none,
// else a hash of both. It hashes the objects' stored versions, never their values, so
// that it tells nothing of a Secret's data.
func PodTemplateHash(t *corev1.PodTemplateSpec, versions map[string]string) string {
	if len(versions) == 0 {
		// A Deployment that takes nothing at creation keeps the hash it always had.
		return TemplateHash(t)
	}
	b, err := json.Marshal(t)
	if err != nil {
		// A PodTemplateSpec decoded from YAML always re-encodes; failing here is a bug.
		panic(fmt.Sprintf("encode pod template: %v", err))
	}
	h := fnv.New32a()
	h.Write(b)
	for _, k := range slices.Sorted(maps.Keys(versions)) {
		fmt.Fprintf(h, "\x00%s=%s", k, versions[k])
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// DeploymentHash is the hash of a Deployment's current template together with the
// versions of the ConfigMaps and Secrets its pods take when they are created, found in
// have (nil: none). It is what names the Deployment's current pods, and what the
// scheduler, the rollout records and the API compare with, so that a change of a value
// its pods take as environment rolls the Deployment out as a change of its template does.
func DeploymentHash(d *appsv1.Deployment, have ConfigLookup) string {
	return PodTemplateHash(&d.Spec.Template, ConfigVersions(d.Namespace, &d.Spec.Template.Spec, have))
}

// DeploymentPodWith returns the ordinal-th pod of a Deployment's current template, with
// the ConfigMaps and Secrets of have (nil: none): its hash is DeploymentHash, and it
// carries the versions its node is to start it with.
func DeploymentPodWith(d *appsv1.Deployment, ordinal int, have ConfigLookup) Pod {
	versions := ConfigVersions(d.Namespace, &d.Spec.Template.Spec, have)
	p := deploymentPod(d, ordinal, PodTemplateHash(&d.Spec.Template, versions))
	p.ConfigVersions = versions
	return p
}
