package apiserver

import (
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/auth"
	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

// The OpenAPI v3 documents kubectl reads before it writes. kubectl create, apply and
// replace validate an object by default (--validate=strict): they look in the server's
// OpenAPI v3 document of the object's group and version for the PATCH of its kind, and
// when that takes the fieldValidation parameter, they leave the validation to the server
// (which here checks every object as a manifest, unknown fields refused, whatever
// fieldValidation says); without the documents they refuse to write at all. So each
// document holds the PATCH of every kind of its group and version that a patch changes,
// with that parameter, and nothing more: its schemas are none. kubectl then merges
// apply's patches with the Go types it was built with, and kubectl explain, which looks
// for the kind among the document's schemas, says that it is not there (the schemas of
// Kubernetes' kinds are generated in Kubernetes' own tree, which no module serves).

// openAPIPrefix is where the documents are served.
const openAPIPrefix = "/openapi/v3"

// openAPIGroupVersions are the group-versions with a document, in discovery's order.
func openAPIGroupVersions() []string {
	var out []string
	for _, r := range kubeapi.Resources {
		if gv := r.GroupVersion(); len(out) == 0 || out[len(out)-1] != gv {
			out = append(out, gv)
		}
	}
	return out
}

// openAPIPath is the path of a group-version's document under openAPIPrefix: "api/v1",
// "apis/apps/v1", as the root lists them.
func openAPIPath(gv string) string {
	if !strings.Contains(gv, "/") {
		return "api/" + gv
	}
	return "apis/" + gv
}

func init() {
	access["GET "+openAPIPrefix] = auth.Rule{Verb: "get", Resource: "openapi", Right: auth.Read, Action: "reading the OpenAPI documents"}
	for _, gv := range openAPIGroupVersions() {
		access["GET "+openAPIPrefix+"/"+openAPIPath(gv)] = auth.Rule{Verb: "get", Resource: "openapi", Right: auth.Read, Action: "reading the OpenAPI documents"}
	}
}

// kubeOpenAPIRoutes adds the root of the documents and each group-version's.
func (a *Server) kubeOpenAPIRoutes(e *echo.Echo) {
	docs := map[string][]byte{}
	root := map[string]map[string]map[string]string{"paths": {}}
	for _, gv := range openAPIGroupVersions() {
		doc := openAPIDocument(gv)
		sum := sha512.Sum512(doc)
		docs[gv] = doc
		root["paths"][openAPIPath(gv)] = map[string]string{
			"serverRelativeURL": openAPIPrefix + "/" + openAPIPath(gv) + "?hash=" + strings.ToUpper(hex.EncodeToString(sum[:])),
		}
	}
	rootDoc, _ := json.Marshal(root) // maps of strings always encode
	a.handle(e, "", http.MethodGet, openAPIPrefix, func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, rootDoc)
	})
	for gv, doc := range docs {
		a.handle(e, "", http.MethodGet, openAPIPrefix+"/"+openAPIPath(gv), func(c echo.Context) error {
			return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
		})
	}
}

// openAPIDocument is the document of group-version gv: the PATCH of each of its kinds
// that patches change, taking fieldValidation.
func openAPIDocument(gv string) []byte {
	paths := map[string]any{}
	for _, r := range kubeapi.Resources {
		_, manifestKind := kindsByName[r.Kind]
		if r.GroupVersion() != gv || !(manifestKind || r.Kind == "Node") {
			continue
		}
		_, object := kubePaths(r)
		path := strings.NewReplacer(":namespace", "{namespace}", ":name", "{name}").Replace(object)
		prefix := groupsAPIPrefix
		if r.Group == "" {
			prefix = coreAPIPrefix
		}
		paths[prefix+path] = map[string]any{
			"patch": map[string]any{
				"description": "partially update the specified " + r.Kind,
				"parameters": []any{map[string]any{
					"name": "fieldValidation", "in": "query", "schema": map[string]string{"type": "string"},
					"description": "accepted, and always Strict: an object with a field its kind does not have is refused",
				}},
				"responses":                       map[string]any{"200": map[string]string{"description": "OK"}},
				"x-kubernetes-action":             "patch",
				"x-kubernetes-group-version-kind": map[string]string{"group": r.Group, "version": r.Version, "kind": r.Kind},
			},
		}
	}
	doc, _ := json.Marshal(map[string]any{ // maps of strings and lists always encode
		"openapi": "3.0.0",
		"info":    map[string]string{"title": "podman-swarm", "version": gv},
		"paths":   paths,
		// No schema, said in the form kubectl explain reads: a document without its
		// components breaks explain's template instead.
		"components": map[string]any{"schemas": map[string]any{}},
	})
	return doc
}
