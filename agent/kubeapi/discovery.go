package kubeapi

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The documents of Kubernetes' discovery (the legacy form, which every client takes: a
// client that asks for the aggregated form first takes these when the answer is plain
// application/json).

// APIVersions is what GET /api answers: the core group's one version. serverAddress is
// where the client reached this server (the request's host), which clients may use.
func APIVersions(serverAddress string) *metav1.APIVersions {
	return &metav1.APIVersions{
		TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
		Versions: []string{"v1"},
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
			{ClientCIDR: "0.0.0.0/0", ServerAddress: serverAddress},
		},
	}
}

// Groups are the named groups that serve at least one resource, in the registry's order.
func Groups(s Served) []metav1.APIGroup {
	var out []metav1.APIGroup
	for _, r := range Resources {
		if r.Group == "" || len(s.Verbs(r, "")) == 0 {
			continue
		}
		if slices.ContainsFunc(out, func(g metav1.APIGroup) bool { return g.Name == r.Group }) {
			continue
		}
		out = append(out, apiGroup(r.Group, r.Version))
	}
	return out
}

// Group is what GET /apis/GROUP answers; ok is false for a group that serves nothing.
func Group(s Served, name string) (*metav1.APIGroup, bool) {
	for _, g := range Groups(s) {
		if g.Name == name {
			g.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "APIGroup"}
			return &g, true
		}
	}
	return nil, false
}

// GroupList is what GET /apis answers.
func GroupList(s Served) *metav1.APIGroupList {
	groups := Groups(s)
	if groups == nil {
		groups = []metav1.APIGroup{}
	}
	return &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "APIGroupList"}, Groups: groups}
}

func apiGroup(name, version string) metav1.APIGroup {
	gv := metav1.GroupVersionForDiscovery{GroupVersion: name + "/" + version, Version: version}
	return metav1.APIGroup{Name: name, Versions: []metav1.GroupVersionForDiscovery{gv}, PreferredVersion: gv}
}

// ResourceList is what GET /api/v1 or /apis/GROUP/VERSION answers: each resource of the
// group and version with the verbs its routes serve, then its subresources that some
// route serves; ok is false for a group and version that serve nothing.
func ResourceList(s Served, group, version string) (*metav1.APIResourceList, bool) {
	gv := version
	if group != "" {
		gv = group + "/" + version
	}
	l := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "APIResourceList"}, GroupVersion: gv,
		APIResources: []metav1.APIResource{}}
	for _, r := range Resources {
		if r.Group != group || r.Version != version {
			continue
		}
		verbs := s.Verbs(r, "")
		if len(verbs) == 0 {
			continue
		}
		l.APIResources = append(l.APIResources, metav1.APIResource{
			Name: r.Name, SingularName: r.SingularName, Namespaced: r.Namespaced, Kind: r.Kind,
			Verbs: verbs, ShortNames: r.ShortNames, Categories: r.Categories,
		})
		for _, sub := range r.Subresources {
			verbs := s.Verbs(r, sub.Name)
			if len(verbs) == 0 {
				continue
			}
			kind := sub.Kind
			if kind == "" {
				kind = r.Kind
			}
			l.APIResources = append(l.APIResources, metav1.APIResource{
				Name: r.Name + "/" + sub.Name, Namespaced: r.Namespaced, Group: sub.Group, Version: sub.Version,
				Kind: kind, Verbs: verbs,
			})
		}
	}
	if len(l.APIResources) == 0 {
		return nil, false
	}
	return l, true
}
