package manifest

import (
	"maps"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const hashSecretValue = "s3cret-value-77"

func hashDeployment() *appsv1.Deployment {
	ref := func(n string) corev1.LocalObjectReference { return corev1.LocalObjectReference{Name: n} }
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "shop"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "shop"}},
			Spec: corev1.PodSpec{
				Volumes: []corev1.Volume{
					{Name: "files", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("files")}}},
					{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "tls"}}},
				},
				Containers: []corev1.Container{{Name: "app", Image: "localhost/shop:1",
					Env: []corev1.EnvVar{{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
						LocalObjectReference: ref("db"), Key: "password"}}}},
					EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: ref("settings")}}},
				}},
			},
		}},
	}
}

func hashObjects() ConfigObjects {
	cm := func(name, rv string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, ResourceVersion: rv}}
	}
	sec := func(name, rv string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, ResourceVersion: rv},
			Data: map[string][]byte{"password": []byte(hashSecretValue)}}
	}
	return ConfigObjects{
		ConfigMaps: map[string]*corev1.ConfigMap{"default/settings": cm("settings", "4.n1"), "default/files": cm("files", "5.n1")},
		Secrets:    map[string]*corev1.Secret{"default/db": sec("db", "6.n1"), "default/tls": sec("tls", "7.n2")},
	}
}

func TestConfigVersionsAreWhatContainersTakeAtCreation(t *testing.T) {
	d := hashDeployment()
	got := ConfigVersions("default", &d.Spec.Template.Spec, hashObjects())
	want := map[string]string{"configmap/settings": "4.n1", "secret/db": "6.n1", "secret/tls": "7.n2"}
	if !maps.Equal(got, want) {
		t.Errorf("ConfigVersions = %v, want %v (a configMap volume changes live: it is not among them)", got, want)
	}
	objs := hashObjects()
	delete(objs.Secrets, "default/db")
	if got := ConfigVersions("default", &d.Spec.Template.Spec, objs); got["secret/db"] != "" || len(got) != 3 {
		t.Errorf("a missing Secret: %v", got)
	}
	if got := ConfigVersions("default", &d.Spec.Template.Spec, nil); got != nil {
		t.Errorf("without a lookup: %v", got)
	}
	plain := &corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}}
	if got := ConfigVersions("default", plain, hashObjects()); got != nil {
		t.Errorf("a spec that takes nothing: %v", got)
	}
}

func TestDeploymentHashFollowsWhatRestarts(t *testing.T) {
	d := hashDeployment()
	base := DeploymentHash(d, hashObjects())
	if base == TemplateHash(&d.Spec.Template) {
		t.Error("the hash of a Deployment that takes a Secret as env ignores it")
	}
	if again := DeploymentHash(d.DeepCopy(), hashObjects()); again != base {
		t.Errorf("the same Deployment and objects: %s, then %s", base, again)
	}
	for _, tc := range []struct {
		name   string
		change func(*ConfigObjects)
		same   bool
	}{
		{"a Secret taken as env", func(c *ConfigObjects) { c.Secrets["default/db"].ResourceVersion = "9.n1" }, false},
		{"a ConfigMap taken by envFrom", func(c *ConfigObjects) { c.ConfigMaps["default/settings"].ResourceVersion = "9.n1" }, false},
		{"a Secret volume", func(c *ConfigObjects) { c.Secrets["default/tls"].ResourceVersion = "9.n1" }, false},
		{"a Secret gone", func(c *ConfigObjects) { delete(c.Secrets, "default/db") }, false},
		{"a ConfigMap volume", func(c *ConfigObjects) { c.ConfigMaps["default/files"].ResourceVersion = "9.n1" }, true},
		{"an object no pod takes", func(c *ConfigObjects) {
			c.Secrets["default/other"] = &corev1.Secret{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "1.n1"}}
		}, true},
		{"a Secret's value at the same version", func(c *ConfigObjects) { c.Secrets["default/db"].Data["password"] = []byte("x") }, true},
	} {
		objs := hashObjects()
		tc.change(&objs)
		if got := DeploymentHash(d, objs); (got == base) != tc.same {
			t.Errorf("%s: hash %s, before %s; want the same: %v", tc.name, got, base, tc.same)
		}
	}
	// A template change changes it too.
	d2 := d.DeepCopy()
	d2.Spec.Template.Spec.Containers[0].Image = "localhost/shop:2"
	if DeploymentHash(d2, hashObjects()) == base {
		t.Error("a template change kept the hash")
	}
	// A Deployment that takes nothing at creation keeps its template hash, whatever exists.
	plain := hashDeployment()
	plain.Spec.Template.Spec.Containers[0].Env, plain.Spec.Template.Spec.Containers[0].EnvFrom = nil, nil
	plain.Spec.Template.Spec.Volumes = plain.Spec.Template.Spec.Volumes[:1]
	if DeploymentHash(plain, hashObjects()) != TemplateHash(&plain.Spec.Template) {
		t.Error("a Deployment with only a ConfigMap volume changed hash")
	}
	if DeploymentHash(d, nil) != TemplateHash(&d.Spec.Template) {
		t.Error("without a lookup the hash is not the template's")
	}
}

func TestDeploymentPodWithCarriesItsVersions(t *testing.T) {
	d := hashDeployment()
	p := DeploymentPodWith(d, 1, hashObjects())
	hash := DeploymentHash(d, hashObjects())
	if p.TemplateHash != hash || p.Labels[TemplateHashLabel] != hash || p.Name != PodName("shop", hash, 1) {
		t.Errorf("pod %s hash %s label %s, want hash %s", p.Name, p.TemplateHash, p.Labels[TemplateHashLabel], hash)
	}
	if !maps.Equal(p.ConfigVersions, ConfigVersions("default", &d.Spec.Template.Spec, hashObjects())) {
		t.Errorf("ConfigVersions = %v", p.ConfigVersions)
	}
	plain := DeploymentPodWith(d, 1, nil)
	if want := DeploymentPod(d, 1); plain.Name != want.Name || plain.ConfigVersions != nil {
		t.Errorf("without a lookup: %s %v, want %s", plain.Name, plain.ConfigVersions, want.Name)
	}
	if strings.Contains(p.Name+p.TemplateHash+strings.Join(valuesOf(p.ConfigVersions), ","), hashSecretValue) {
		t.Error("the pod shows a Secret's value")
	}
}

func valuesOf(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}
