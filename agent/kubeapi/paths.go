package kubeapi

import (
	"net/http"
	"slices"
	"strings"
)

// Path is a path of the compatible API read: which resource it names, in which namespace,
// which object and which of its subresources.
type Path struct {
	Resource Resource
	// AllNamespaces is the list of a namespaced resource across namespaces: /api/v1/pods.
	AllNamespaces bool
	Namespace     string // the namespace of a namespaced resource's path; "" otherwise
	Name          string // the object's name; "" for the collection
	Subresource   string // "log", "scale", "status", ...; "" for the object itself
}

// ParsePath reads a path of the compatible API: /api/v1/..., /apis/GROUP/VERSION/...
// For a route as registered, the namespace and name are its parameters (":namespace").
// ok is false for a path that names no resource this API serves in one of Kubernetes'
// forms, such as the project's own /api/v1/pods/NS/NAME.
func ParsePath(path string) (Path, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var group, version string
	switch {
	case len(segs) >= 3 && segs[0] == "api":
		version, segs = segs[1], segs[2:]
	case len(segs) >= 4 && segs[0] == "apis":
		group, version, segs = segs[1], segs[2], segs[3:]
	default:
		return Path{}, false
	}
	if slices.Contains(segs, "") {
		return Path{}, false
	}
	if len(segs) >= 3 && segs[0] == "namespaces" {
		if r, ok := Lookup(group, version, segs[2]); ok && r.Namespaced {
			p := Path{Resource: r, Namespace: segs[1]}
			switch len(segs) {
			case 3:
				return p, true
			case 4:
				p.Name = segs[3]
				return p, true
			case 5:
				p.Name, p.Subresource = segs[3], segs[4]
				_, ok := r.Subresource(p.Subresource)
				return p, ok
			}
			return Path{}, false
		}
	}
	r, ok := Lookup(group, version, segs[0])
	if !ok {
		return Path{}, false
	}
	switch {
	case len(segs) == 1:
		return Path{Resource: r, AllNamespaces: r.Namespaced}, true
	case r.Namespaced:
		return Path{}, false // the project's /api/v1/pods/NS/NAME and the like
	case len(segs) == 2:
		return Path{Resource: r, Name: segs[1]}, true
	case len(segs) == 3:
		if _, ok := r.Subresource(segs[2]); ok {
			return Path{Resource: r, Name: segs[1], Subresource: segs[2]}, true
		}
	}
	return Path{}, false
}

// Verbs are the verbs a request with method on p does, as discovery names them (a list
// also watches, with ?watch=true); none when method does nothing there in Kubernetes' API.
func (p Path) Verbs(method string) []string {
	switch {
	case p.Subresource != "":
		switch method {
		case http.MethodGet:
			return []string{VerbGet}
		case http.MethodPost:
			return []string{VerbCreate}
		case http.MethodPut:
			return []string{VerbUpdate}
		case http.MethodPatch:
			return []string{VerbPatch}
		}
	case p.Name != "":
		switch method {
		case http.MethodGet:
			return []string{VerbGet}
		case http.MethodPut:
			return []string{VerbUpdate}
		case http.MethodPatch:
			return []string{VerbPatch}
		case http.MethodDelete:
			return []string{VerbDelete}
		}
	case p.AllNamespaces:
		if method == http.MethodGet {
			return []string{VerbList, VerbWatch}
		}
	default:
		switch method {
		case http.MethodGet:
			return []string{VerbList, VerbWatch}
		case http.MethodPost:
			return []string{VerbCreate}
		case http.MethodDelete:
			return []string{VerbDeleteCollection}
		}
	}
	return nil
}

// Route is one route of the server: its method and its path as registered.
type Route struct{ Method, Path string }

// Served is what routes serve of the compatible API: by "resource" or
// "resource/subresource" and its group/version ("pods/log@v1"), the verbs that the
// registry declares and that a route serves. A verb is served in every namespace when its
// route is; discovery lists these and no others.
type Served map[string][]string

// ServedBy reads routes as what they serve.
func ServedBy(routes []Route) Served {
	s := Served{}
	for _, rt := range routes {
		p, ok := ParsePath(rt.Path)
		if !ok {
			continue
		}
		declared := p.Resource.Verbs
		if p.Subresource != "" {
			sub, _ := p.Resource.Subresource(p.Subresource)
			declared = sub.Verbs
		}
		key := servedKey(p.Resource, p.Subresource)
		for _, v := range p.Verbs(rt.Method) {
			if slices.Contains(declared, v) && !slices.Contains(s[key], v) {
				s[key] = append(s[key], v)
			}
		}
	}
	for k := range s {
		slices.Sort(s[k])
	}
	return s
}

// Verbs are the served verbs of r, or of its subresource sub ("" for r itself), sorted.
func (s Served) Verbs(r Resource, sub string) []string { return s[servedKey(r, sub)] }

func servedKey(r Resource, sub string) string {
	name := r.Name
	if sub != "" {
		name += "/" + sub
	}
	return name + "@" + r.GroupVersion()
}

// IsPath tells whether a request's path is one of Kubernetes' API, whose answers
// (errors included) are Kubernetes': discovery (/api, /api/v1, /apis/...), OpenAPI, every
// path under /api/v1/namespaces and under an object of the core group's other
// cluster-scoped kinds (/api/v1/nodes/NAME/..., the project's usage of a node among them),
// and the paths ParsePath reads. The project's own paths under /api/v1
// (/api/v1/deployments, /api/v1/pods/NS/NAME, ...) are not.
func IsPath(path string) bool {
	path = strings.TrimSuffix(path, "/")
	switch {
	case path == "/api" || path == "/api/v1" || path == "/apis" || strings.HasPrefix(path, "/apis/"):
		return true
	case path == "/openapi" || strings.HasPrefix(path, "/openapi/"):
		return true
	case path == "/api/v1/namespaces" || strings.HasPrefix(path, "/api/v1/namespaces/"):
		return true
	}
	if segs := strings.Split(strings.TrimPrefix(path, "/"), "/"); len(segs) >= 4 && segs[0] == "api" && segs[1] == "v1" {
		if r, ok := Lookup("", "v1", segs[2]); ok && !r.Namespaced {
			return true
		}
	}
	_, ok := ParsePath(path)
	return ok
}
