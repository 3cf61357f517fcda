package apiserver

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// kubeWriteRoutes adds the writes (create, update, patch, delete, /scale, /status) of the
// compatible API.
func (a *Server) kubeWriteRoutes(core, apis *echo.Group) {
	for _, rt := range kubeWriteTable() {
		r := apis
		if rt.prefix == coreAPIPrefix {
			r = core
		}
		a.handle(r, rt.prefix, rt.method, rt.path, kubeRouted(a.kubeWriteHandler(rt)))
	}
}

// The prefixes of the compatible API's paths: the core group's, beside the project's own
// routes, and the named groups'.
const (
	coreAPIPrefix   = "/api/v1"
	groupsAPIPrefix = "/apis"
)

// writeOp is what a route of the writes does.
type writeOp int

const (
	opCreate      writeOp = iota // POST to the collection
	opUpdate                     // PUT of the whole object
	opPatch                      // PATCH, of any of the four types
	opDelete                     // DELETE with DeleteOptions
	opGetScale                   // GET .../scale
	opUpdateScale                // PUT .../scale
	opPatchScale                 // PATCH .../scale
	opGetStatus                  // GET .../status
	opWriteStatus                // PUT or PATCH .../status: refused
	opUpdateNode                 // PUT of a Node
)

// kubeWriteRoute is one route of the writes: its resource, method, prefix and path under
// it, and what it does.
type kubeWriteRoute struct {
	res    kubeapi.Resource
	method string
	prefix string
	path   string
	op     writeOp
}

// scalable are the resources with a /scale: their replicas.
var scalable = map[string]bool{"deployments": true, "statefulsets": true}

// withoutStatus are the resources whose objects have no status, hence no /status.
var withoutStatus = map[string]bool{"configmaps": true, "secrets": true, "events": true}

// kubeWriteTable lists the routes of the writes, generated from kubeapi.Resources:
//   - every kind a manifest may hold: create, update, patch and delete of its objects;
//     a Namespace's delete is the project's own route, which answers as Kubernetes does;
//   - Nodes: update here, and patch and delete through the project's own routes (a node
//     joins: it is not created);
//   - Events: none (the cluster records them; nothing creates one through the API);
//   - /scale of Deployments and StatefulSets; /status of every kind that has one, for
//     reading (its writes are refused: the cluster makes every status).
func kubeWriteTable() []kubeWriteRoute {
	var out []kubeWriteRoute
	for _, r := range kubeapi.Resources {
		collection, object := kubePaths(r)
		prefix := groupsAPIPrefix
		if r.Group == "" {
			prefix = coreAPIPrefix
		}
		add := func(method, path string, op writeOp) {
			out = append(out, kubeWriteRoute{res: r, method: method, prefix: prefix, path: path, op: op})
		}
		_, manifestKind := kindsByName[r.Kind]
		switch {
		case manifestKind:
			add(http.MethodPost, collection, opCreate)
			add(http.MethodPut, object, opUpdate)
			add(http.MethodPatch, object, opPatch)
			if r.Kind != "Namespace" {
				add(http.MethodDelete, object, opDelete)
			}
		case r.Kind == "Node":
			add(http.MethodPut, object, opUpdateNode)
		}
		if scalable[r.Name] {
			add(http.MethodGet, object+"/scale", opGetScale)
			add(http.MethodPut, object+"/scale", opUpdateScale)
			add(http.MethodPatch, object+"/scale", opPatchScale)
		}
		if !withoutStatus[r.Name] {
			add(http.MethodGet, object+"/status", opGetStatus)
			add(http.MethodPut, object+"/status", opWriteStatus)
			add(http.MethodPatch, object+"/status", opWriteStatus)
		}
	}
	return out
}

// kubePaths are the paths of r's collection and of one of its objects, under the prefix
// of its group (coreAPIPrefix or groupsAPIPrefix).
func kubePaths(r kubeapi.Resource) (collection, object string) {
	if r.Group != "" {
		collection = "/" + r.Group + "/" + r.Version
	}
	if r.Namespaced {
		collection += "/namespaces/:namespace"
	}
	collection += "/" + r.Name
	return collection, collection + "/:name"
}

// rule is the right a route of the writes needs: full rights for every change, any valid
// token for reading a /scale or a /status (no Secret has either).
func (rt kubeWriteRoute) rule() auth.Rule {
	kind := rt.res.Kind
	article := "a "
	if strings.ContainsAny(kind[:1], "AEIOU") {
		article = "an "
	}
	one := article + kind
	switch rt.op {
	case opCreate:
		return auth.Rule{Verb: "create", Resource: rt.res.Name, Right: auth.Admin, Action: "creating " + one}
	case opUpdate, opUpdateNode:
		return auth.Rule{Verb: "update", Resource: rt.res.Name, Right: auth.Admin, Action: "replacing " + one}
	case opPatch:
		return auth.Rule{Verb: "patch", Resource: rt.res.Name, Right: auth.Admin, Action: "patching " + one}
	case opDelete:
		return auth.Rule{Verb: "delete", Resource: rt.res.Name, Right: auth.Admin, Action: "deleting " + one}
	case opGetScale:
		return auth.Rule{Verb: "get", Resource: rt.res.Name + "/scale", Right: auth.Read, Action: "reading the scale of " + one}
	case opUpdateScale:
		return auth.Rule{Verb: "update", Resource: rt.res.Name + "/scale", Right: auth.Admin, Action: "scaling " + one}
	case opPatchScale:
		return auth.Rule{Verb: "patch", Resource: rt.res.Name + "/scale", Right: auth.Admin, Action: "scaling " + one}
	case opGetStatus:
		return auth.Rule{Verb: "get", Resource: rt.res.Name + "/status", Right: auth.Read, Action: "reading the status of " + one}
	default:
		verb := "update"
		if rt.method == http.MethodPatch {
			verb = "patch"
		}
		return auth.Rule{Verb: verb, Resource: rt.res.Name + "/status", Right: auth.Admin, Action: "writing the status of " + one}
	}
}

// The writes' entries of the access table, from the same table as their routes.
func init() {
	for _, rt := range kubeWriteTable() {
		access[rt.method+" "+rt.prefix+rt.path] = rt.rule()
	}
}

// kubeWriteHandler is the handler of a route of the writes.
func (a *Server) kubeWriteHandler(rt kubeWriteRoute) echo.HandlerFunc {
	r := rt.res
	switch rt.op {
	case opCreate:
		return func(c echo.Context) error { return a.kubeCreate(c, r) }
	case opUpdate:
		return func(c echo.Context) error { return a.kubeUpdate(c, r) }
	case opPatch:
		return func(c echo.Context) error { return a.kubePatch(c, r) }
	case opDelete:
		return func(c echo.Context) error { return a.kubeDelete(c, r) }
	case opGetScale:
		return func(c echo.Context) error { return a.kubeGetScale(c, r) }
	case opUpdateScale:
		return func(c echo.Context) error { return a.kubeUpdateScale(c, r) }
	case opPatchScale:
		return func(c echo.Context) error { return a.kubePatchScale(c, r) }
	case opGetStatus:
		return func(c echo.Context) error { return a.kubeGetStatus(c, r) }
	case opUpdateNode:
		return func(c echo.Context) error { return a.kubeUpdateNode(c, r) }
	default:
		return func(c echo.Context) error { return kubeStatusRefused(c, r) }
	}
}
