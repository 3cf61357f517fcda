package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/nodemeta"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/agent/view"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/reconcile"
)

// forwardedHeader marks a request one agent passed to another, so that it is never passed on
// again (two nodes that disagree about where a pod runs would otherwise bounce it forever).
const forwardedHeader = "X-Swarm-Forwarded-By"

// findPod returns the pod's view and the node it is assigned to ("" when pending).
func (a *Server) findPod(ns, name string) (*corev1.Pod, string, error) {
	if o, ok := a.view.Get(view.Pods, ns+"/"+name); ok {
		p, err := podOf(o)
		if err != nil {
			return nil, "", echo.NewHTTPError(http.StatusInternalServerError, err.Error())
		}
		return p, p.Spec.NodeName, nil
	}
	// A pod the desired state calls for that has no record yet is in no view: only the
	// whole store shows it, with why it waits.
	for _, v := range a.podViews(store.Read(a.node, a.log), ns) {
		if p := v.(*corev1.Pod); p.Name == name {
			return p, p.Spec.NodeName, nil
		}
	}
	return nil, "", echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("pod %s/%s not found: `swarm get pods -n %s` lists the pods", ns, name, ns))
}

// podOf is the pod a view's object is, decoded from its JSON (the view keeps pods encoded
// only): the caller's own.
func podOf(o *view.Object) (*corev1.Pod, error) {
	v, err := o.Value()
	if err != nil {
		return nil, err
	}
	p, ok := v.(*corev1.Pod)
	if !ok {
		return nil, fmt.Errorf("decode pod %s: the view holds a %T", o.Key, v)
	}
	return p, nil
}

// forward passes a request about a pod to the agent of the node that runs it. It reports
// false when the pod runs here and the caller should answer.
func (a *Server) forward(c echo.Context, node string) (bool, error) {
	if node == a.cfg.NodeName {
		return false, nil
	}
	if by := c.Request().Header.Get(forwardedHeader); by != "" {
		return true, echo.NewHTTPError(http.StatusBadGateway, fmt.Sprintf("%s passed this request on to %s, which thinks the pod runs on %s", by, a.cfg.NodeName, node))
	}
	addr, scheme := "", "http"
	for _, m := range a.node.Members() {
		if m.Name == node {
			addr = m.Meta[nodemeta.API]
			if m.Meta[nodemeta.APIScheme] == "https" {
				scheme = "https"
			}
			if m.State.String() != "alive" {
				return true, echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf("the pod runs on node %s, which is %s", node, m.State))
			}
		}
	}
	if addr == "" {
		return true, echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf("the pod runs on node %s, whose API address is unknown", node))
	}
	// The request keeps its Authorization header: the other agent checks the same token
	// against its own replica of the store.
	target := &url.URL{Scheme: scheme, Host: addr}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = a.forwarder
	proxy.FlushInterval = -1 // stream followed logs as they come
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "{\"message\":%q}\n", fmt.Sprintf("reach the agent of node %s at %s: %v", node, addr, err))
	}
	c.Request().Header.Set(forwardedHeader, a.cfg.NodeName)
	proxy.ServeHTTP(c.Response(), c.Request())
	return true, nil
}

// describePod answers the pod as the cluster sees it, with its units as its node sees them.
func (a *Server) describePod(c echo.Context) error {
	pod, node, err := a.findPod(c.Param("namespace"), c.Param("name"))
	if err != nil {
		return err
	}
	if node == "" || a.runtime == nil && node == a.cfg.NodeName {
		return c.JSON(http.StatusOK, api.PodDescription{Pod: pod, Node: node})
	}
	if done, err := a.forward(c, node); done {
		return err
	}
	d, err := a.runtime.Describe(c.Request().Context(), pod.Namespace+"/"+pod.Name)
	if err != nil {
		if errors.Is(err, reconcile.ErrNoPod) {
			return c.JSON(http.StatusOK, api.PodDescription{Pod: pod, Node: node})
		}
		return echo.NewHTTPError(http.StatusInternalServerError, err.Error())
	}
	return c.JSON(http.StatusOK, api.PodDescription{Pod: pod, Node: node, Detail: &d})
}

// podLogs answers, or follows, the logs of a pod's containers from the node that runs it.
func (a *Server) podLogs(c echo.Context) error {
	opts, err := requestLogOptions(c)
	if err != nil {
		return err
	}
	pod, node, err := a.findPod(c.Param("namespace"), c.Param("name"))
	if err != nil {
		// A Job's pod that finished is gone from the pods; its log is in its node's journal.
		if ended, ok := findEndedPod(store.Read(a.node, a.log), c.Param("namespace"), c.Param("name")); ok {
			return a.endedPodLogs(c, c.Param("namespace"), c.Param("name"), ended, opts)
		}
		return err
	}
	if node == "" {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("pod %s/%s is not placed on any node yet, so it has no logs", pod.Namespace, pod.Name))
	}
	if done, err := a.forward(c, node); done {
		return err
	}
	if a.runtime == nil {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("node %s runs no pods (--runtime none), so there are no logs", node))
	}
	container := c.QueryParam("container")
	if container != "" {
		found := false
		for _, ctr := range pod.Spec.Containers {
			found = found || ctr.Name == container
		}
		if !found {
			return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("pod %s/%s has no container %q", pod.Namespace, pod.Name, container))
		}
	}
	c.Response().Header().Set("Content-Type", "text/plain; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	w := &flushWriter{c.Response()}
	if err := a.runtime.Logs(c.Request().Context(), pod.Namespace+"/"+pod.Name, container, opts, w); err != nil && c.Request().Context().Err() == nil {
		fmt.Fprintf(w, "error: %v\n", err)
	}
	return nil
}

// flushWriter sends every write at once, so that followed logs arrive as they are written.
type flushWriter struct{ r *echo.Response }

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.r.Write(p)
	f.r.Flush()
	return n, err
}
