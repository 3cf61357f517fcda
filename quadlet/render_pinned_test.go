package quadlet

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// changedConfig is goldenConfig after a change of every object: new versions, new values.
func changedConfig() manifest.ConfigObjects {
	c := manifest.ConfigObjects{ConfigMaps: map[string]*corev1.ConfigMap{}, Secrets: map[string]*corev1.Secret{}}
	for k, cm := range goldenConfig.ConfigMaps {
		cm = cm.DeepCopy()
		cm.ResourceVersion = "40.n3"
		cm.Data["greeting"] = "changed greeting"
		cm.Data["app.properties"] = "a=2\n"
		c.ConfigMaps[k] = cm
	}
	for k, s := range goldenConfig.Secrets {
		s = s.DeepCopy()
		s.ResourceVersion = "41.n3"
		for key := range s.Data {
			s.Data[key] = []byte("new-" + goldenSecretValue)
		}
		c.Secrets[k] = s
	}
	return c
}

// With what the pod was first created with pinned, its env, envFrom and secret volumes
// keep the old values while its configMap volumes follow the current objects: the units
// are the same as before the change, only the volumes' files change.
func TestPinnedKeepsWhatContainersWereCreatedWith(t *testing.T) {
	before, err := Render(configPod(t), goldenOptions)
	if err != nil {
		t.Fatal(err)
	}
	opts := goldenOptions
	opts.Config = changedConfig()
	unpinned, err := Render(configPod(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if unitText(unpinned) == unitText(before) {
		t.Fatal("the change did not reach the units of a pod without a pin")
	}
	opts.Pinned = func(namespace, pod string) manifest.ConfigLookup {
		if namespace == "default" && pod == "shop" {
			return goldenConfig
		}
		return nil
	}
	pinned, err := Render(configPod(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if unitText(pinned) != unitText(before) {
		t.Errorf("the units of a pinned pod changed:\n%s\nwant\n%s", unitText(pinned), unitText(before))
	}
	if len(pinned.Secrets) != len(before.Secrets) {
		t.Fatalf("secrets %v, want %v", pinned.Secrets, before.Secrets)
	}
	for i := range pinned.Secrets {
		if pinned.Secrets[i].Name != before.Secrets[i].Name || string(pinned.Secrets[i].Data) != string(before.Secrets[i].Data) {
			t.Errorf("secret %d = %v, want %v", i, pinned.Secrets[i], before.Secrets[i])
		}
	}
	var props string
	for _, v := range pinned.ConfigVolumes {
		for _, f := range v.Files {
			if strings.HasSuffix(f.Path, "app.properties") {
				props = string(f.Data)
			}
		}
	}
	if props != "a=2\n" {
		t.Errorf("a configMap volume of a pinned pod holds %q; want the current a=2", props)
	}

	// Another pod is not pinned: it takes the current values.
	other := configPod(t)
	other.Name = "other"
	res, err := Render(other, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(unitText(res), "changed greeting") {
		t.Error("a pod without a pin did not take the current values")
	}

	// A Secret gone from the current objects does not hold a pinned pod back.
	gone := changedConfig()
	delete(gone.Secrets, "default/db")
	opts.Config = gone
	if _, err := Render(configPod(t), opts); err != nil {
		t.Errorf("a pinned pod whose Secret is gone: %v", err)
	}
}
