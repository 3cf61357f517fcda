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

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// kubeErrors answers every error on a path of the compatible API (kubeapi.IsPath) as the
// API server does, a metav1.Status with its reason and code, and passes the others on to
// next: the project's clients read those as they always did. It covers the errors raised
// before a handler runs too: a missing or bad token (401), a read-only token refused (403),
// a path that names no resource (404) and a method a path does not take (405).
func kubeErrors(next echo.HTTPErrorHandler) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed || !kubeapi.IsPath(c.Request().URL.Path) {
			next(err, c)
			return
		}
		_ = kubeStatus(c, &apierrors.StatusError{ErrStatus: statusOf(err, c.Request())})
	}
}

// statusOf is err as a Status for the request it answers.
func statusOf(err error, req *http.Request) metav1.Status {
	var se *apierrors.StatusError
	var he *echo.HTTPError
	var me manifest.Errors
	var st metav1.Status
	switch {
	case errors.As(err, &se):
		st = se.Status()
	case errors.As(err, &me):
		st = invalidStatus(me)
	case errors.As(err, &he):
		st = httpStatus(he, req)
	default:
		st = apierrors.NewInternalError(err).Status()
	}
	st.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Status"}
	return st
}

// httpStatus is an error of echo or of the project's handlers as a Status: its code and
// message, with the reason Kubernetes gives that code. A path no route serves is
// Kubernetes' NotFound, and a method a path does not take its MethodNotAllowed.
func httpStatus(he *echo.HTTPError, req *http.Request) metav1.Status {
	msg := fmt.Sprint(he.Message)
	switch {
	case he.Code == http.StatusNotFound && errors.Is(he, echo.ErrNotFound):
		// No route: a path that names a resource this API serves was asked for with a
		// method no route of it takes (a group's catch-all answers those 404).
		if _, ok := kubeapi.ParsePath(req.URL.Path); ok {
			return methodNotAllowed(req).Status()
		}
		return errNoSuchPath.Status()
	case he.Code == http.StatusMethodNotAllowed:
		return methodNotAllowed(req).Status()
	}
	return metav1.Status{Status: metav1.StatusFailure, Code: int32(he.Code), Reason: reasonFor(he.Code), Message: msg}
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
		what = schema.GroupResource{Group: p.Resource.Group, Resource: p.Resource.Name}
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

// reasonFor is the reason Kubernetes gives a status code.
func reasonFor(code int) metav1.StatusReason {
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
	case http.StatusServiceUnavailable:
		return metav1.StatusReasonServiceUnavailable
	case http.StatusGatewayTimeout:
		return metav1.StatusReasonTimeout
	}
	if code >= 500 {
		return metav1.StatusReasonInternalError
	}
	return metav1.StatusReasonUnknown
}

// invalidStatus is a refused manifest as Kubernetes' Invalid (BadRequest when it does not
// parse), each problem a cause.
func invalidStatus(me manifest.Errors) metav1.Status {
	code, reason := http.StatusUnprocessableEntity, metav1.StatusReasonInvalid
	if me.Malformed() {
		code, reason = http.StatusBadRequest, metav1.StatusReasonBadRequest
	}
	st := metav1.Status{Status: metav1.StatusFailure, Code: int32(code), Reason: reason,
		Message: fmt.Sprintf("the object was refused: %d problem(s)", len(me)), Details: &metav1.StatusDetails{}}
	for _, e := range me {
		st.Details.Causes = append(st.Details.Causes, metav1.StatusCause{Type: metav1.CauseTypeFieldValueInvalid, Message: e.Error()})
	}
	return st
}
