package podconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

const secretValue = "pw-55c0ffee"

type fakeStore map[string]cluster.Entry

func (f fakeStore) List(prefix string) []cluster.Entry {
	var out []cluster.Entry
	for k, e := range f {
		if strings.HasPrefix(k, prefix) {
			e.Key = k
			out = append(out, e)
		}
	}
	return out
}

func (f fakeStore) put(t *testing.T, key string, v any, version uint64) {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	f[key] = cluster.Entry{Value: b, Version: cluster.Version{Time: version, Node: "n1"}}
}

// fakeSecrets is podman's secret store in memory; it records what happened, in order.
type fakeSecrets struct {
	values map[string]string
	log    *[]string
}

func (f *fakeSecrets) List(_ context.Context, prefix string) ([]string, error) {
	var out []string
	for n := range f.values {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeSecrets) Create(_ context.Context, name string, data []byte) error {
	f.values[name] = string(data)
	*f.log = append(*f.log, "create "+name)
	return nil
}

func (f *fakeSecrets) Remove(_ context.Context, name string) error {
	delete(f.values, name)
	*f.log = append(*f.log, "remove "+name)
	return nil
}

type recordRuntime struct{ log *[]string }

func (r recordRuntime) SetDesired(pods []manifest.Pod) {
	*r.log = append(*r.log, "runtime "+strings.Join(keys(pods), ","))
}

func keys(pods []manifest.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Key())
	}
	return out
}

func shopPod() manifest.Pod {
	return manifest.BarePod(&corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "shop"},
		Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "settings", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "app"}}}}},
			Containers: []corev1.Container{{Name: "app", Image: "localhost/shop:1",
				Env: []corev1.EnvVar{{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}}},
				VolumeMounts: []corev1.VolumeMount{{Name: "settings", MountPath: "/etc/app"}},
			}},
		},
	})
}

func TestKeeperMakesSecretsAndVolumesBeforeThePodsRun(t *testing.T) {
	st := fakeStore{}
	st.put(t, store.PrefixConfigMap+"default/app", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"},
		Data: map[string]string{"mode": "a"}}, 5)
	st.put(t, store.PrefixSecret+"default/db", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
		Data: map[string][]byte{"password": []byte(secretValue)}}, 6)
	var events []string
	secrets := &fakeSecrets{values: map[string]string{"swarm-default_gone_k_0": "stale", "other": "not ours"}, log: &events}
	var logs bytes.Buffer
	dir := filepath.Join(t.TempDir(), "config")
	objects := &Objects{}
	k := NewKeeper(st, objects, quadlet.Options{Config: objects, ConfigDir: dir}, secrets, recordRuntime{&events},
		slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))

	k.SetDesired([]manifest.Pod{shopPod()})
	name := quadlet.SecretName("default", "db", "password", store.FormatVersion(cluster.Version{Time: 6, Node: "n1"}))
	want := []string{"create " + name, "remove swarm-default_gone_k_0", "runtime default/shop"}
	if !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	if secrets.values[name] != secretValue || secrets.values["other"] != "not ours" {
		t.Errorf("secrets %v", secrets.values)
	}
	settings := filepath.Join(dir, "swarm-default_shop", "settings")
	if got := readThrough(t, settings, "mode"); got != "a" {
		t.Errorf("mode = %q", got)
	}

	// A ConfigMap change rewrites the file in place; a Secret change makes a new secret
	// and removes the old one.
	st.put(t, store.PrefixConfigMap+"default/app", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"},
		Data: map[string]string{"mode": "b"}}, 7)
	st.put(t, store.PrefixSecret+"default/db", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
		Data: map[string][]byte{"password": []byte("new-" + secretValue)}}, 8)
	events = nil
	k.SetDesired([]manifest.Pod{shopPod()})
	newName := quadlet.SecretName("default", "db", "password", store.FormatVersion(cluster.Version{Time: 8, Node: "n1"}))
	if want := []string{"create " + newName, "remove " + name, "runtime default/shop"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	if got := readThrough(t, settings, "mode"); got != "b" {
		t.Errorf("mode after the change = %q", got)
	}

	// Deleted while the pod runs: the pod keeps what it started with.
	delete(st, store.PrefixSecret+"default/db")
	events = nil
	k.SetDesired([]manifest.Pod{shopPod()})
	if want := []string{"runtime default/shop"}; !slices.Equal(events, want) {
		t.Errorf("after the Secret was deleted: events %v, want %v", events, want)
	}

	// The pod gone: its secret and its folder go.
	events = nil
	k.SetDesired(nil)
	if want := []string{"remove " + newName, "runtime "}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "swarm-default_shop")); err == nil {
		t.Error("the pod's config folder is left")
	}
	if strings.Contains(logs.String(), secretValue) {
		t.Errorf("the log shows a Secret's value:\n%s", logs.String())
	}
}

// The podman commands get the value on standard input, never as an argument: a fake podman
// records both.
func TestPodmanGetsTheValueOnStdin(t *testing.T) {
	bin := t.TempDir()
	record := filepath.Join(bin, "record")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + record + ".args\ncat >> " + record + ".stdin\n" +
		"if [ \"$2\" = ls ]; then printf 'swarm-a\\nother\\nswarm-b\\n'; fi\n"
	if err := os.WriteFile(filepath.Join(bin, "podman"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	ctx := context.Background()
	if err := (Podman{}).Create(ctx, "swarm-default_db_password_abc", []byte(secretValue)); err != nil {
		t.Fatal(err)
	}
	names, err := (Podman{}).List(ctx, "swarm-")
	if err != nil || !slices.Equal(names, []string{"swarm-a", "swarm-b"}) {
		t.Errorf("List = %v, %v", names, err)
	}
	args, _ := os.ReadFile(record + ".args")
	stdin, _ := os.ReadFile(record + ".stdin")
	if !strings.HasPrefix(string(args), "secret create --replace swarm-default_db_password_abc -\n") || strings.Contains(string(args), secretValue) {
		t.Errorf("arguments:\n%s", args)
	}
	if string(stdin) != secretValue {
		t.Errorf("stdin = %q", stdin)
	}
}

// A pod whose Secret has not reached this node yet is held back, not handed on to fail.
func TestKeeperHoldsBackAPodWhoseConfigIsNotHereYet(t *testing.T) {
	st := fakeStore{}
	st.put(t, store.PrefixConfigMap+"default/app", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"}}, 5)
	var events []string
	objects := &Objects{}
	k := NewKeeper(st, objects, quadlet.Options{Config: objects, ConfigDir: t.TempDir()},
		&fakeSecrets{values: map[string]string{}, log: &events}, recordRuntime{&events}, slog.New(slog.DiscardHandler))
	other := shopPod()
	other.Name, other.Spec = "plain", corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "localhost/x:1"}}}
	k.SetDesired([]manifest.Pod{shopPod(), other})
	if want := []string{"runtime default/plain"}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	st.put(t, store.PrefixSecret+"default/db", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
		Data: map[string][]byte{"password": []byte(secretValue)}}, 6)
	events = nil
	k.SetDesired([]manifest.Pod{shopPod(), other})
	if len(events) != 2 || !strings.HasPrefix(events[0], "create ") || events[1] != "runtime default/shop,default/plain" {
		t.Errorf("events %v", events)
	}
}
