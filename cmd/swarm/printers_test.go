package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// Field paths are taken with or without braces and the leading dot, as kubectl takes them.
func TestRelaxedJSONPath(t *testing.T) {
	for in, want := range map[string]string{
		"metadata.name":       "{.metadata.name}",
		".metadata.name":      "{.metadata.name}",
		"{.metadata.name}":    "{.metadata.name}",
		"{metadata.name}":     "{.metadata.name}",
		".spec.containers[0]": "{.spec.containers[0]}",
	} {
		if got, err := relaxedJSONPath(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"{.metadata.name", ".metadata.name}", "{a}{b}"} {
		if got, err := relaxedJSONPath(bad); err == nil {
			t.Errorf("%q was taken as %q", bad, got)
		}
	}
}

// --sort-by orders numbers by value, text by bytes, the objects that lack the field
// first, and keeps the order of the ones it does not tell apart.
func TestSortItems(t *testing.T) {
	item := func(name, body string) printed {
		return printed{resource: "pods", name: name, raw: json.RawMessage(`{"metadata":{"name":"` + name + `"},"spec":` + body + `}`)}
	}
	items := []printed{item("a", `{"n":10}`), item("b", `{"n":9}`), item("c", `{}`), item("d", `{"n":9}`), item("e", `{"n":100}`)}
	if err := sortItems(items, ".spec.n"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.name)
	}
	if strings.Join(got, "") != "cbdae" {
		t.Errorf("by .spec.n: %v", got)
	}
	text := []printed{item("a", `{"s":"b10"}`), item("b", `{"s":"b9"}`), item("c", `{"s":"a"}`)}
	if err := sortItems(text, "{.spec.s}"); err != nil {
		t.Fatal(err)
	}
	if text[0].name != "c" || text[1].name != "a" || text[2].name != "b" {
		t.Errorf("by .spec.s: %v", text)
	}
	if err := sortItems([]printed{item("a", `{"l":[1,2]}`)}, ".spec.l[*]"); err == nil || !strings.Contains(err.Error(), "finds 2 values") {
		t.Errorf("a path that finds several values: %v", err)
	}
}
