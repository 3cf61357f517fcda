package apiserver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
)

// health answers the health check, the one endpoint open without a token.
func (a *Server) health(c echo.Context) error {
	auth := "token"
	if a.cfg.NoAuth {
		auth = "off"
	}
	h := map[string]any{
		"status": "ok", "node": a.cfg.NodeName, "leader": a.node.Leader(), "members": len(a.node.Members()), "auth": auth,
	}
	// A node that cannot write its store refuses every write: not healthy, and says why.
	if err := a.node.StoreError(); err != nil {
		h["status"], h["reason"] = "failing", err.Error()
		return c.JSON(http.StatusServiceUnavailable, h)
	}
	return c.JSON(http.StatusOK, h)
}

// stats answers /stats.
func (a *Server) stats(c echo.Context) error {
	return c.JSON(http.StatusOK, api.Stats{
		Node:                a.cfg.NodeName,
		Leader:              a.node.Leader(),
		Members:             len(a.node.Members()),
		StoreKeys:           a.node.Count(),
		GossipSentBytes:     a.traffic.Sent(),
		GossipReceivedBytes: a.traffic.Received(),
		HealthScore:         a.node.HealthScore(),
	})
}
