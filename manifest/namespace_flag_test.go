package manifest

import (
	"strings"
	"testing"
)

// ParseInNamespace puts objects that name no namespace in the one given, keeps those
// that name it, and refuses one that names another, in kubectl's words.
func TestParseInNamespace(t *testing.T) {
	doc := `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, namespace: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
`
	set, err := ParseInNamespace("shop", Input{Name: "m.yaml", Data: []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if a, b, ns := set.Objects[0].Meta(), set.Objects[1].Meta(), set.Objects[2].Meta(); a.Namespace != "shop" || b.Namespace != "shop" || ns.Namespace != "" {
		t.Errorf("namespaces %q %q %q", a.Namespace, b.Namespace, ns.Namespace)
	}
	set, err = Parse(Input{Name: "m.yaml", Data: []byte(doc)})
	if err != nil || set.Objects[0].Meta().Namespace != DefaultNamespace {
		t.Errorf("without a namespace: %v", err)
	}
	_, err = ParseInNamespace("other", Input{Name: "m.yaml", Data: []byte(doc)})
	want := `m.yaml: document 2 (ConfigMap b): metadata.namespace: the namespace from the provided object "shop" does not match the namespace "other". You must pass '--namespace=shop' to perform this operation.`
	if err == nil || strings.TrimSpace(err.Error()) != want {
		t.Errorf("another namespace:\n%v\nwant\n%s", err, want)
	}
}
