package api

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// List is a Kubernetes-shaped list, so that people and scripts that know kubectl's JSON
// feel at home. The lists of the agent's objects carry the resource version they were read
// at in Metadata, from which a watch may go on (see WatchEvent); other lists carry none.
type List struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Metadata   metav1.ListMeta `json:"metadata,omitzero"`
	Items      []any           `json:"items"`
}

// NewList wraps items in a List; no items is an empty list, never null.
func NewList(items []any) List {
	if items == nil {
		items = []any{}
	}
	return List{APIVersion: "v1", Kind: "List", Items: items}
}
