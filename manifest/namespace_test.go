package manifest

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestParseNamespace(t *testing.T) {
	doc := `apiVersion: v1
kind: Namespace
metadata: {name: shop, namespace: ignored, labels: {team: web}}
spec: {finalizers: [kubernetes]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`
	set, err := parseString(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	ns := set.Objects[0]
	if ns.Kind != "Namespace" || ns.Namespace == nil || ns.Namespace.Name != "shop" || ns.Namespace.Labels["team"] != "web" {
		t.Fatalf("namespace = %+v", ns.Namespace)
	}
	// Cluster-scoped: a namespace given to it is cleared, as the API server clears it.
	if ns.Meta().Namespace != "" {
		t.Errorf("a Namespace's metadata.namespace = %q, want it cleared", ns.Meta().Namespace)
	}
	if len(set.Pods()) != 1 {
		t.Errorf("the Namespace made pods: %d, want only the Deployment's 1", len(set.Pods()))
	}
}

func TestParseNamespaceList(t *testing.T) {
	doc := "apiVersion: v1\nkind: NamespaceList\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, kind: Namespace, metadata: {name: b}}\n"
	set, err := parseString(t, doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Objects) != 2 || set.Objects[1].Namespace.Name != "b" {
		t.Fatalf("objects = %+v", set.Objects)
	}
}

func TestNamespaceValidationMessages(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"name not a DNS-1123 label", "apiVersion: v1\nkind: Namespace\nmetadata: {name: Shop}\n",
			`app.yaml: document 1 (Namespace Shop): metadata.name: Invalid value: "Shop": must be a DNS-1123 label: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
		{"no name", "apiVersion: v1\nkind: Namespace\nmetadata: {labels: {a: b}}\n",
			`app.yaml: document 1 (Namespace): metadata.name: Required value: every object needs a name`},
		{"finalizer without a domain", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nspec: {finalizers: [mine]}\n",
			`app.yaml: document 1 (Namespace a): spec.finalizers[0]: Invalid value: "mine": name is neither a standard finalizer name nor is it fully qualified`},
		{"unknown field", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nspec: {finalizer: [kubernetes]}\n",
			`app.yaml: document 1 (Namespace a): spec.finalizer: Unknown field: not part of this kind's schema (check spelling and indentation)`},
		{"wrong apiVersion", "apiVersion: apps/v1\nkind: Namespace\nmetadata: {name: a}\n",
			`app.yaml: document 1 (Namespace a): apiVersion: Unsupported value: "apps/v1": a Namespace must have apiVersion v1`},
		{"twice in one manifest", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
			`app.yaml: document 2 (Namespace a): metadata.name: Duplicate value: "a": Namespace a is already defined in app.yaml: document 1 (Namespace a)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseString(t, tt.input)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err =\n  %v\nwant\n  %s", err, tt.want)
			}
		})
	}
}

// One bad Namespace refuses the whole manifest, its good documents too.
func TestBadNamespaceRefusesTheManifest(t *testing.T) {
	doc := "apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: Not_OK}\n"
	set, err := parseString(t, doc)
	if set != nil || err == nil || !strings.Contains(err.Error(), "document 2 (Namespace Not_OK)") {
		t.Fatalf("set = %v, err = %v", set, err)
	}
}

func TestNamespaceMessages(t *testing.T) {
	if got, want := NamespaceNotFound("shop"), "namespaces \"shop\" not found: create it first with `swarm create namespace shop`, or put a Namespace document in the same manifest"; got != want {
		t.Errorf("not found = %q\nwant %q", got, want)
	}
	got := NamespaceTerminating(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web", "shop")
	if want := `deployments.apps "web" is forbidden: unable to create new content in namespace shop because it is being terminated`; got != want {
		t.Errorf("terminating = %q\nwant %q", got, want)
	}
}
