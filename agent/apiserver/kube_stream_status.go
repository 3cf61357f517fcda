package apiserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/remotecommand"
)

// streamPods is the resource the pods' streams' errors name.
var streamPods = schema.GroupResource{Resource: "pods"}

// kubeAnswer answers the error a stream's handler returned as a metav1.Status. A stream that
// broke off after its answer began can only end: its error is logged.
func kubeAnswer(c echo.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if c.Response().Committed {
		log.Warn("a pod's stream ended with an error", "path", c.Request().URL.Path, "err", err)
		return nil
	}
	return kubeStatus(c, streamStatusError(err))
}

// streamStatusError is err as a Kubernetes status error: itself when it is one, the project's
// HTTP errors with the reason of their code, anything else an internal error.
func streamStatusError(err error) *apierrors.StatusError {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		return se
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return codeStatusError(he.Code, fmt.Sprint(he.Message))
	}
	return apierrors.NewInternalError(err)
}

// codeStatusError is a failure with code, the reason Kubernetes gives that code, and message.
func codeStatusError(code int, message string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: int32(code), Reason: reasonOfCode(code), Message: message,
	}}
}

// reasonOfCode is the reason the Kubernetes API server gives with an HTTP code.
func reasonOfCode(code int) metav1.StatusReason {
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

// execExitStatus is what the error channel of an exec carries once its command ended, as
// the kubelet sends it: Success; for a command that exited with another code than 0, the
// reason NonZeroExitCode with the code as the cause ExitCode, which kubectl exits with;
// for one that could not be run, an internal error.
func execExitStatus(command []string, code int, err error) metav1.Status {
	switch {
	case err != nil:
		return apierrors.NewInternalError(fmt.Errorf("error executing command in container: %w", err)).Status()
	case code == 0:
		return metav1.Status{Status: metav1.StatusSuccess}
	}
	return metav1.Status{
		Status:  metav1.StatusFailure,
		Reason:  remotecommand.NonZeroExitCodeReason,
		Message: fmt.Sprintf("command terminated with non-zero exit code: command %q exited with %d", command, code),
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{
			{Type: remotecommand.ExitCodeCauseType, Message: strconv.Itoa(code)},
		}},
	}
}
