package apiserver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// joinToken is what another node needs to join with token.
func (a *Server) joinToken(token string) api.JoinToken {
	jt := api.JoinToken{Token: token}
	for _, m := range a.node.Members() {
		if m.State == cluster.StateAlive {
			jt.Join = append(jt.Join, m.Addr)
		}
	}
	return jt
}

func (a *Server) getJoinToken(c echo.Context) error {
	return c.JSON(http.StatusOK, a.joinToken(a.node.JoinToken()))
}

// rotateJoinToken makes a new token (and gossip key) on every alive member: the old token
// admits no one afterwards.
func (a *Server) rotateJoinToken(c echo.Context) error {
	token, err := a.node.RotateJoinToken(c.Request().Context())
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error()+"; the cluster keeps working, run the rotation again")
	}
	if err := a.joinTokenFile.Update(); err != nil {
		a.log.Warn("join token rotated but not written", "err", err)
	}
	a.log.Info("join token rotated; nodes that were down must be restarted with the new token")
	return c.JSON(http.StatusOK, a.joinToken(token))
}
