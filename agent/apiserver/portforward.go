package apiserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
)

// portForwardPod connects a connection upgraded to api.PortForwardProtocol to a port of a
// pod (the query's port), on the node that runs it: one TCP connection per request, its
// bytes as they are, as `swarm port-forward` opens one per local connection.
func (a *Server) portForwardPod(c echo.Context) error {
	if !upgradeRequested(c.Request(), api.PortForwardProtocol) {
		return needUpgrade(api.PortForwardProtocol)
	}
	port, err := strconv.Atoi(c.QueryParam("port"))
	if err != nil || port < 1 || port > 65535 {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("invalid port %q: want a number from 1 to 65535", c.QueryParam("port")))
	}
	pod, node, err := a.attachTarget(c, "forward to")
	if err != nil {
		return err
	}
	if done, err := a.forward(c, node); done {
		return err
	}
	if a.attach == nil {
		return echo.NewHTTPError(http.StatusConflict, "node "+node+" runs no pods (--runtime none), so there is no port to reach")
	}
	conn, r, err := hijack(c, api.PortForwardProtocol)
	if err != nil {
		return err
	}
	defer conn.Close()
	key := pod.Namespace + "/" + pod.Name
	// The client cannot half-close an upgraded connection: the end of its input is its
	// going away, which ends the forwarding even while the pod's side stays open.
	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	rw := struct {
		io.Reader
		io.Writer
	}{cancelOnEnd{r: r, cancel: cancel}, conn}
	if err := a.attach.PortForward(ctx, key, int32(port), rw); err != nil && ctx.Err() == nil {
		a.log.Warn("forward to a pod's port failed", "pod", key, "port", port, "err", err)
	}
	return nil
}

// cancelOnEnd is a reader that calls cancel once it has returned its end or an error.
type cancelOnEnd struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c cancelOnEnd) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil {
		c.cancel()
	}
	return n, err
}
