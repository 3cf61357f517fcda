package ingress

import (
	"net"
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// legacyClassAnnotation is read only when spec.ingressClassName is unset, as Kubernetes
// controllers still do.
const legacyClassAnnotation = "kubernetes.io/ingress.class"

// Backend is where a matched request goes: a Service port in the Ingress's namespace, by
// number or by name (resolved against the Service's ports at request time).
type Backend struct {
	Namespace string
	Service   string
	Port      networkingv1.ServiceBackendPort
}

// String names the backend in logs and error bodies: "namespace/service:port".
func (b Backend) String() string {
	return b.Namespace + "/" + b.Service + ":" + b.port()
}

func (b Backend) port() string {
	if b.Port.Name != "" {
		return b.Port.Name
	}
	return strconv.Itoa(int(b.Port.Number))
}

type route struct {
	path    string // Prefix paths without their trailing "/" ("" for "/")
	exact   bool
	backend Backend
}

// Router is the routing table compiled from all the Ingresses of one class. It is immutable:
// a new one is compiled when the Ingresses change.
//
// Host selection comes first: an exact host rule, else a "*." wildcard rule (one label,
// as in Kubernetes: *.example.com matches a.example.com, neither example.com nor
// a.b.example.com), else the rules without a host. Only the paths of that one host are then
// tried, as ingress-nginx does with one server block per host: a request that matches a host
// but none of its paths goes to the default backend, not to a less specific host.
//
// Among the paths of a host, the longest wins, and Exact before Prefix at equal length.
// ImplementationSpecific is treated as Prefix. Conflicts (the same host, path and type in
// two rules or two Ingresses) are settled by order: Ingresses sorted by creation time, then
// namespace/name, then rules and paths in their written order; the first one wins. The
// default backend is the first spec.defaultBackend in that same order.
type Router struct {
	exact    map[string][]route
	wildcard map[string][]route // by the suffix after "*."
	anyHost  []route
	def      *Backend
}

// Selected reports whether an Ingress belongs to class: its ingressClassName (or, unset, the
// legacy annotation) names the class, or names none.
func Selected(in *networkingv1.Ingress, class string) bool {
	if in.Spec.IngressClassName != nil {
		return *in.Spec.IngressClassName == "" || *in.Spec.IngressClassName == class
	}
	c := in.Annotations[legacyClassAnnotation]
	return c == "" || c == class
}

// sortIngresses puts Ingresses in the order conflicts are settled by.
func sortIngresses(ings []networkingv1.Ingress) []networkingv1.Ingress {
	out := append([]networkingv1.Ingress(nil), ings...)
	sort.SliceStable(out, func(i, j int) bool {
		ti, tj := out[i].CreationTimestamp, out[j].CreationTimestamp
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// NewRouter compiles the Ingresses of class (and those without a class) into a Router.
// Resource backends are skipped: the API refuses them.
func NewRouter(ings []networkingv1.Ingress, class string) *Router {
	r := &Router{exact: map[string][]route{}, wildcard: map[string][]route{}}
	for _, in := range sortIngresses(ings) {
		if !Selected(&in, class) {
			continue
		}
		if d := in.Spec.DefaultBackend; d != nil && d.Service != nil && r.def == nil {
			r.def = &Backend{Namespace: in.Namespace, Service: d.Service.Name, Port: d.Service.Port}
		}
		for _, rule := range in.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			host := strings.ToLower(rule.Host)
			for _, p := range rule.HTTP.Paths {
				if p.Backend.Service == nil {
					continue
				}
				rt := route{backend: Backend{Namespace: in.Namespace, Service: p.Backend.Service.Name, Port: p.Backend.Service.Port}}
				if p.PathType != nil && *p.PathType == networkingv1.PathTypeExact {
					rt.exact, rt.path = true, p.Path
				} else {
					rt.path = strings.TrimRight(p.Path, "/")
				}
				switch {
				case host == "":
					r.anyHost = append(r.anyHost, rt)
				case strings.HasPrefix(host, "*."):
					r.wildcard[host[2:]] = append(r.wildcard[host[2:]], rt)
				default:
					r.exact[host] = append(r.exact[host], rt)
				}
			}
		}
	}
	sortRoutes(r.anyHost)
	for _, m := range []map[string][]route{r.exact, r.wildcard} {
		for _, rts := range m {
			sortRoutes(rts)
		}
	}
	return r
}

// sortRoutes orders one host's paths by precedence; the sort is stable, so that the first
// written of two equal paths wins.
func sortRoutes(rts []route) {
	sort.SliceStable(rts, func(i, j int) bool {
		if len(rts[i].path) != len(rts[j].path) {
			return len(rts[i].path) > len(rts[j].path)
		}
		return rts[i].exact && !rts[j].exact
	})
}

// backends lists every backend the router can match, each once.
func (r *Router) backends() []Backend {
	var out []Backend
	seen := map[Backend]bool{}
	add := func(rts []route) {
		for _, rt := range rts {
			if !seen[rt.backend] {
				seen[rt.backend] = true
				out = append(out, rt.backend)
			}
		}
	}
	add(r.anyHost)
	for _, m := range []map[string][]route{r.exact, r.wildcard} {
		for _, rts := range m {
			add(rts)
		}
	}
	if r.def != nil {
		add([]route{{backend: *r.def}})
	}
	return out
}

// Match finds the backend of a request by its Host header and URL path.
func (r *Router) Match(host, path string) (Backend, bool) {
	for _, rt := range r.hostRoutes(normalizeHost(host)) {
		if rt.matches(path) {
			return rt.backend, true
		}
	}
	if r.def != nil {
		return *r.def, true
	}
	return Backend{}, false
}

func (r *Router) hostRoutes(host string) []route {
	if rts, ok := r.exact[host]; ok {
		return rts
	}
	if _, suffix, ok := strings.Cut(host, "."); ok {
		if rts, ok := r.wildcard[suffix]; ok {
			return rts
		}
	}
	return r.anyHost
}

// matches applies the Kubernetes path semantics: Exact compares the whole path; Prefix
// compares element by element, so /foo matches /foo and /foo/bar but not /foobar, and a
// trailing slash on either side does not matter.
func (rt route) matches(path string) bool {
	if rt.exact {
		return path == rt.path
	}
	if rt.path == "" {
		return true
	}
	// rt.path+"/" would allocate for every request.
	return strings.HasPrefix(path, rt.path) && (len(path) == len(rt.path) || path[len(rt.path)] == '/')
}

// normalizeHost lowercases a Host header and drops its port and any trailing dot.
func normalizeHost(host string) string {
	// Without a colon there is no port, and SplitHostPort would allocate its error.
	if strings.IndexByte(host, ':') >= 0 {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}
