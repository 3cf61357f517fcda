package apiserver

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// kubeObjectTypes are the media types of an object sent whole (create, update): see
// bodyAsJSON for protobuf.
var kubeObjectTypes = []string{"application/json", "application/yaml", protobufType}

// readKubeBody reads a write's body, of one of types (any when the request names none, as
// hand-written clients often do): 415 for another media type, 413 past limit bytes.
func readKubeBody(c echo.Context, limit int, types ...string) ([]byte, error) {
	if ct := c.Request().Header.Get("Content-Type"); ct != "" {
		media, _, _ := strings.Cut(ct, ";")
		media = strings.ToLower(strings.TrimSpace(media))
		found := false
		for _, t := range types {
			found = found || media == t
		}
		if !found {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schema.GroupResource{}, "", fmt.Sprintf(
				"the body of the request was in an unknown format - accepted media types include: %s", strings.Join(types, ", ")), 0, false)
		}
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, int64(limit)+1))
	if err != nil {
		return nil, apierrors.NewBadRequest("read the request body: " + err.Error())
	}
	if len(body) > limit {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("the request body is larger than %d bytes", limit))
	}
	return body, nil
}

// decodeKubeObject reads an object of r sent as JSON or YAML. Its apiVersion and kind
// default to r's, and must be r's when given; anything that is no object is a 400.
func decodeKubeObject(body []byte, r kubeapi.Resource) (map[string]any, error) {
	data, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, apierrors.NewBadRequest("the body is neither JSON nor YAML: " + err.Error())
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is not a %s object: %s", r.Kind, strings.TrimSpace(string(data))))
	}
	if err := checkObjectType(obj, r); err != nil {
		return nil, err
	}
	if _, ok := obj["metadata"].(map[string]any); !ok && obj["metadata"] != nil {
		return nil, apierrors.NewBadRequest("metadata: the object's metadata must be an object")
	}
	return obj, nil
}

// checkObjectType checks that obj is of r's apiVersion and kind, filling in the ones it
// leaves out, as the API server takes an object of the kind of its path.
func checkObjectType(obj map[string]any, r kubeapi.Resource) error {
	gv, kind := r.GroupVersion(), r.Kind
	switch v := obj["apiVersion"].(type) {
	case nil:
		obj["apiVersion"] = gv
	case string:
		if v != gv {
			return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", v, gv))
		}
	default:
		return apierrors.NewBadRequest(fmt.Sprintf("apiVersion: want a string, got %v", v))
	}
	switch k := obj["kind"].(type) {
	case nil:
		obj["kind"] = kind
	case string:
		if k != kind {
			return apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", k, kind))
		}
	default:
		return apierrors.NewBadRequest(fmt.Sprintf("kind: want a string, got %v", k))
	}
	return nil
}

// metadata is obj's metadata, made when it has none.
func metadata(obj map[string]any) map[string]any {
	m, ok := obj["metadata"].(map[string]any)
	if !ok {
		m = map[string]any{}
		obj["metadata"] = m
	}
	return m
}

// metaString is a string field of obj's metadata; "" when absent or not a string.
func metaString(obj map[string]any, f string) string {
	m, _ := obj["metadata"].(map[string]any)
	s, _ := m[f].(string)
	return s
}

// placeObject puts obj in the request's namespace, as the API server does: one it leaves
// out is the path's, another is a 400, and a cluster-scoped object is in none. name is the
// path's object name ("" for a create), which the object's must be.
func placeObject(obj map[string]any, r kubeapi.Resource, ns, name string) error {
	m := metadata(obj)
	switch got := metaString(obj, "namespace"); {
	case !r.Namespaced:
		delete(m, "namespace")
	case got == "":
		m["namespace"] = ns
	case got != ns:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if name != "" {
		if got := metaString(obj, "name"); got != name {
			return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", got, name))
		}
	}
	return nil
}

// serverSetMeta are the metadata fields the API server sets, which a write's object
// cannot: the server keeps its own. Its resourceVersion is read before (a precondition).
var serverSetMeta = []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields",
	"deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}

// dropServerFields takes out of obj what the API server sets: those metadata fields and
// the status, which the cluster makes (the API server ignores a status written with the
// object, too).
func dropServerFields(obj map[string]any) {
	m := metadata(obj)
	for _, f := range serverSetMeta {
		delete(m, f)
	}
	delete(obj, "status")
}

// parseKubeObject is obj as a manifest of one object, parsed and validated as every
// manifest is; r and name say where it was sent, for the errors.
func parseKubeObject(obj map[string]any, r kubeapi.Resource, name string) (*manifest.Set, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest("encode the object: " + err.Error())
	}
	set, err := manifest.Parse(manifest.Input{Name: groupResource(r).String() + "/" + name, Data: data})
	if err != nil {
		return nil, kubeError(err, r, name)
	}
	if len(set.Objects) != 1 {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body holds %d objects, not one %s", len(set.Objects), r.Kind))
	}
	return set, nil
}

// generatedName is a name made from a generateName prefix, as the API server makes it:
// the prefix and five random characters from its alphabet, without vowels.
func generatedName(prefix string) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b[:])
}

// dryRun reads ?dryRun=, which is All or nothing: 422 for another value, as the API
// server's options check it.
func dryRun(c echo.Context, options string) (bool, error) {
	values := c.QueryParams()["dryRun"]
	for _, v := range values {
		if v != metav1.DryRunAll {
			return false, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: options}, "", field.ErrorList{
				field.NotSupported(field.NewPath("dryRun"), v, []string{metav1.DryRunAll})})
		}
	}
	return len(values) > 0, nil
}

// viewKey is the key of an object of r in the view: "namespace/name", or its name alone
// for a cluster-scoped kind.
func viewKey(r kubeapi.Resource, ns, name string) string {
	if r.Namespaced {
		return ns + "/" + name
	}
	return name
}

// currentVersion is the resourceVersion of the object of r as this node's view shows it,
// the one a client read from this node; "" when the view does not show it (a bare pod the
// leader has not placed yet).
func (a *Server) currentVersion(r kubeapi.Resource, ns, name string) string {
	if r.View == "" {
		return ""
	}
	if o, ok := a.view.Get(r.View, viewKey(r, ns, name)); ok {
		return view.FormatVersion(o.Version)
	}
	return ""
}

// conflictError is Kubernetes' answer to a write based on a resourceVersion that is not
// the object's current one.
func conflictError(r kubeapi.Resource, name string) *apierrors.StatusError {
	return apierrors.NewConflict(groupResource(r), name,
		errors.New("the object has been modified; please apply your changes to the latest version and try again"))
}

// answerObject answers the object of r after a write, with code: as the view shows it
// (the write is in the view when it returns), or else as stored, with the view's version
// (a bare pod the leader has not placed yet is in no view).
func (a *Server) answerObject(c echo.Context, code int, r kubeapi.Resource, ns, name string, stored []byte) error {
	if r.View != "" {
		if o, ok := a.view.Get(r.View, viewKey(r, ns, name)); ok {
			return c.Blob(code, echo.MIMEApplicationJSON, o.JSON)
		}
	}
	return answerStored(c, code, stored, view.FormatVersion(a.view.Version()))
}

// answerStored answers an object in its stored form, with resourceVersion version ("" for
// none: a dry run's object, which is stored nowhere).
func answerStored(c echo.Context, code int, stored []byte, version string) error {
	var obj map[string]any
	if err := json.Unmarshal(stored, &obj); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("decode the stored object: %w", err))
	}
	m := metadata(obj)
	delete(m, "resourceVersion")
	if version != "" {
		m["resourceVersion"] = version
	}
	return c.JSON(code, obj)
}
