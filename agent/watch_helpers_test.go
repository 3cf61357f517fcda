package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/api"
)

// watched is an event as these tests compare it.
type watched struct {
	Type            api.EventType
	Name            string // namespace/name of the object
	ResourceVersion string
	InitialEnd      bool // a BOOKMARK that ends the initial events
}

func (w watched) String() string { return fmt.Sprintf("%s %s@%s", w.Type, w.Name, w.ResourceVersion) }

// watchStream is an open watch of one agent's API.
type watchStream struct {
	t   *testing.T
	s   *api.WatchStream
	raw api.WatchEvent // the event read last
}

// openWatch watches path on a with the node's token; query adds to ?watch=true.
func openWatch(t *testing.T, a *Agent, path string, query url.Values) (*watchStream, error) {
	t.Helper()
	c, err := api.NewClient(api.ClientConfig{Server: a.APIAddr(), Token: nodeToken(t, a), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.Watch(ctx, path, query)
	if err != nil {
		cancel()
		return nil, err
	}
	t.Cleanup(func() {
		cancel()
		s.Close()
	})
	return &watchStream{t: t, s: s}, nil
}

func mustWatch(t *testing.T, a *Agent, path string, query url.Values) *watchStream {
	t.Helper()
	w, err := openWatch(t, a, path, query)
	if err != nil {
		t.Fatalf("watch %s: %v", path, err)
	}
	return w
}

// next reads one event, failing the test when none comes in time.
func (w *watchStream) next() (watched, api.WatchEvent) {
	w.t.Helper()
	type result struct {
		ev  api.WatchEvent
		err error
	}
	got := make(chan result, 1)
	go func() {
		ev, err := w.s.Next()
		got <- result{ev, err}
	}()
	select {
	case r := <-got:
		if r.err != nil {
			w.t.Fatalf("read a watch event: %v", r.err)
		}
		var m api.EventMeta
		if err := json.Unmarshal(r.ev.Object, &m); err != nil {
			w.t.Fatalf("decode %s: %v", r.ev.Object, err)
		}
		name := m.Metadata.Name
		if m.Metadata.Namespace != "" {
			name = m.Metadata.Namespace + "/" + name
		}
		w.raw = r.ev
		return watched{r.ev.Type, name, m.Metadata.ResourceVersion, m.InitialEventsEnd()}, r.ev
	case <-time.After(10 * time.Second):
		w.t.Fatal("no watch event within 10s")
	}
	panic("unreachable")
}

// until reads events up to the first for which stop holds, and returns them all.
func (w *watchStream) until(stop func(watched) bool) []watched {
	w.t.Helper()
	var out []watched
	for {
		ev, _ := w.next()
		out = append(out, ev)
		if stop(ev) {
			return out
		}
	}
}

// initial reads the events a watch starts with, and its first bookmark's version.
func (w *watchStream) initial() ([]watched, string) {
	w.t.Helper()
	evs := w.until(func(ev watched) bool { return ev.InitialEnd })
	last := evs[len(evs)-1]
	if last.Type != api.Bookmark {
		w.t.Fatalf("the initial events end with %v", last)
	}
	return evs[:len(evs)-1], last.ResourceVersion
}

// changes drops the bookmarks.
func changes(evs []watched) []watched {
	var out []watched
	for _, ev := range evs {
		if ev.Type != api.Bookmark {
			out = append(out, ev)
		}
	}
	return out
}

func serviceYAML(name string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec: {selector: {app: %s}, ports: [{port: 80}]}\n", name, name)
}

// listVersion is the metadata.resourceVersion of a list.
func listVersion(t *testing.T, a *Agent, path string) (string, []string) {
	t.Helper()
	var l struct {
		Metadata struct{ ResourceVersion string }
		Items    []struct {
			Metadata struct{ Name, Namespace, ResourceVersion string }
		}
	}
	if code := call(t, a, "GET", path, "", nil, &l); code != 200 {
		t.Fatalf("GET %s: HTTP %d", path, code)
	}
	var names []string
	for _, it := range l.Items {
		if it.Metadata.ResourceVersion == "" {
			t.Errorf("%s in %s has no resourceVersion", it.Metadata.Name, path)
		}
		names = append(names, strings.TrimPrefix(it.Metadata.Namespace+"/"+it.Metadata.Name, "/"))
	}
	if l.Metadata.ResourceVersion == "" {
		t.Fatalf("%s has no resourceVersion", path)
	}
	return l.Metadata.ResourceVersion, names
}
