package apiserver

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// kubeExecRequest is what an exec request asks for, with the names of Kubernetes'
// PodExecOptions.
type kubeExecRequest struct {
	command                    []string
	container                  string
	stdin, stdout, stderr, tty bool
}

// kubeExecOptions reads an exec request's query: command once per argument, container,
// and the flags stdin, stdout, stderr and tty, read as the API server reads them.
func kubeExecOptions(q url.Values) (kubeExecRequest, error) {
	r := kubeExecRequest{
		command: q["command"], container: q.Get("container"),
		stdin: streamBool(q, "stdin"), stdout: streamBool(q, "stdout"), stderr: streamBool(q, "stderr"), tty: streamBool(q, "tty"),
	}
	if len(r.command) == 0 {
		return r, apierrors.NewBadRequest("you must specify at least one command for the container")
	}
	if !r.stdin && !r.stdout && !r.stderr {
		return r, apierrors.NewBadRequest("you must specify at least 1 of stdin, stdout, stderr")
	}
	// A terminal has one output, which stdout carries; the kubelet drops stderr the same way.
	if r.tty {
		r.stderr = false
	}
	return r, nil
}

// kubePodExec answers GET or POST .../pods/:name/exec: it runs a command in a container of
// the pod, on the node that runs it (the node a request reaches passes it on, connection
// upgrade included), over a websocket in Kubernetes' channel protocol (see
// openExecSession), and sends its exit status last.
func (a *Server) kubePodExec(c echo.Context) error {
	r, err := kubeExecOptions(c.QueryParams())
	if err != nil {
		return err
	}
	pod, node, err := a.kubeStreamTarget(c, "exec into")
	if err != nil {
		return err
	}
	container, err := kubeContainer(pod.Name, &pod.Spec, r.container)
	if err != nil {
		return err
	}
	if err := checkExecUpgrade(c.Request()); err != nil {
		return err
	}
	if done, err := a.forward(c, node); done {
		return err
	}
	if a.attach == nil {
		return codeError(http.StatusConflict, fmt.Sprintf("node %s runs no pods (--runtime none), so nothing can run in them", node))
	}
	s, err := a.openExecSession(c, r)
	if err != nil {
		a.log.Warn("open an exec's websocket", "err", err)
		return nil // the websocket's handshake answered
	}
	defer s.close()
	key := pod.Namespace + "/" + pod.Name
	a.log.Info("exec in pod", "pod", key, "container", container, "command", r.command[0], "protocol", s.protocol)
	code, err := a.attach.Exec(s.ctx, key, container, r.command, s.stdio())
	if err != nil && s.ctx.Err() == nil {
		a.log.Warn("exec in pod failed", "pod", key, "err", err)
	}
	s.finish(execExitStatus(r.command, code, err))
	return nil
}

// kubeStreamTarget finds the pod a command is run in, or a port reached in, and its node,
// with the API server's answers for a pod that is not there, has ended or has no node.
func (a *Server) kubeStreamTarget(c echo.Context, what string) (*corev1.Pod, string, error) {
	pod, node, err := a.findPod(c.Param("namespace"), c.Param("name"))
	if err != nil {
		return nil, "", apierrors.NewNotFound(streamPods, c.Param("name"))
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return nil, "", apierrors.NewBadRequest(fmt.Sprintf("cannot %s a container in a completed pod; current phase is %s", what, pod.Status.Phase))
	}
	if node == "" {
		return nil, "", apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	return pod, node, nil
}

// kubePodAttach answers attach, which is not served: the project attaches to no container's
// own process. The answer is the API server's for a verb a resource does not support.
func (a *Server) kubePodAttach(c echo.Context) error {
	return codeError(http.StatusMethodNotAllowed,
		"attach is not supported on this cluster: run a command in the pod with exec (kubectl exec) instead")
}
