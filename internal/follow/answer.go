package follow

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/podman-swarm/podman-swarm/api"
)

// answer is the agent's answer to one path as its watch brings it up to date. An answer
// that is a Kubernetes list with a resource version (the agent's lists of objects) is
// watched from that version object by object, and put together again in key order, as
// the agent lists it; any other answer is watched whole, each event carrying all of it.
type answer struct {
	path    string
	list    bool
	version string                     // list: the version it is at
	items   map[string]json.RawMessage // list: the objects by "namespace/name"
	body    []byte                     // the answer as Decode is given it
	started bool                       // the watch's initial events have all come
}

// newAnswer starts from the body a list read.
func newAnswer(path string, body []byte) (*answer, error) {
	a := &answer{path: path, body: body}
	var l struct {
		Kind     string
		Metadata struct{ ResourceVersion string }
		Items    []json.RawMessage
	}
	// The project's lists are a "List"; those it shares with Kubernetes' API, Kubernetes'
	// (a "ServiceList").
	if json.Unmarshal(body, &l) != nil || !strings.HasSuffix(l.Kind, "List") || l.Metadata.ResourceVersion == "" {
		return a, nil
	}
	a.list, a.version = true, l.Metadata.ResourceVersion
	a.items = make(map[string]json.RawMessage, len(l.Items))
	for _, it := range l.Items {
		key, _, err := objectKey(it)
		if err != nil {
			return nil, fmt.Errorf("the agent's list %s: %w", path, err)
		}
		a.items[key] = it
	}
	return a, nil
}

// query is the watch's: a list's goes on from its version, a whole answer starts afresh.
func (a *answer) query() url.Values {
	if !a.list {
		return nil
	}
	return url.Values{"resourceVersion": {a.version}}
}

// apply takes one event; it reports whether the answer changed.
func (a *answer) apply(ev api.WatchEvent) (bool, error) {
	switch ev.Type {
	case api.Bookmark:
		var m api.EventMeta
		if err := json.Unmarshal(ev.Object, &m); err != nil {
			return false, fmt.Errorf("a bookmark of %s: %w", a.path, err)
		}
		if a.list && m.Metadata.ResourceVersion != "" {
			a.version = m.Metadata.ResourceVersion
		}
		a.started = a.started || m.InitialEventsEnd()
		return false, nil
	case api.Added, api.Modified, api.Deleted:
	default:
		return false, fmt.Errorf("the watch of %s sent an event of type %q: %s", a.path, ev.Type, ev.Object)
	}
	if !a.list {
		if ev.Type == api.Deleted {
			return false, fmt.Errorf("the watch of %s deleted the whole answer", a.path)
		}
		a.body = ev.Object
		return true, nil
	}
	key, version, err := objectKey(ev.Object)
	if err != nil {
		return false, fmt.Errorf("the watch of %s: %w", a.path, err)
	}
	if version != "" {
		a.version = version
	}
	if ev.Type == api.Deleted {
		delete(a.items, key)
	} else {
		a.items[key] = ev.Object
	}
	a.body = nil
	return true, nil
}

// answer is the answer as the agent would list it now.
func (a *answer) answer() []byte {
	if a.body != nil {
		return a.body
	}
	items := make([]json.RawMessage, 0, len(a.items))
	for _, key := range slices.Sorted(maps.Keys(a.items)) {
		items = append(items, a.items[key])
	}
	a.body, _ = json.Marshal(struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}{"v1", "List", items})
	return a.body
}

// objectKey is an object's "namespace/name", and its resource version.
func objectKey(object []byte) (key, version string, err error) {
	var m api.EventMeta
	if err := json.Unmarshal(object, &m); err != nil {
		return "", "", fmt.Errorf("an object: %w", err)
	}
	if m.Metadata.Name == "" {
		return "", "", errors.New("an object without a name")
	}
	return m.Metadata.Namespace + "/" + m.Metadata.Name, m.Metadata.ResourceVersion, nil
}
