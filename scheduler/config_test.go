package scheduler

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func envFromConfigMap(name string) func(*appsv1.Deployment) {
	return func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.EnvFrom = append(c.EnvFrom, corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}}})
	}
}

// A pod whose ConfigMap is missing waits, unplaced, with the kubelet's reason, and is
// placed by the first plan once the ConfigMap exists.
func TestMissingConfigMapKeepsPodsPending(t *testing.T) {
	web := deploy("web", 2, envFromConfigMap("settings"))
	in := input([]Node{alive("a"), alive("b")}, []*appsv1.Deployment{web})
	in.Config = manifest.ConfigObjects{}
	out := Plan(in)
	if len(out.Create) != 0 || len(out.Pending) != 2 {
		t.Fatalf("create %d, pending %d; want 0 and 2", len(out.Create), len(out.Pending))
	}
	for _, p := range out.Pending {
		if p.Reason != `CreateContainerConfigError: configmap "settings" not found` {
			t.Errorf("reason = %q", p.Reason)
		}
	}
	mustBeFixedPoint(t, in, out)

	// In another namespace, it does not count.
	in.Config = manifest.ConfigObjects{ConfigMaps: map[string]*corev1.ConfigMap{
		"other/settings": {ObjectMeta: metav1.ObjectMeta{Namespace: "other", Name: "settings"}}}}
	if out := Plan(in); len(out.Create) != 0 {
		t.Fatalf("placed with another namespace's ConfigMap: %+v", out.Create)
	}

	in.Config.(manifest.ConfigObjects).ConfigMaps["default/settings"] = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "settings"}}
	out = Plan(in)
	if len(out.Create) != 2 || len(out.Pending) != 0 {
		t.Fatalf("once the ConfigMap exists: create %d, pending %+v", len(out.Create), out.Pending)
	}
}

// Optional references never hold a pod back, and nil Config looks at nothing.
func TestOptionalOrUncheckedConfigPlaces(t *testing.T) {
	opt := true
	web := deploy("web", 1, func(d *appsv1.Deployment) {
		c := &d.Spec.Template.Spec.Containers[0]
		c.Env = []corev1.EnvVar{{Name: "A", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k", Optional: &opt}}}}
	})
	in := input([]Node{alive("a")}, []*appsv1.Deployment{web})
	in.Config = manifest.ConfigObjects{}
	if out := Plan(in); len(out.Create) != 1 {
		t.Errorf("optional secret: pending %+v", out.Pending)
	}
	in = input([]Node{alive("a")}, []*appsv1.Deployment{deploy("api", 1, envFromConfigMap("absent"))})
	if out := Plan(in); len(out.Create) != 1 {
		t.Errorf("without Config: pending %+v", out.Pending)
	}
}
