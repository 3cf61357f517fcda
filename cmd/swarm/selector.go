package main

import (
	"encoding/json"
	"fmt"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	fieldselector "k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// checkSelectors parses a label selector (-l) and a field selector (--field-selector)
// before anything is asked of the agent, so that a malformed one is one line and exit
// status 1, with the words of the parser the API server uses.
func checkSelectors(labelSel, fieldSel string) error {
	if labelSel != "" {
		if _, err := labels.Parse(labelSel); err != nil {
			return fmt.Errorf("invalid label selector %q: %w", labelSel, err)
		}
	}
	if fieldSel != "" {
		if _, err := fieldselector.ParseSelector(fieldSel); err != nil {
			return fmt.Errorf("invalid field selector %q: %w", fieldSel, err)
		}
	}
	return nil
}

// addSelectors puts the selectors in a list's query, as kubectl sends them.
func addSelectors(q url.Values, labelSel, fieldSel string) {
	if labelSel != "" {
		q.Set("labelSelector", labelSel)
	}
	if fieldSel != "" {
		q.Set("fieldSelector", fieldSel)
	}
}

// selectPods lists the pods of a namespace ("" and allNamespaces: every namespace) that a
// label selector matches, in the API's order: what swarm logs -l and others read.
func selectPods(c *client, namespace string, allNamespaces bool, labelSel string) ([]corev1.Pod, error) {
	if err := checkSelectors(labelSel, ""); err != nil {
		return nil, err
	}
	q := url.Values{}
	if !allNamespaces {
		q.Set("namespace", namespace)
	}
	addSelectors(q, labelSel, "")
	var list struct{ Items []json.RawMessage }
	if err := c.do("GET", "/api/v1/pods", q, "", nil, &list); err != nil {
		return nil, err
	}
	pods := make([]corev1.Pod, 0, len(list.Items))
	for _, it := range list.Items {
		var p corev1.Pod
		if err := json.Unmarshal(it, &p); err != nil {
			return nil, fmt.Errorf("decode a pod: %w", err)
		}
		pods = append(pods, p)
	}
	return pods, nil
}
