package apiserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/reconcile"
)

// PodAttacher runs commands in this node's pods and connects to their ports: the
// reconciler with podman, or what a test puts in its place.
type PodAttacher interface {
	// Exec runs command in a container of the pod (by key "namespace/name"; container ""
	// for its only one) attached to stdio, and returns its exit code.
	Exec(ctx context.Context, podKey, container string, command []string, stdio reconcile.Stdio) (int, error)
	// PortForward connects conn to port of the pod until either side ends.
	PortForward(ctx context.Context, podKey string, port int32, conn io.ReadWriter) error
}

// upgradeRequested tells whether the request asks to switch its connection to protocol.
func upgradeRequested(r *http.Request, protocol string) bool {
	connection := false
	for _, v := range r.Header.Values("Connection") {
		for _, token := range strings.Split(v, ",") {
			connection = connection || strings.EqualFold(strings.TrimSpace(token), "upgrade")
		}
	}
	return connection && r.Header.Get("Upgrade") == protocol
}

// needUpgrade is the answer to a request that must switch protocols and did not ask to.
func needUpgrade(protocol string) error {
	return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("this route needs a connection upgraded to %s (Connection: Upgrade, Upgrade: %s)", protocol, protocol))
}

// attachTarget finds a pod that a command can run in, or a port be reached in, on the node
// that runs it. It returns the pod and its node, or the answer to give.
func (a *Server) attachTarget(c echo.Context, what string) (*corev1.Pod, string, error) {
	pod, node, err := a.findPod(c.Param("namespace"), c.Param("name"))
	if err != nil {
		return nil, "", err
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		// kubectl's wording.
		return nil, "", echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("cannot %s a container in a completed pod; current phase is %s", what, pod.Status.Phase))
	}
	if node == "" {
		return nil, "", echo.NewHTTPError(http.StatusConflict, fmt.Sprintf("pod %s/%s is not placed on any node yet", pod.Namespace, pod.Name))
	}
	return pod, node, nil
}

// hijack takes the connection over from the HTTP server and answers 101 on it. Reads go
// through the returned reader, which holds what the server had already buffered.
func hijack(c echo.Context, protocol string) (net.Conn, io.Reader, error) {
	conn, brw, err := c.Response().Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("take the connection over: %w", err)
	}
	head := "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + protocol + "\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("switch protocols: %w", err)
	}
	return conn, brw.Reader, nil
}

// checkContainer answers 404 when the pod has no container (or init container) name; ""
// is always fine (the node picks the pod's only one, or says which there are).
func checkContainer(pod *corev1.Pod, name string) error {
	if name == "" {
		return nil
	}
	for _, ctr := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
		if ctr.Name == name {
			return nil
		}
	}
	return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("pod %s/%s has no container %q", pod.Namespace, pod.Name, name))
}
