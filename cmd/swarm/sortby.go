package main

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"

	"k8s.io/client-go/util/jsonpath"
)

// sortItems orders items by what the field path by (kubectl's --sort-by) finds in each:
// numbers by value, strings (names, timestamps in RFC 3339) in byte order, an object
// without the field first. The sort is stable: items the field does not tell apart keep
// the API's order.
func sortItems(items []printed, by string) error {
	expr, err := relaxedJSONPath(by)
	if err != nil {
		return err
	}
	j, err := newJSONPath(expr)
	if err != nil {
		return err
	}
	keyed := make([]keyedItem, len(items))
	for i, it := range items {
		data, err := generic(it.raw)
		if err != nil {
			return err
		}
		if keyed[i].key, err = sortKeyOf(j, data); err != nil {
			return fmt.Errorf("--sort-by %s: %w", by, err)
		}
		keyed[i].item = it
	}
	slices.SortStableFunc(keyed, func(a, b keyedItem) int { return a.key.compare(b.key) })
	for i := range keyed {
		items[i] = keyed[i].item
	}
	return nil
}

// keyedItem is an item with the value it is sorted by.
type keyedItem struct {
	item printed
	key  sortKey
}

// sortKey is the value an item is sorted by.
type sortKey struct {
	present bool
	number  bool
	f       float64
	s       string
}

func sortKeyOf(j *jsonpath.JSONPath, data any) (sortKey, error) {
	results, err := j.FindResults(data)
	if err != nil {
		return sortKey{}, err
	}
	if len(results) == 0 || len(results[0]) == 0 {
		return sortKey{}, nil
	}
	if len(results[0]) > 1 {
		return sortKey{}, fmt.Errorf("the path finds %d values in an object: it must find one", len(results[0]))
	}
	v := results[0][0]
	for v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Float64:
		return sortKey{present: true, number: true, f: v.Float()}, nil
	case reflect.Interface:
		return sortKey{}, nil
	}
	return sortKey{present: true, s: valueString(v)}, nil
}

func (a sortKey) compare(b sortKey) int {
	switch {
	case a.present != b.present:
		if a.present {
			return 1
		}
		return -1
	case a.number && b.number:
		return cmp.Compare(a.f, b.f)
	case a.number != b.number:
		if a.number {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.s, b.s)
}
