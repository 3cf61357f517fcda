package quadlet

import (
	"errors"
	"io/fs"
	"maps"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

func configPod(t *testing.T) manifest.Pod {
	t.Helper()
	return loadPod(t, "testdata/config/input.yaml")
}

func unitText(res Result) string {
	var b strings.Builder
	for _, u := range res.Units {
		b.WriteString(u.Text)
	}
	return b.String()
}

// The Secrets' values reach the node through Result.Secrets only: never a unit.
func TestSecretsNeverInUnits(t *testing.T) {
	res, err := Render(configPod(t), goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	if text := unitText(res); strings.Contains(text, goldenSecretValue) {
		t.Fatalf("a unit holds a Secret's value:\n%s", text)
	}
	got := map[string]string{}
	for _, s := range res.Secrets {
		got[s.Name] = string(s.Data)
		for _, shown := range []string{s.String(), strings.ReplaceAll(strings.ReplaceAll(s.GoString(), "\n", ""), " ", "")} {
			if strings.Contains(shown, goldenSecretValue) {
				t.Errorf("a PodmanSecret prints its value: %s", shown)
			}
		}
	}
	db := goldenConfig.Secrets["default/db"]
	tls := goldenConfig.Secrets["default/web-tls"]
	want := map[string]string{
		SecretName("default", "db", "password", db.ResourceVersion):      goldenSecretValue,
		SecretName("default", "db", "user", db.ResourceVersion):          "admin-" + goldenSecretValue,
		SecretName("default", "web-tls", "tls.crt", tls.ResourceVersion): "CERT-" + goldenSecretValue,
		SecretName("default", "web-tls", "tls.key", tls.ResourceVersion): "KEY-" + goldenSecretValue,
	}
	if !maps.Equal(got, want) {
		t.Errorf("secrets = %v, want %v", got, want)
	}
	for name := range want {
		if !strings.Contains(unitText(res), "Secret="+name+",") {
			t.Errorf("no unit names %s", name)
		}
	}
}

func TestConfigVolumeFiles(t *testing.T) {
	res, err := Render(configPod(t), goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	type file struct {
		data string
		mode fs.FileMode
	}
	got := map[string]map[string]file{}
	for _, v := range res.ConfigVolumes {
		got[v.Dir] = map[string]file{}
		for _, f := range v.Files {
			got[v.Dir][f.Path] = file{string(f.Data), f.Mode}
		}
	}
	dir := "/var/lib/swarm-test/config/swarm-default_shop/"
	want := map[string]map[string]file{
		dir + "settings": {
			"conf/app.properties": {"a=1\nb=2\n", 0o440},
			"logo.png":            {"\x89PNG", 0o400},
		},
		dir + "whole": {
			"1st": {"skipped: not a variable name", 0o644}, "app.properties": {"a=1\nb=2\n", 0o644},
			"greeting": {"hello world", 0o644}, "log.level": {"debug", 0o644}, "logo.png": {"\x89PNG", 0o644},
		},
		dir + "extra": {},
	}
	if len(got) != len(want) {
		t.Fatalf("volumes = %v", got)
	}
	for d, files := range want {
		if !maps.Equal(got[d], files) {
			t.Errorf("%s = %v, want %v", d, got[d], files)
		}
	}
}

// A change of a ConfigMap leaves the units of a pod that only mounts it alone (the files
// change in place), and changes those of a pod that takes it as environment; a new version
// of a Secret gets new podman secrets, and so new units.
func TestConfigChanges(t *testing.T) {
	mounted := configPod(t)
	mounted.Spec.Containers[0].Env, mounted.Spec.Containers[0].EnvFrom = nil, nil
	mounted.Spec.Volumes = mounted.Spec.Volumes[:2]
	mounted.Spec.Containers[0].VolumeMounts = mounted.Spec.Containers[0].VolumeMounts[:1]
	changed := goldenConfig
	changed.ConfigMaps = maps.Clone(goldenConfig.ConfigMaps)
	cm := goldenConfig.ConfigMaps["default/app-config"].DeepCopy()
	cm.Data["app.properties"] = "a=2\n"
	cm.ResourceVersion = "30.n1"
	changed.ConfigMaps["default/app-config"] = cm
	opts := goldenOptions
	opts.Config = changed

	before, err := Render(mounted, goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	after, err := Render(mounted, opts)
	if err != nil {
		t.Fatal(err)
	}
	if unitText(before) != unitText(after) {
		t.Error("a mounted ConfigMap's change changed the units")
	}
	if string(after.ConfigVolumes[0].Files[0].Data) != "a=2\n" {
		t.Errorf("files = %+v", after.ConfigVolumes[0].Files)
	}

	envBefore, _ := Render(configPod(t), goldenOptions)
	envAfter, err := Render(configPod(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if unitText(envBefore) == unitText(envAfter) {
		t.Error("a ConfigMap taken as environment changed, the units did not")
	}

	s := goldenConfig.Secrets["default/db"].DeepCopy()
	s.Data["password"], s.ResourceVersion = []byte("new-"+goldenSecretValue), "40.n3"
	opts.Config = manifest.ConfigObjects{ConfigMaps: goldenConfig.ConfigMaps,
		Secrets: map[string]*corev1.Secret{"default/db": s, "default/web-tls": goldenConfig.Secrets["default/web-tls"]}}
	rolled, err := Render(configPod(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	newName := SecretName("default", "db", "password", "40.n3")
	if !strings.Contains(unitText(rolled), "Secret="+newName+",type=env,target=DB_PASSWORD") || strings.Contains(unitText(rolled), goldenSecretValue) {
		t.Errorf("units after the Secret changed:\n%s", unitText(rolled))
	}
}

// A pod whose ConfigMap or Secret is missing is refused with the kubelet's reason, after
// every other check; Check lets it pass, since the object may come later.
func TestMissingConfig(t *testing.T) {
	opts := goldenOptions
	opts.Config = manifest.ConfigObjects{}
	_, err := Render(configPod(t), opts)
	var missing *MissingError
	if !errors.As(err, &missing) || err.Error() != `CreateContainerConfigError: configmap "app-config" not found` {
		t.Fatalf("err = %v", err)
	}

	p := configPod(t)
	p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: "X",
		ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "app-config"}, Key: "nope"}}})
	if _, err := Render(p, goldenOptions); err == nil || err.Error() != "CreateContainerConfigError: couldn't find key nope in ConfigMap default/app-config" {
		t.Errorf("missing key: %v", err)
	}

	// Refused for a reason of its own before any missing object is reported.
	p = configPod(t)
	p.Spec.Containers[0].Image = ""
	if _, err := Render(p, opts); errors.As(err, &missing) {
		t.Errorf("a pod that can never run is reported missing a ConfigMap: %v", err)
	}

	set, err := manifest.Parse(manifest.Input{Name: "app.yaml", Data: []byte(`apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: i, envFrom: [{secretRef: {name: later}}]}]
`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(set, Options{}); err != nil {
		t.Errorf("Check refused a pod whose Secret comes later: %v", err)
	}
}

func TestConfigVolumeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *manifest.Pod)
		want string
	}{
		{"item path with colon", func(p *manifest.Pod) {
			p.Spec.Volumes[0].ConfigMap.Items[0].Path = "a:b"
		}, `spec.volumes[0].configMap.items[0].path: "a:b" cannot be a file of a volume`},
		{"item path leaving", func(p *manifest.Pod) {
			p.Spec.Volumes[0].ConfigMap.Items[0].Path = "../x"
		}, `spec.volumes[0].configMap.items[0].path: "../x" is not a path inside the volume`},
		{"two types", func(p *manifest.Pod) {
			p.Spec.Volumes[0].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}, `spec.volumes[0]: volume "settings" has more than one type`},
		{"subPath leaving", func(p *manifest.Pod) {
			p.Spec.Containers[0].VolumeMounts[1].SubPath = "../../etc/passwd"
		}, `spec.containers[0].volumeMounts[1].subPath: "../../etc/passwd" leaves the volume`},
		{"secret mount path with comma", func(p *manifest.Pod) {
			p.Spec.Containers[0].VolumeMounts[2].MountPath = "/etc/a,b"
		}, `spec.containers[0].volumeMounts[2].mountPath: "/etc/a,b" holds ','`},
		{"secret env name with comma", func(p *manifest.Pod) {
			p.Spec.Containers[0].Env[1].Name = "A,B"
		}, `spec.containers[0].env[1].name: "A,B" holds a comma`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := configPod(t)
			tc.edit(&p)
			_, err := Render(p, goldenOptions)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant one starting with %s", err, tc.want)
			}
		})
	}
}
