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
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// Every error on a path of the compatible API (kubeapi.IsPath) is answered as the
// Kubernetes API server answers it, a metav1.Status with Kubernetes' reason and code, by
// the server's one error handler (see errorHandler): the errors of the handlers, and
// those raised before a handler runs (a missing or bad token's 401, a read-only token's
// 403, a path that names no resource, a method a path does not take). That covers the
// project's routes whose paths Kubernetes has too (GET /api/v1/pods, DELETE of a
// namespace or a node, ...): the swarm CLI reads a Status's message as an error's.

// kubeStatus answers err as the Kubernetes API server does: a metav1.Status, with its code.
func kubeStatus(c echo.Context, err *apierrors.StatusError) error {
	st := err.Status()
	st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	return c.JSON(int(st.Code), st)
}

// kubeRequestError is err, raised while answering req, as the API server words it: a
// path no route takes is NotFound (MethodNotAllowed when it names a resource the API
// serves, with another method than its routes take), and any other error is kubeError's,
// about the resource and object the path names.
func kubeRequestError(err error, req *http.Request) *apierrors.StatusError {
	p, named := kubeapi.ParsePath(req.URL.Path)
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch {
		case he.Code == http.StatusNotFound && errors.Is(he, echo.ErrNotFound):
			// A group's catch-all answers 404 for a method no route of a path takes.
			if named {
				return methodNotAllowed(req)
			}
			return errNoSuchPath
		case he.Code == http.StatusMethodNotAllowed && errors.Is(he, echo.ErrMethodNotAllowed):
			return methodNotAllowed(req)
		}
	}
	return kubeError(err, p.Resource, p.Name)
}

// errNoSuchPath is the API server's answer to a path that names nothing it serves.
var errNoSuchPath = &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusNotFound,
	Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource", Details: &metav1.StatusDetails{}}}

// methodNotAllowed is Kubernetes' answer to a verb a resource is not served with.
func methodNotAllowed(req *http.Request) *apierrors.StatusError {
	verb := strings.ToLower(req.Method)
	what := schema.GroupResource{}
	why := ""
	if p, ok := kubeapi.ParsePath(req.URL.Path); ok {
		what = groupResource(p.Resource)
		if vs := p.Verbs(req.Method); len(vs) > 0 {
			verb = vs[0]
		}
		why = p.Resource.ReadOnly
	}
	err := apierrors.NewMethodNotSupported(what, verb)
	if why != "" {
		err.ErrStatus.Message += ": " + why
	}
	return err
}

// groupResource is how Kubernetes names r in its errors: "deployments.apps", "pods".
func groupResource(r kubeapi.Resource) schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Name}
}

// kubeError is err as the Kubernetes API server words it, about the object name of r
// (either may be zero): a Status error as it is; a manifest's problems as 422 Invalid with
// a cause per field (400 BadRequest for a document that is no object at all); the
// project's own errors with the reason of their code; anything else an internal error.
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

// codeError is a failure with code, the reason Kubernetes gives that code, and message.
func codeError(code int, message string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: int32(code), Reason: reasonOf(code), Message: message,
	}}
}

// reasonOf is the reason the Kubernetes API server gives with an HTTP code. A node that
// cannot be reached (502, when a request is passed on) is unavailable, as for the API
// server a backend it cannot reach.
func reasonOf(code int) metav1.StatusReason {
	switch code {
	case http.StatusBadRequest:
		return metav1.StatusReasonBadRequest
	case http.StatusUnauthorized:
		return metav1.StatusReasonUnauthorized
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden
	case http.StatusNotFound:
		return metav1.StatusReasonNotFound
	case http.StatusMethodNotAllowed:
		return metav1.StatusReasonMethodNotAllowed
	case http.StatusNotAcceptable:
		return metav1.StatusReasonNotAcceptable
	case http.StatusConflict:
		return metav1.StatusReasonConflict
	case http.StatusGone:
		return metav1.StatusReasonGone
	case http.StatusRequestEntityTooLarge:
		return metav1.StatusReasonRequestEntityTooLarge
	case http.StatusUnsupportedMediaType:
		return metav1.StatusReasonUnsupportedMediaType
	case http.StatusUnprocessableEntity:
		return metav1.StatusReasonInvalid
	case http.StatusTooManyRequests:
		return metav1.StatusReasonTooManyRequests
	case http.StatusServiceUnavailable, http.StatusBadGateway:
		return metav1.StatusReasonServiceUnavailable
	case http.StatusGatewayTimeout:
		return metav1.StatusReasonTimeout
	}
	if code >= 500 {
		return metav1.StatusReasonInternalError
	}
	return metav1.StatusReasonUnknown
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
