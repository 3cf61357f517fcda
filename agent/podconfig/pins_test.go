package podconfig

import (
	"bytes"
	"log/slog"
	"maps"
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

// unitRuntime renders the pods it is given as the node's runtime does, with the keeper's
// objects and pins, and keeps each pod's units.
type unitRuntime struct {
	objects *Objects
	units   map[string]string
}

func (u *unitRuntime) SetDesired(pods []manifest.Pod) {
	u.units = map[string]string{}
	for _, p := range pods {
		res, err := quadlet.Render(p, quadlet.Options{Config: u.objects, Pinned: u.objects.Pinned, ConfigDir: "/cfg"})
		if err != nil {
			u.units[p.Key()] = "error: " + err.Error()
			continue
		}
		var b strings.Builder
		for _, unit := range res.Units {
			b.WriteString(unit.Text)
		}
		u.units[p.Key()] = b.String()
	}
}

// shopPodOf is shopPod as the ordinal-th pod of a Deployment made with the store's
// objects as they are: named by its hash, carrying the versions it starts with.
func shopPodOf(t *testing.T, st fakeStore) manifest.Pod {
	t.Helper()
	bare := shopPod()
	objs := readObjects(st, slog.New(slog.DiscardHandler))
	versions := manifest.ConfigVersions("default", &bare.Spec, objs)
	hash := manifest.PodTemplateHash(&corev1.PodTemplateSpec{Spec: bare.Spec}, versions)
	bare.Name, bare.Owner, bare.TemplateHash, bare.ConfigVersions = manifest.PodName("shop", hash, 0), "shop", hash, versions
	return bare
}

func putSecret(t *testing.T, st fakeStore, value string, version uint64) {
	st.put(t, store.PrefixSecret+"default/db", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
		Data: map[string][]byte{"password": []byte(value)}}, version)
}

func putConfigMap(t *testing.T, st fakeStore, mode string, version uint64) {
	st.put(t, store.PrefixConfigMap+"default/app", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"},
		Data: map[string]string{"mode": mode}}, version)
}

// A Deployment's pod keeps the Secret it was first rendered with while it runs, across a
// restart of the agent; a new pod made for the new version takes the new value; the
// configMap volume of the old pod follows the change all the same.
func TestKeeperPinsWhatAPodStartedWith(t *testing.T) {
	st := fakeStore{}
	putConfigMap(t, st, "a", 5)
	putSecret(t, st, secretValue, 6)
	old := shopPodOf(t, st)
	var events []string
	secrets := &fakeSecrets{values: map[string]string{}, log: &events}
	dir := t.TempDir()
	pinFile := filepath.Join(dir, "pinned-config.json")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	start := func() (*Keeper, *unitRuntime) {
		objects := &Objects{}
		rt := &unitRuntime{objects: objects}
		k := NewKeeper(st, objects, quadlet.Options{ConfigDir: filepath.Join(dir, "config")}, secrets, rt, logger)
		if err := k.KeepPinsIn(pinFile); err != nil {
			t.Fatal(err)
		}
		return k, rt
	}
	k, rt := start()
	k.SetDesired([]manifest.Pod{old})
	before := rt.units[old.Key()]
	oldSecret := quadlet.SecretName("default", "db", "password", store.FormatVersion(cluster.Version{Time: 6, Node: "n1"}))
	if !strings.Contains(before, oldSecret) {
		t.Fatalf("units:\n%s", before)
	}
	if fi, err := os.Stat(pinFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("pin file: %v, %v; want mode 0600", fi, err)
	}

	putSecret(t, st, "new-"+secretValue, 8)
	putConfigMap(t, st, "b", 9)
	k.SetDesired([]manifest.Pod{old})
	if got := rt.units[old.Key()]; got != before {
		t.Errorf("the running pod's units changed with the Secret:\n%s\nwant\n%s", got, before)
	}
	if got := readThrough(t, filepath.Join(dir, "config", "swarm-default_"+old.Name, "settings"), "mode"); got != "b" {
		t.Errorf("the old pod's configMap volume holds %q; want the new b", got)
	}

	// The rollout's new pod, beside the old one: it takes the new value.
	cur := shopPodOf(t, st)
	if cur.Name == old.Name {
		t.Fatal("the new version kept the pod's name")
	}
	events = nil
	k.SetDesired([]manifest.Pod{old, cur})
	newSecret := quadlet.SecretName("default", "db", "password", store.FormatVersion(cluster.Version{Time: 8, Node: "n1"}))
	if got := rt.units[old.Key()]; got != before {
		t.Errorf("the old pod's units changed beside the new pod")
	}
	if !strings.Contains(rt.units[cur.Key()], newSecret) {
		t.Errorf("the new pod's units:\n%s", rt.units[cur.Key()])
	}
	if secrets.values[oldSecret] != secretValue || secrets.values[newSecret] != "new-"+secretValue {
		t.Errorf("podman secrets %v; want both versions while both pods run", slices.Sorted(maps.Keys(secrets.values)))
	}

	// A restart of the agent: the old pod keeps its units.
	k, rt = start()
	k.SetDesired([]manifest.Pod{old, cur})
	if got := rt.units[old.Key()]; got != before {
		t.Errorf("after a restart the old pod's units changed:\n%s", got)
	}

	// The old pod gone: its pin, and its version's podman secret, go.
	k.SetDesired([]manifest.Pod{cur})
	if _, ok := secrets.values[oldSecret]; ok {
		t.Error("the old version's podman secret is left")
	}
	k, rt = start()
	if _, ok := k.pins[old.Key()]; ok {
		t.Error("the old pod's pin was kept on disk")
	}
	b, _ := os.ReadFile(pinFile)
	if bytes.Contains(b, []byte(`"`+old.Key()+`"`)) {
		t.Error("the pin file still names the old pod")
	}
	if strings.Contains(logs.String(), secretValue) {
		t.Errorf("the log shows a Secret's value:\n%s", logs.String())
	}
}

// A pod made for a version this node has not received yet waits for it, rather than start
// with the older value and keep it; one made for an older version than the node has
// starts with what the node has (it is about to be replaced).
func TestKeeperHoldsBackAPodMadeForANewerVersion(t *testing.T) {
	st := fakeStore{}
	putConfigMap(t, st, "a", 5)
	putSecret(t, st, "v9", 9)
	ahead := shopPodOf(t, st)
	putSecret(t, st, "v7", 7) // this node's store is behind the leader's
	var events []string
	objects := &Objects{}
	k := NewKeeper(st, objects, quadlet.Options{ConfigDir: t.TempDir()}, &fakeSecrets{values: map[string]string{}, log: &events},
		recordRuntime{&events}, slog.New(slog.DiscardHandler))
	k.SetDesired([]manifest.Pod{ahead})
	if want := []string{"runtime "}; !slices.Equal(events, want) {
		t.Errorf("events %v, want %v", events, want)
	}
	putSecret(t, st, "v9", 9)
	events = nil
	k.SetDesired([]manifest.Pod{ahead})
	if len(events) != 2 || events[1] != "runtime "+ahead.Key() {
		t.Errorf("once the version arrived: events %v", events)
	}

	putSecret(t, st, "v5", 3)
	stale := shopPodOf(t, st)
	putSecret(t, st, "v9", 9)
	events = nil
	k.SetDesired([]manifest.Pod{stale})
	if len(events) == 0 || events[len(events)-1] != "runtime "+stale.Key() {
		t.Errorf("a pod made for an older version: events %v", events)
	}
}

// A bare Pod has no rollout to take a change: it takes the current values, and so is
// restarted in place.
func TestKeeperBarePodTakesTheCurrentValues(t *testing.T) {
	st := fakeStore{}
	putConfigMap(t, st, "a", 5)
	putSecret(t, st, secretValue, 6)
	objects := &Objects{}
	rt := &unitRuntime{objects: objects}
	var events []string
	k := NewKeeper(st, objects, quadlet.Options{ConfigDir: t.TempDir()}, &fakeSecrets{values: map[string]string{}, log: &events}, rt,
		slog.New(slog.DiscardHandler))
	k.SetDesired([]manifest.Pod{shopPod()})
	before := rt.units["default/shop"]
	putSecret(t, st, "new", 8)
	k.SetDesired([]manifest.Pod{shopPod()})
	if rt.units["default/shop"] == before {
		t.Error("a bare Pod kept its old Secret")
	}
}
