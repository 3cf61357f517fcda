package events

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// ignoredFields differ between any two versions of an object without saying anything about
// what the writers changed; the last-applied configuration is a copy of the fields that
// are compared one by one.
var ignoredFields = map[string]bool{"metadata.resourceVersion": true, "status": true,
	"metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]": true}

// changedFields lists the fields in which two stored objects (JSON) differ, as field paths
// (spec.replicas, spec.template.spec.containers[0].image), in order, at most limit of them
// and then how many more. It descends into objects and into lists of the same length; a
// list whose length changed is one field. false when either value does not decode.
func changedFields(a, b []byte, limit int) ([]string, bool) {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return nil, false
	}
	var paths []string
	diffValues("", va, vb, &paths)
	if len(paths) > limit {
		more := len(paths) - limit
		paths = append(paths[:limit:limit], strconv.Itoa(more)+" more")
	}
	return paths, true
}

func diffValues(path string, a, b any, out *[]string) {
	if ignoredFields[path] {
		return
	}
	switch ta := a.(type) {
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := slices.Sorted(maps.Keys(ta))
		for k := range tb {
			if _, ok := ta[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			diffValues(fieldPath(path, k), ta[k], tb[k], out)
		}
		return
	case []any:
		tb, ok := b.([]any)
		if !ok || len(ta) != len(tb) {
			break
		}
		for i := range ta {
			diffValues(path+"["+strconv.Itoa(i)+"]", ta[i], tb[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, path)
	}
}

// fieldPath appends a key to a path: .key, or [key] for one that holds a dot or a slash
// (labels and annotations such as app.kubernetes.io/name).
func fieldPath(path, key string) string {
	if strings.ContainsAny(key, "./[]") {
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}
