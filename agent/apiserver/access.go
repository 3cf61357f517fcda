package apiserver

import (
	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/auth"
)

// access is the right every route needs, by "METHOD PATH" as the route is registered. It
// is decided by what the route does and to what, not by its method: reading the join token
// or the API tokens needs full rights, since either leads to full rights (a node that joins
// mints itself a token with them). Reads of the workloads and of the cluster's shape take
// any valid token; every change takes full rights. A route missing here is refused to
// every token (see handle), and a test holds the table and the routes together.
var access = map[string]auth.Rule{
	"GET /healthz": {Verb: "get", Resource: "health", Right: auth.Open, Action: "reading the health check"},
	"GET /stats":   {Verb: "get", Resource: "stats", Right: auth.Read, Action: "reading the node's counters"},

	"POST /api/v1/manifests":                    {Verb: "apply", Resource: "manifests", Right: auth.Admin, Action: "applying a manifest"},
	"DELETE /api/v1/manifests/:namespace/:name": {Verb: "delete", Resource: "manifests", Right: auth.Admin, Action: "deleting an object"},

	"GET /api/v1/pods":                                    {Verb: "list", Resource: "pods", Right: auth.Read, Action: "listing pods"},
	"GET /api/v1/pods/:namespace/:name":                   {Verb: "get", Resource: "pods", Right: auth.Read, Action: "describing a pod"},
	"GET /api/v1/pods/:namespace/:name/logs":              {Verb: "get", Resource: "pods/logs", Right: auth.Read, Action: "reading a pod's logs"},
	"GET /api/v1/deployments":                             {Verb: "list", Resource: "deployments", Right: auth.Read, Action: "listing deployments"},
	"GET /api/v1/deployments/:namespace/:name":            {Verb: "get", Resource: "deployments", Right: auth.Read, Action: "reading a deployment"},
	"GET /api/v1/services":                                {Verb: "list", Resource: "services", Right: auth.Read, Action: "listing services"},
	"GET /api/v1/services/:namespace/:name":               {Verb: "get", Resource: "services", Right: auth.Read, Action: "reading a service"},
	"GET /api/v1/services/:namespace/:name/endpoints":     {Verb: "get", Resource: "services/endpoints", Right: auth.Read, Action: "reading a service's endpoints"},
	"GET /api/v1/services/:namespace/:name/addresses":     {Verb: "get", Resource: "services/addresses", Right: auth.Read, Action: "reading a service's addresses"},
	"GET /api/v1/endpoints":                               {Verb: "list", Resource: "endpoints", Right: auth.Read, Action: "listing endpoints"},
	"GET /api/v1/ingresses":                               {Verb: "list", Resource: "ingresses", Right: auth.Read, Action: "listing ingresses"},
	"GET /api/v1/ingresses/:namespace/:name":              {Verb: "get", Resource: "ingresses", Right: auth.Read, Action: "reading an ingress"},
	"GET /api/v1/persistentvolumeclaims":                  {Verb: "list", Resource: "persistentvolumeclaims", Right: auth.Read, Action: "listing persistent volume claims"},
	"GET /api/v1/persistentvolumeclaims/:namespace/:name": {Verb: "get", Resource: "persistentvolumeclaims", Right: auth.Read, Action: "reading a persistent volume claim"},
	"GET /api/v1/events":                                  {Verb: "list", Resource: "events", Right: auth.Read, Action: "listing events"},
	"GET /api/v1/daemonsets":                              {Verb: "list", Resource: "daemonsets", Right: auth.Read, Action: "listing daemonsets"},
	"GET /api/v1/daemonsets/:namespace/:name":             {Verb: "get", Resource: "daemonsets", Right: auth.Read, Action: "reading a daemonset"},
	"GET /api/v1/statefulsets":                            {Verb: "list", Resource: "statefulsets", Right: auth.Read, Action: "listing statefulsets"},
	"GET /api/v1/statefulsets/:namespace/:name":           {Verb: "get", Resource: "statefulsets", Right: auth.Read, Action: "reading a statefulset"},
	"GET /api/v1/jobs":                                    {Verb: "list", Resource: "jobs", Right: auth.Read, Action: "listing jobs"},
	"GET /api/v1/jobs/:namespace/:name":                   {Verb: "get", Resource: "jobs", Right: auth.Read, Action: "reading a job"},
	"GET /api/v1/jobs/:namespace/:name/pods":              {Verb: "list", Resource: "jobs/pods", Right: auth.Read, Action: "listing a job's pods"},
	"GET /api/v1/cronjobs":                                {Verb: "list", Resource: "cronjobs", Right: auth.Read, Action: "listing cron jobs"},
	"GET /api/v1/cronjobs/:namespace/:name":               {Verb: "get", Resource: "cronjobs", Right: auth.Read, Action: "reading a cron job"},

	"GET /api/v1/namespaces":                  {Verb: "list", Resource: "namespaces", Right: auth.Read, Action: "listing namespaces"},
	"GET /api/v1/namespaces/:name":            {Verb: "get", Resource: "namespaces", Right: auth.Read, Action: "reading a namespace"},
	"DELETE /api/v1/namespaces/:name":         {Verb: "delete", Resource: "namespaces", Right: auth.Admin, Action: "deleting a namespace"},
	"GET /api/v1/nodes":                       {Verb: "list", Resource: "nodes", Right: auth.Read, Action: "listing nodes"},
	"GET /api/v1/nodes/:name":                 {Verb: "get", Resource: "nodes", Right: auth.Read, Action: "reading a node"},
	"DELETE /api/v1/nodes/:name":              {Verb: "remove", Resource: "nodes", Right: auth.Admin, Action: "removing a node"},
	"GET /api/v1/removals":                    {Verb: "list", Resource: "removals", Right: auth.Read, Action: "listing removed nodes"},
	"GET /api/v1/configmaps":                  {Verb: "list", Resource: "configmaps", Right: auth.Read, Action: "listing configmaps"},
	"GET /api/v1/configmaps/:namespace/:name": {Verb: "get", Resource: "configmaps", Right: auth.Read, Action: "reading a configmap"},
	// Secrets are listed with their values, as Kubernetes lists them: a read that reveals
	// a secret takes full rights.
	"GET /api/v1/secrets":                  {Verb: "list", Resource: "secrets", Right: auth.Admin, Action: "listing secrets"},
	"GET /api/v1/secrets/:namespace/:name": {Verb: "get", Resource: "secrets", Right: auth.Admin, Action: "reading a secret"},

	"DELETE /api/v1/removals/:name": {Verb: "delete", Resource: "removals", Right: auth.Admin, Action: "forgetting a node's removal"},

	"GET /api/v1/join-token":         {Verb: "get", Resource: "join-token", Right: auth.Admin, Action: "reading the join token"},
	"POST /api/v1/join-token/rotate": {Verb: "rotate", Resource: "join-token", Right: auth.Admin, Action: "rotating the join token"},

	"GET /api/v1/dns/whitelist":                {Verb: "get", Resource: "dns/whitelist", Right: auth.Read, Action: "reading the DNS whitelist"},
	"PUT /api/v1/dns/whitelist":                {Verb: "update", Resource: "dns/whitelist", Right: auth.Admin, Action: "replacing the DNS whitelist"},
	"POST /api/v1/dns/whitelist/hosts":         {Verb: "create", Resource: "dns/whitelist/hosts", Right: auth.Admin, Action: "adding hosts to the DNS whitelist"},
	"DELETE /api/v1/dns/whitelist/hosts/:host": {Verb: "delete", Resource: "dns/whitelist/hosts", Right: auth.Admin, Action: "removing a host from the DNS whitelist"},

	"POST /api/v1/tokens":          {Verb: "create", Resource: "tokens", Right: auth.Admin, Action: "creating an API token"},
	"GET /api/v1/tokens":           {Verb: "list", Resource: "tokens", Right: auth.Admin, Action: "listing the API tokens"},
	"DELETE /api/v1/tokens/:token": {Verb: "delete", Resource: "tokens", Right: auth.Admin, Action: "revoking an API token"},
}

// router is where a route is registered: the server itself or a group of it.
type router interface {
	Add(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// handle registers a route of r, whose paths start with prefix, behind the check of the
// right access gives it; without an entry there, the route refuses every request.
func (a *Server) handle(r router, prefix, method, path string, h echo.HandlerFunc) {
	rule, ok := access[method+" "+prefix+path]
	r.Add(method, path, h, a.tokens.Authorize(rule, ok))
}
