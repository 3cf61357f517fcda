package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// getRequest is one kind that swarm get asks for, and the names of it (none: all of them).
type getRequest struct {
	resource string
	names    []string
}

// parseGetArgs reads swarm get's arguments as kubectl does: KIND[,KIND...] [NAME...], or
// KIND/NAME... ; "all" is the workloads and the Services.
func parseGetArgs(args []string) ([]getRequest, error) {
	if strings.Contains(args[0], "/") {
		var reqs []getRequest
		at := map[string]int{}
		for _, a := range args {
			kind, name, ok := strings.Cut(a, "/")
			if !ok || kind == "" || name == "" || strings.Contains(name, "/") {
				return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name: %q", a)
			}
			res, err := resourceOf(kind)
			if err != nil {
				return nil, err
			}
			i, seen := at[res]
			if !seen {
				i, at[res] = len(reqs), len(reqs)
				reqs = append(reqs, getRequest{resource: res})
			}
			reqs[i].names = append(reqs[i].names, name)
		}
		return reqs, nil
	}
	for _, a := range args[1:] {
		if strings.Contains(a, "/") {
			return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'swarm get resource/<resource_name>' instead of 'swarm get resource resource/<resource_name>'): %q", a)
		}
	}
	var reqs []getRequest
	seen := map[string]bool{}
	for _, kind := range strings.Split(args[0], ",") {
		list := []string{kind}
		if strings.ToLower(kind) == "all" {
			list = allResources
		}
		for _, k := range list {
			res, err := resourceOf(k)
			if err != nil {
				return nil, err
			}
			if !seen[res] {
				seen[res] = true
				reqs = append(reqs, getRequest{resource: res, names: args[1:]})
			}
		}
	}
	return reqs, nil
}

// resourceOf is the list path of what a user typed.
func resourceOf(kind string) (string, error) {
	res, ok := resources[strings.ToLower(kind)]
	if !ok {
		return "", fmt.Errorf("unknown resource type %q: use %s", kind, resourceNames())
	}
	return res, nil
}

// fetched is what a getRequest found, and the names it did not.
type fetched struct {
	resource string
	items    []printed
	missing  []string // one error line per name not found
	named    int      // how many names were asked for
}

// fetch lists one kind with the namespace and selectors of o, and picks the names asked for.
func fetch(c *client, o getOptions, r getRequest) (fetched, error) {
	var raw struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := c.do("GET", "/api/v1/"+r.resource, listQuery(o, r.resource), "", nil, &raw); err != nil {
		return fetched{}, err
	}
	f := fetched{resource: r.resource, named: len(r.names)}
	items := raw.Items
	if len(r.names) > 0 {
		items = nil
		for _, name := range r.names {
			it, err := named(raw.Items, name, r.resource, o.namespace)
			if err != nil {
				f.missing = append(f.missing, err.Error())
				continue
			}
			items = append(items, it)
		}
	}
	for _, it := range items {
		var m struct{ Metadata struct{ Name string } }
		if err := json.Unmarshal(it, &m); err != nil {
			return fetched{}, fmt.Errorf("decode list item: %w", err)
		}
		f.items = append(f.items, printed{resource: r.resource, name: m.Metadata.Name, raw: it})
	}
	return f, nil
}

// listQuery is the query of a list of resource: its namespace unless -A or the kind has
// none, and the selectors.
func listQuery(o getOptions, resource string) url.Values {
	q := url.Values{}
	if !o.allNamespaces && !clusterScoped(resource) {
		q.Set("namespace", o.namespace)
	}
	addSelectors(q, o.selector, o.fieldSelector)
	return q
}

// document is what -o json, yaml and jsonpath print: the one object asked for by name, or
// a List of them all, as kubectl prints them (a v1 List, whatever list the API answered).
func document(got []fetched) any {
	if len(got) == 1 && len(got[0].items) == 1 && got[0].named == 1 {
		return got[0].items[0].raw
	}
	list := struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}{APIVersion: "v1", Kind: "List", Items: []json.RawMessage{}}
	for _, f := range got {
		list.Items = append(list.Items, raws(f.items)...)
	}
	return list
}

// raws are the encoded items.
func raws(items []printed) []json.RawMessage {
	out := make([]json.RawMessage, len(items))
	for i, it := range items {
		out[i] = it.raw
	}
	return out
}
