package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// kubeAnswers answers every error of the handlers it wraps, its route's check of rights
// among them (a read-only token's 403), as the Kubernetes API server does: a metav1.Status
// (see kubeError). Route middleware, it sits outside the check of rights.
func kubeAnswers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return kubeStatus(c, kubeError(err, kubeapi.Resource{}, ""))
	}
}

// kubeRouter registers routes of the compatible API: each behind kubeAnswers, so that
// their errors, the 403 of a read-only token included, are Statuses.
type kubeRouter struct{ router }

func (r kubeRouter) Add(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route {
	return r.router.Add(method, path, h, append([]echo.MiddlewareFunc{kubeAnswers}, m...)...)
}

// groupResource is how Kubernetes names r in its errors: "deployments.apps", "pods".
func groupResource(r kubeapi.Resource) schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Name}
}

// kubeError is err as the Kubernetes API server words it, about the object name of r
// (either may be zero): a Status error as it is; a manifest's problems as 422 Invalid with
// a cause per field (400 BadRequest for a document that is no object at all); the
// project's own errors with the reason of their code.
func kubeError(err error, r kubeapi.Resource, name string) *apierrors.StatusError {
	var se *apierrors.StatusError
	var me manifest.Errors
	var he *echo.HTTPError
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &me):
		if me.Malformed() {
			return apierrors.NewBadRequest(me.Error())
		}
		if se := namespaceError(me, r, name); se != nil {
			return se
		}
		return invalidError(me, r, name)
	case errors.As(err, &he):
		return codeError(he.Code, fmt.Sprint(he.Message))
	}
	return apierrors.NewInternalError(err)
}

// namespaceError is the API server's answer to an object refused for its namespace alone,
// as its namespace lifecycle answers: 404 NotFound for a namespace that does not exist,
// 403 Forbidden for a new object in one being deleted; nil for other problems.
func namespaceError(me manifest.Errors, r kubeapi.Resource, name string) *apierrors.StatusError {
	if len(me) != 1 || me[0].Field != "metadata.namespace" {
		return nil
	}
	reason := me[0].Reason
	st := metav1.Status{Status: metav1.StatusFailure, Message: reason}
	switch {
	case strings.Contains(reason, "because it is being terminated"):
		st.Code, st.Reason = http.StatusForbidden, metav1.StatusReasonForbidden
		st.Details = &metav1.StatusDetails{Name: name, Group: r.Group, Kind: r.Name}
	case strings.HasPrefix(reason, `namespaces "`) && strings.Contains(reason, `" not found`):
		ns, _, _ := strings.Cut(strings.TrimPrefix(reason, `namespaces "`), `"`)
		st.Code, st.Reason = http.StatusNotFound, metav1.StatusReasonNotFound
		st.Details = &metav1.StatusDetails{Name: ns, Kind: "namespaces"}
	default:
		return nil
	}
	return &apierrors.StatusError{ErrStatus: st}
}

// codeError is a Status of code with message and the reason Kubernetes gives that code.
func codeError(code int, message string) *apierrors.StatusError {
	reason := apierrors.NewGenericServerResponse(code, "", schema.GroupResource{}, "", "", 0, false).ErrStatus.Reason
	switch code {
	case http.StatusInternalServerError:
		reason = metav1.StatusReasonInternalError
	case http.StatusRequestEntityTooLarge:
		reason = metav1.StatusReasonRequestEntityTooLarge
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: message,
	}}
}

// invalidError is the 422 Invalid of a manifest's problems, worded as apierrors.NewInvalid
// words field errors: one cause per problem, with its field path and its reason.
func invalidError(me manifest.Errors, r kubeapi.Resource, name string) *apierrors.StatusError {
	gk := schema.GroupKind{Group: r.Group, Kind: r.Kind}
	causes := make([]metav1.StatusCause, 0, len(me))
	parts := make([]string, 0, len(me))
	for _, e := range me {
		causes = append(causes, metav1.StatusCause{Type: causeType(e.Reason), Message: e.Reason, Field: e.Field})
		if e.Field == "" {
			parts = append(parts, e.Reason)
		} else {
			parts = append(parts, e.Field+": "+e.Reason)
		}
	}
	what := strings.Join(parts, ", ")
	if len(parts) > 1 {
		what = "[" + what + "]"
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnprocessableEntity,
		Reason:  metav1.StatusReasonInvalid,
		Details: &metav1.StatusDetails{Group: gk.Group, Kind: gk.Kind, Name: name, Causes: causes},
		Message: fmt.Sprintf("%s %q is invalid: %s", gk.String(), name, what),
	}}
}

// fieldErrorTypes are the kinds of field error, whose words start a manifest problem's
// reason ("Invalid value: ...").
var fieldErrorTypes = []field.ErrorType{
	field.ErrorTypeNotFound, field.ErrorTypeRequired, field.ErrorTypeDuplicate, field.ErrorTypeInvalid,
	field.ErrorTypeNotSupported, field.ErrorTypeForbidden, field.ErrorTypeTooLong, field.ErrorTypeTooMany,
	field.ErrorTypeInternal, field.ErrorTypeTypeInvalid,
}

// causeType is the cause type of a problem worded as reason: the field error type its
// words start with, FieldValueInvalid when they start with none.
func causeType(reason string) metav1.CauseType {
	for _, t := range fieldErrorTypes {
		if reason == t.String() || strings.HasPrefix(reason, t.String()+":") {
			return metav1.CauseType(t)
		}
	}
	return metav1.CauseTypeFieldValueInvalid
}

// objectWarnings are the warnings about the one object of set without the manifest's
// words for where it stands ("deployments.apps/web: document 1 (Deployment web): "):
// the request names it already.
func objectWarnings(set *manifest.Set, warnings []string) []string {
	out := make([]string, len(warnings))
	for i, w := range warnings {
		out[i] = w
		if len(set.Objects) == 1 {
			out[i] = strings.TrimPrefix(w, set.Objects[0].Source.String()+": ")
		}
	}
	return out
}

// addWarnings sends each warning as Kubernetes does, in a `Warning: 299 - "..."` header,
// which kubectl prints.
func addWarnings(c echo.Context, warnings []string) {
	for _, w := range warnings {
		h, err := utilnet.NewWarningHeader(299, "-", w)
		if err != nil {
			continue // a warning that cannot be a header is dropped, never the answer
		}
		c.Response().Header().Add("Warning", h)
	}
}
