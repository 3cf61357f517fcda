package events

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/cluster"
)

func ver(t uint64, node string) cluster.Version { return cluster.Version{Time: t, Node: node} }

// value is a stored Deployment with replicas and image, carrying lineage l (nil: none).
func value(t *testing.T, replicas int, image string, l store.Lineage) []byte {
	t.Helper()
	meta := map[string]any{"name": "web", "namespace": "default"}
	if l != nil {
		meta["resourceVersion"] = l.String()
	}
	b, err := json.Marshal(map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
		"spec": map[string]any{"replicas": replicas, "template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "main", "image": image}},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func live(key string, v cluster.Version, val []byte) cluster.Entry {
	return cluster.Entry{Key: key, Version: v, Value: val, Modified: time.Date(2026, 3, 1, 12, 0, int(v.Time), 0, time.UTC)}
}

func tomb(key string, v cluster.Version) cluster.Entry {
	return cluster.Entry{Key: key, Version: v, Deleted: true, Modified: time.Date(2026, 3, 1, 12, 0, int(v.Time), 0, time.UTC)}
}

func TestJudge(t *testing.T) {
	const key = "deployment/default/web"
	v1 := live(key, ver(3, "n1"), value(t, 1, "a", store.Lineage{}))
	cases := []struct {
		name     string
		old, new cluster.Entry
		deletion *store.Deletion
		want     verdict
		wait     bool
	}{
		{
			name: "sequential update: the writer read the old value",
			old:  v1, new: live(key, ver(5, "n2"), value(t, 2, "a", store.Lineage{"n1": 3})),
			want: superseded,
		},
		{
			name: "an update that skipped versions still saw the old one through them",
			old:  v1, new: live(key, ver(9, "n3"), value(t, 3, "a", store.Lineage{"n1": 3, "n2": 5})),
			want: superseded,
		},
		{
			name: "concurrent update: the other side never saw it",
			old:  v1, new: live(key, ver(7, "n4"), value(t, 1, "b", store.Lineage{"n0": 1})),
			want: lost,
		},
		{
			name: "concurrent update whose side counted further: a higher time is no proof",
			old:  v1, new: live(key, ver(40, "n4"), value(t, 1, "b", store.Lineage{"n4": 39, "n1": 2})),
			want: lost,
		},
		{
			name: "concurrent create on both sides",
			old:  v1, new: live(key, ver(4, "n4"), value(t, 1, "b", store.Lineage{})),
			want: lost,
		},
		{
			name: "the same object written on both sides loses nothing",
			old:  v1, new: live(key, ver(4, "n4"), value(t, 1, "a", store.Lineage{"n0": 1})),
			want: superseded,
		},
		{
			name: "a writer from before lineages: cannot tell",
			old:  v1, new: live(key, ver(4, "n4"), value(t, 1, "b", nil)),
			want: unknown,
		},
		{
			name:     "a delete that had seen the value",
			old:      v1,
			new:      tomb(key, ver(6, "n2")),
			deletion: &store.Deletion{Tombstone: ver(6, "n2"), Seen: store.Lineage{"n1": 3}},
			want:     superseded,
		},
		{
			name:     "a concurrent delete that had not",
			old:      v1,
			new:      tomb(key, ver(6, "n4")),
			deletion: &store.Deletion{Tombstone: ver(6, "n4"), Seen: store.Lineage{"n0": 1}},
			want:     lost,
		},
		{
			name: "a delete whose record has not come yet",
			old:  v1, new: tomb(key, ver(6, "n4")),
			wait: true,
		},
		{
			name:     "a delete whose record is an earlier delete's: the right one is coming",
			old:      v1,
			new:      tomb(key, ver(6, "n4")),
			deletion: &store.Deletion{Tombstone: ver(2, "n0"), Seen: store.Lineage{}},
			wait:     true,
		},
		{
			name:     "a delete whose record a later delete replaced: cannot tell",
			old:      v1,
			new:      tomb(key, ver(6, "n4")),
			deletion: &store.Deletion{Tombstone: ver(8, "n2"), Seen: store.Lineage{"n1": 3}},
			want:     unknown,
		},
		{
			name: "an update that undid a concurrent delete",
			old:  tomb(key, ver(6, "n1")), new: live(key, ver(8, "n4"), value(t, 2, "a", store.Lineage{"n1": 3})),
			want: lost,
		},
		{
			name: "a create after the delete, made knowing of it",
			old:  tomb(key, ver(6, "n1")), new: live(key, ver(8, "n4"), value(t, 2, "a", store.Lineage{"n1": 6})),
			want: superseded,
		},
		{
			name: "a delete over a delete",
			old:  tomb(key, ver(6, "n1")), new: tomb(key, ver(7, "n4")),
			want: superseded,
		},
	}
	for _, c := range cases {
		got, wait := judgeReplacement(c.old, c.new, c.deletion)
		if wait != c.wait || (!wait && got != c.want) {
			t.Errorf("%s: verdict %d (wait %v), want %d (wait %v)", c.name, got, wait, c.want, c.wait)
		}
	}
}

func TestConflictMessagesSayWhatHappenedAndWhatToDo(t *testing.T) {
	const key = "deployment/default/web"
	lostUpdate := live(key, ver(3, "n1"), value(t, 3, "nginx:1", store.Lineage{"n0": 1}))
	lostCreate := live(key, ver(3, "n1"), value(t, 3, "nginx:1", store.Lineage{}))
	winner := live(key, ver(7, "n4"), value(t, 1, "nginx:2", store.Lineage{"n0": 1}))
	cases := []struct {
		name string
		c    conflict
		want []string
	}{
		{"update lost to update", conflict{Lost: lostUpdate, Winner: winner}, []string{
			"a concurrent change made through node n4 at 2026-03-01T12:00:07Z replaced this change made through node n1",
			"(answered 'configured' at 2026-03-01T12:00:03Z, store version 3.n1)",
			"the object now holds n4's version (store version 7.n4)",
			"they differ in spec.replicas, spec.template.spec.containers[0].image",
			"apply the change again if it should win",
		}},
		{"create lost to update", conflict{Lost: lostCreate, Winner: winner}, []string{"answered 'created'"}},
		{"update lost to delete", conflict{Lost: lostUpdate, Winner: tomb(key, ver(7, "n4"))}, []string{
			"a concurrent delete made through node n4 at 2026-03-01T12:00:07Z removed this change made through node n1",
			"answered 'configured'", "which it had not seen: the object is deleted",
		}},
		{"delete lost to update", conflict{Lost: tomb(key, ver(3, "n1")), Winner: winner}, []string{
			"undid this delete made through node n1 (answered 'deleted' at 2026-03-01T12:00:03Z)",
			"the object exists again, with n4's version (store version 7.n4)",
		}},
	}
	for _, c := range cases {
		msg := c.c.message()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q lacks %q", c.name, msg, w)
			}
		}
		if again := c.c.message(); again != msg {
			t.Errorf("%s: the message changed from one call to the next", c.name)
		}
	}
}

func TestChangedFields(t *testing.T) {
	a := []byte(`{"metadata":{"name":"web","resourceVersion":"seen:a=1","labels":{"app.kubernetes.io/name":"x"}},
		"spec":{"replicas":1,"ports":[1,2],"c":[{"image":"a","name":"m"}]},"status":{"x":1}}`)
	b := []byte(`{"metadata":{"name":"web","resourceVersion":"seen:b=2","labels":{"app.kubernetes.io/name":"y"}},
		"spec":{"replicas":2,"ports":[1,2,3],"c":[{"image":"b","name":"m"}],"new":true},"status":{"x":2}}`)
	got, ok := changedFields(a, b, 10)
	want := "metadata.labels[app.kubernetes.io/name] spec.c[0].image spec.new spec.ports spec.replicas"
	if !ok || strings.Join(got, " ") != want {
		t.Errorf("changedFields = %q, %v; want %q", got, ok, want)
	}
	got, _ = changedFields(a, b, 2)
	if strings.Join(got, " ") != "metadata.labels[app.kubernetes.io/name] spec.c[0].image 3 more" {
		t.Errorf("bounded changedFields = %q", got)
	}
	if got, ok := changedFields(a, a, 10); !ok || len(got) != 0 {
		t.Errorf("changedFields of one value = %q, %v", got, ok)
	}
	if _, ok := changedFields(a, []byte("{"), 10); ok {
		t.Error("an undecodable value compared")
	}
}
