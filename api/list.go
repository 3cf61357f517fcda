package api

// List is a Kubernetes-shaped list, so that people and scripts that know kubectl's JSON
// feel at home.
type List struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Items      []any  `json:"items"`
}

// NewList wraps items in a List; no items is an empty list, never null.
func NewList(items []any) List {
	if items == nil {
		items = []any{}
	}
	return List{APIVersion: "v1", Kind: "List", Items: items}
}
