package apiserver

import (
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/remotecommand"
)

// streamPods is the resource the pods' streams' errors name.
var streamPods = schema.GroupResource{Resource: "pods"}

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
