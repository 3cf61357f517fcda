package apiserver

import (
	"net/http"
	"slices"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// kubeReader answers the reads of the compatible API: discovery, and the get, list and
// watch of every kind of kubeapi.Resources.
type kubeReader struct {
	a      *Server
	e      *echo.Echo
	pages  *pageStore
	events *eventLists

	servedOnce  sync.Once
	servedVerbs kubeapi.Served
}

// kubeReadRoutes adds discovery and the reads (get, list, watch) of the compatible API.
func (a *Server) kubeReadRoutes(e *echo.Echo, core, apis *echo.Group) {
	k := &kubeReader{a: a, e: e, pages: newPageStore(), events: newEventLists()}
	groups := map[string]router{"": e, "/api/v1": core, "/apis": apis}
	for _, rt := range kubeReadRouteTable() {
		a.handle(groups[rt.prefix], rt.prefix, http.MethodGet, rt.path, kubeRouted(k.handler(rt)))
	}
}

// kubeReadRoute is one route of the reads.
type kubeReadRoute struct {
	prefix, path string // the group's prefix ("" for none, "/api/v1", "/apis") and the rest
	what         string // discoveryAPI, discoveryGroups, discoveryGroup, discoveryResources, verbList, verbGet
	group        string // discovery: the group
	version      string // discovery: the version
	resource     kubeapi.Resource
	// shared: a path the project's own clients read too (GET /api/v1/pods, ...).
	shared bool
}

// What a read route answers.
const (
	discoveryAPI       = "api"
	discoveryGroups    = "groups"
	discoveryGroup     = "group"
	discoveryResources = "resources"
	readList           = kubeapi.VerbList
	readGet            = kubeapi.VerbGet
)

// kubeReadRouteTable is every read route: discovery's, then each resource's list (in a
// namespace, and across them for a namespaced kind) and get.
func kubeReadRouteTable() []kubeReadRoute {
	out := []kubeReadRoute{
		{prefix: "", path: "/api", what: discoveryAPI},
		{prefix: "/api/v1", path: "", what: discoveryResources, version: "v1"},
		{prefix: "/apis", path: "", what: discoveryGroups},
	}
	var groups []string
	for _, r := range kubeapi.Resources {
		if r.Group != "" && !slices.Contains(groups, r.Group) {
			groups = append(groups, r.Group)
			out = append(out,
				kubeReadRoute{prefix: "/apis", path: "/" + r.Group, what: discoveryGroup, group: r.Group},
				kubeReadRoute{prefix: "/apis", path: "/" + r.GroupVersion(), what: discoveryResources, group: r.Group, version: r.Version})
		}
	}
	for _, r := range kubeapi.Resources {
		prefix, base := "/api/v1", ""
		if r.Group != "" {
			prefix, base = "/apis", "/"+r.GroupVersion()
		}
		if r.Namespaced {
			in := base + "/namespaces/:namespace/" + r.Name
			out = append(out,
				kubeReadRoute{prefix: prefix, path: in, what: readList, resource: r},
				kubeReadRoute{prefix: prefix, path: in + "/:name", what: readGet, resource: r})
		} else {
			out = append(out, kubeReadRoute{prefix: prefix, path: base + "/" + r.Name + "/:name", what: readGet, resource: r})
		}
		out = append(out, kubeReadRoute{prefix: prefix, path: base + "/" + r.Name, what: readList, resource: r, shared: r.Group == ""})
	}
	return out
}

// handler is what answers rt.
func (k *kubeReader) handler(rt kubeReadRoute) echo.HandlerFunc {
	events := rt.resource.Name == "events"
	switch {
	case rt.what == discoveryAPI:
		return k.apiVersions
	case rt.what == discoveryGroups:
		return k.groupList
	case rt.what == discoveryGroup:
		return k.group(rt.group)
	case rt.what == discoveryResources:
		return k.resourceList(rt.group, rt.version)
	case rt.what == readList && events:
		return k.eventList(rt.shared)
	case rt.what == readList:
		return k.list(rt.resource, rt.shared)
	case events:
		return k.eventGet
	}
	return k.get(rt.resource)
}

// rule is the right a read route needs: any valid token, but for the Secrets, whose
// values a read shows, full rights, as for the project's own routes.
func (rt kubeReadRoute) rule() auth.Rule {
	r := rt.resource
	right := auth.Read
	if r.Name == "secrets" {
		right = auth.Admin
	}
	switch rt.what {
	case readList:
		return auth.Rule{Verb: "list", Resource: r.Name, Right: right, Action: "listing " + r.Name}
	case readGet:
		return auth.Rule{Verb: "get", Resource: r.Name, Right: right, Action: "reading a " + r.SingularName}
	}
	return auth.Rule{Verb: "get", Resource: "discovery", Right: auth.Read, Action: "reading the API's discovery"}
}
