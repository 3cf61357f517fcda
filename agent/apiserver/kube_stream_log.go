package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// kubePodLog answers GET .../pods/:name/log: the log of a container of the pod, as plain
// text, from the node that runs it (the node a request reaches passes it on), followed with
// follow=true until the client goes away. A Job's pod that finished is gone from the pods,
// but its log is still in its node's journal, as the project's own route answers it.
func (a *Server) kubePodLog(c echo.Context) error {
	ns, name := c.Param("namespace"), c.Param("name")
	req, err := kubeLogOptions(name, c.QueryParams(), time.Now())
	if err != nil {
		return err
	}
	pod, node, err := a.findPod(ns, name)
	if err != nil {
		ended, ok := findEndedPod(store.Read(a.node, a.log), ns, name)
		if !ok {
			return apierrors.NewNotFound(streamPods, name)
		}
		container, err := kubeContainer(name, ended.spec, req.container)
		if err != nil {
			return err
		}
		return a.kubeServeLog(c, ended.node, func(ctx context.Context, w io.Writer) error {
			return a.runtime.EndedLogs(ctx, ns, name, container, req.opts, w)
		}, req.limitBytes)
	}
	container, err := kubeContainer(name, &pod.Spec, req.container)
	if err != nil {
		return err
	}
	if node == "" {
		return apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return a.kubeServeLog(c, node, func(ctx context.Context, w io.Writer) error {
		err := a.runtime.Logs(ctx, ns+"/"+name, container, req.opts, w)
		if errors.Is(err, reconcile.ErrNoPod) {
			// The kubelet's words for a container that has not started yet.
			return apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: node %s has not started the pod yet", container, name, node))
		}
		return err
	}, req.limitBytes)
}

// kubeServeLog passes the request on to node, or writes the log here: its answer starts with
// its first byte, so that a log that cannot be read at all still answers a Status. limit
// ends it after that many bytes (0: none).
func (a *Server) kubeServeLog(c echo.Context, node string, write func(context.Context, io.Writer) error, limit int64) error {
	if done, err := a.forward(c, node); done {
		return err
	}
	if a.runtime == nil {
		return codeError(http.StatusConflict, fmt.Sprintf("node %s runs no pods (--runtime none), so there are no logs", node))
	}
	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	w := &kubeLogWriter{res: c.Response(), limit: limit > 0, left: limit, cancel: cancel}
	err := write(ctx, w)
	switch {
	case w.reachedLimit || c.Request().Context().Err() != nil:
		return nil
	case err == nil:
		w.start()
		return nil
	case !w.started:
		return err
	}
	// Cut short after it began: the reader sees why at the end of what it got, as the
	// project's own route tells it.
	fmt.Fprintf(w, "error: %v\n", err)
	return err
}

// errLogLimit is a write past a log's limitBytes.
var errLogLimit = errors.New("the log reached its limitBytes")

// kubeLogWriter sends a log as it is written: 200 and the text/plain header with its first
// write, each write at once. With limit it takes that many bytes (left), then ends the log
// by calling cancel, as the kubelet stops a log at its limitBytes.
type kubeLogWriter struct {
	res          *echo.Response
	started      bool
	limit        bool
	left         int64
	reachedLimit bool
	cancel       context.CancelFunc
}

func (w *kubeLogWriter) start() {
	if w.started {
		return
	}
	w.started = true
	w.res.Header().Set(echo.HeaderContentType, "text/plain")
	w.res.WriteHeader(http.StatusOK)
	w.res.Flush()
}

func (w *kubeLogWriter) Write(p []byte) (int, error) {
	w.start()
	whole := len(p)
	if w.limit {
		if w.left <= 0 {
			return 0, errLogLimit
		}
		if int64(len(p)) > w.left {
			p = p[:w.left]
		}
	}
	n, err := w.res.Write(p)
	w.res.Flush()
	if !w.limit {
		return n, err
	}
	if w.left -= int64(n); w.left <= 0 {
		w.reachedLimit = true
		w.cancel()
		if err == nil && n < whole {
			err = errLogLimit
		}
	}
	return n, err
}

// kubeContainer is the container a request of a pod's streams is for: the one it names, or
// the pod's only one (init containers aside). A request that names none of a pod with
// several, or one the pod does not have, answers 400 with the API server's words.
func kubeContainer(pod string, spec *corev1.PodSpec, name string) (string, error) {
	all := append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...)
	if name == "" {
		switch len(spec.Containers) {
		case 1:
			return spec.Containers[0].Name, nil
		case 0:
			return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s", pod))
		}
		var names []string
		for _, ctr := range all {
			names = append(names, ctr.Name)
		}
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod, names))
	}
	for _, ctr := range all {
		if ctr.Name == name {
			return name, nil
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod))
}
