package apiserver

// The smallest reads kubectl needs before it writes (discovery, the get of an object, the
// list and watch of a collection), so that the writes can be driven by kubectl before the
// compatible API's reads are in: the reads' own routes replace these, with this file and
// its one call in kubeRoutes. Lists are the project's (kind List), discovery the
// legacy one (no aggregated discovery: kubectl falls back to it).

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// stopgapRoute is one of the stopgap reads.
type stopgapRoute struct {
	router string // "" for the server, "core" or "apis" for those groups
	prefix string
	path   string
	res    kubeapi.Resource
	list   bool // the collection rather than one object
}

// stopgapTable lists the stopgap reads; the project's own routes at the same paths
// (GET /api/v1/pods, /api/v1/nodes, ...) are left as they are.
func stopgapTable() []stopgapRoute {
	out := []stopgapRoute{
		{prefix: "", path: "/api"},
		{router: "apis", prefix: groupsAPIPrefix, path: ""},
		{router: "core", prefix: coreAPIPrefix, path: ""},
	}
	groups := map[string]bool{}
	existing := func(method, path string) bool { _, ok := access[method+" "+path]; return ok }
	for _, r := range kubeapi.Resources {
		if r.Group != "" && !groups[r.GroupVersion()] {
			groups[r.GroupVersion()] = true
			out = append(out, stopgapRoute{router: "apis", prefix: groupsAPIPrefix, path: "/" + r.GroupVersion()})
		}
		if r.View == "" {
			continue
		}
		collection, object := kubePaths(r)
		router, prefix := "apis", groupsAPIPrefix
		if r.Group == "" {
			router, prefix = "core", coreAPIPrefix
		}
		if !existing(http.MethodGet, prefix+object) {
			out = append(out, stopgapRoute{router: router, prefix: prefix, path: object, res: r})
		}
		if !existing(http.MethodGet, prefix+collection) {
			out = append(out, stopgapRoute{router: router, prefix: prefix, path: collection, res: r, list: true})
		}
		if r.Namespaced && r.Group != "" {
			all := "/" + r.GroupVersion() + "/" + r.Name
			out = append(out, stopgapRoute{router: router, prefix: prefix, path: all, res: r, list: true})
		}
	}
	return out
}

// stopgapRoutes is stopgapTable as the project's own routes leave it: made before init
// adds entries to access.
var stopgapRoutes = stopgapTable()

func init() {
	for _, rt := range stopgapRoutes {
		resource := "discovery"
		if rt.res.Name != "" {
			resource = rt.res.Name
		}
		right := auth.Read
		if rt.res.Kind == "Secret" {
			right = auth.Admin
		}
		verb := "get"
		if rt.list {
			verb = "list"
		}
		access["GET "+rt.prefix+rt.path] = auth.Rule{Verb: verb, Resource: resource, Right: right, Action: "reading the Kubernetes API"}
	}
}

// kubeStopgapReads adds the stopgap reads.
func (a *Server) kubeStopgapReads(e *echo.Echo, core, apis *echo.Group) {
	for _, rt := range stopgapRoutes {
		var r router = kubeRouter{e}
		switch rt.router {
		case "apis":
			r = kubeRouter{apis}
		case "core":
			r = kubeRouter{core}
		}
		a.handle(r, rt.prefix, http.MethodGet, rt.path, a.stopgapHandler(rt))
	}
}

func (a *Server) stopgapHandler(rt stopgapRoute) echo.HandlerFunc {
	switch {
	case rt.path == "/api":
		return func(c echo.Context) error {
			return c.JSON(http.StatusOK, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
				ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: c.Request().Host}}})
		}
	case rt.prefix == groupsAPIPrefix && rt.path == "":
		return func(c echo.Context) error { return c.JSON(http.StatusOK, stopgapGroups()) }
	case rt.res.Name == "":
		gv := "v1"
		if rt.prefix == groupsAPIPrefix {
			gv = rt.path[1:]
		}
		return func(c echo.Context) error { return c.JSON(http.StatusOK, stopgapResources(gv)) }
	case rt.list:
		return func(c echo.Context) error {
			if ns := c.Param("namespace"); ns != "" {
				c.QueryParams().Set("namespace", ns)
			}
			return a.serveList(c, rt.res.View)
		}
	}
	return func(c echo.Context) error { return a.serveObject(c, rt.res.View, rt.res.SingularName) }
}

func stopgapGroups() metav1.APIGroupList {
	out := metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	var seen []string
	for _, r := range kubeapi.Resources {
		if r.Group == "" || slices.Contains(seen, r.Group) {
			continue
		}
		seen = append(seen, r.Group)
		v := metav1.GroupVersionForDiscovery{GroupVersion: r.GroupVersion(), Version: r.Version}
		out.Groups = append(out.Groups, metav1.APIGroup{Name: r.Group, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v})
	}
	return out
}

func stopgapResources(gv string) metav1.APIResourceList {
	out := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv}
	for _, r := range kubeapi.Resources {
		if r.GroupVersion() != gv {
			continue
		}
		verbs := metav1.Verbs{"get", "list", "watch"}
		switch _, manifestKind := kindsByName[r.Kind]; {
		case manifestKind:
			verbs = append(verbs, "create", "update", "patch", "delete")
		case r.Kind == "Node":
			verbs = append(verbs, "update", "patch", "delete")
		}
		out.APIResources = append(out.APIResources, metav1.APIResource{Name: r.Name, SingularName: r.SingularName, Namespaced: r.Namespaced,
			Kind: r.Kind, Verbs: verbs, ShortNames: r.ShortNames, Categories: r.Categories})
		if scalable[r.Name] {
			out.APIResources = append(out.APIResources, metav1.APIResource{Name: r.Name + "/scale", Namespaced: r.Namespaced,
				Group: "autoscaling", Version: "v1", Kind: "Scale", Verbs: metav1.Verbs{"get", "patch", "update"}})
		}
		if !withoutStatus[r.Name] {
			out.APIResources = append(out.APIResources, metav1.APIResource{Name: r.Name + "/status", Namespaced: r.Namespaced,
				Kind: r.Kind, Verbs: metav1.Verbs{"get"}})
		}
	}
	return out
}
