package apiserver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/auth"
)

// kubeStreamPrefix is where the pods' streams of the compatible API are: the core group.
const kubeStreamPrefix = "/api/v1"

// kubeStreamRoute is one route of the pods' streams: its method and path (under
// kubeStreamPrefix), the right it needs and its handler, and whether that refuses every
// request (attach: see kubeRefusals).
type kubeStreamRoute struct {
	method, path string
	rule         auth.Rule
	handler      func(*Server, echo.Context) error
	refused      bool
}

// kubeStreamRouteTable lists the pods' streams as Kubernetes serves them. exec, attach and
// portforward take GET as well as POST: a websocket client can only open its connection
// with a GET, as kubectl does, where the older SPDY clients POST (and are told that SPDY is
// not served).
func kubeStreamRouteTable() []kubeStreamRoute {
	const pod = "/namespaces/:namespace/pods/:name"
	// A command run in a pod is root in it, and a forwarded port reaches what the pod keeps
	// to itself: both take full rights, as the project's own routes do. A log is a read.
	logRule := auth.Rule{Verb: "get", Resource: "pods/log", Right: auth.Read, Action: "reading a pod's log"}
	execRule := auth.Rule{Verb: "create", Resource: "pods/exec", Right: auth.Admin, Action: "running a command in a pod"}
	attachRule := auth.Rule{Verb: "create", Resource: "pods/attach", Right: auth.Admin, Action: "attaching to a container of a pod"}
	forwardRule := auth.Rule{Verb: "create", Resource: "pods/portforward", Right: auth.Admin, Action: "forwarding a port of a pod"}
	var routes []kubeStreamRoute
	routes = append(routes, kubeStreamRoute{http.MethodGet, pod + "/log", logRule, (*Server).kubePodLog, false})
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		routes = append(routes,
			kubeStreamRoute{m, pod + "/exec", execRule, (*Server).kubePodExec, false},
			kubeStreamRoute{m, pod + "/attach", attachRule, (*Server).kubePodAttach, true},
			kubeStreamRoute{m, pod + "/portforward", forwardRule, (*Server).kubePodPortForward, false},
		)
	}
	return routes
}

// kubeStreamRoutes adds the pods' log, exec, attach and port-forward of the compatible API.
// Every error they answer is a metav1.Status (see errorHandler), but for a pod's node that
// cannot be reached once the request is on its way there, which the forwarding answers
// (502) in the project's own shape.
func (a *Server) kubeStreamRoutes(core *echo.Group) {
	for _, r := range kubeStreamRouteTable() {
		h := r.handler
		a.handle(core, kubeStreamPrefix, r.method, r.path, kubeRouted(func(c echo.Context) error { return h(a, c) }))
	}
}
