package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// removeTimeout bounds a removal, which rotates the join token in rounds among the alive
// members. The removal runs apart from the request, so that a client that gives up does
// not cut a rotation short.
const removeTimeout = 30 * time.Second

// removeNode removes a node from the cluster for good: the cluster records the removal and
// rotates the join token away from it, and the API tokens the node minted for itself are
// revoked, so that neither its gossip key nor its token admits it anywhere. The answer is
// the API server's Status of a deleted Node, with the removal's account beside.
func (a *Server) removeNode(c echo.Context) error {
	name := c.Param("name")
	if name == a.cfg.NodeName {
		return removeError(name, a.cfg.NodeName, cluster.ErrRemoveSelf)
	}
	// Refused before anything changes, rather than after the removal.
	if err := a.tokens.CheckRevokeNode(name); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), removeTimeout)
	defer cancel()
	_, err := a.node.RemoveMember(ctx, name)
	if err != nil && !a.removed(name) {
		return removeError(name, a.cfg.NodeName, err)
	}
	// Recorded, even when the rotation failed: the node is refused by name already, and
	// its tokens go too.
	revoked, madeWith, rerr := a.tokens.RevokeNode(name)
	if err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf(
			"node %s is removed and every member refuses its name, but the join token was not rotated away from it (%v): run `swarm node remove %s` again", name, err, name))
	}
	if rerr != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf(
			"node %s is removed and the join token rotated, but %v: run `swarm node remove %s` again", name, rerr, name))
	}
	if err := a.joinTokenFile.Update(); err != nil {
		a.log.Warn("join token rotated by a removal but not written", "err", err)
	}
	a.log.Info("node removed from the cluster; nodes that were down must be restarted with the new join token",
		"member", name, "revoked_tokens", len(revoked), "tokens_made_with_them", len(madeWith))
	return c.JSON(http.StatusOK, nodeRemovedAnswer(api.NodeRemoval{
		Name: name, RemovedBy: a.cfg.NodeName, JoinTokenRotated: true,
		RevokedTokens: nonNil(revoked), TokensMadeWithRevoked: nonNil(madeWith),
	}))
}

// removed tells whether the cluster holds a removal record of name.
func (a *Server) removed(name string) bool {
	_, ok := a.removal(name)
	return ok
}

func (a *Server) removal(name string) (api.Removal, bool) {
	for _, r := range a.node.Removals() {
		if r.Name == name {
			return removalView(r), true
		}
	}
	return api.Removal{}, false
}

func removalView(r cluster.Removal) api.Removal {
	return api.Removal{Name: r.Name, Addr: r.Addr, RemovedBy: r.By, Removed: r.At}
}

// removeError is the answer to a removal the cluster refused, self being the node asked.
func removeError(name, self string, err error) error {
	switch {
	case errors.Is(err, cluster.ErrNoSuchMember):
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("node %q not found: `swarm get nodes` lists the members", name))
	case errors.Is(err, cluster.ErrRemoveSelf):
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf(
			"node %s answered this request, and a node cannot remove itself: run it on another node (--server https://ANOTHER-NODE:7070)", self))
	case errors.Is(err, cluster.ErrLastMember):
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf(
			"node %s is the last other member of the cluster: removing it would leave %s alone", name, self))
	case errors.Is(err, cluster.ErrClosed):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "node "+self+" is stopping: run the removal on another node")
	}
	return echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf("remove node %s: %v; run the removal again", name, err))
}

// listRemovals answers the nodes removed for good, whose names every member refuses.
func (a *Server) listRemovals(c echo.Context) error {
	var items []any
	for _, r := range a.node.Removals() {
		items = append(items, removalView(r))
	}
	return c.JSON(http.StatusOK, api.NewList(items))
}

// forgetRemoval lets a removed node's name join again.
func (a *Server) forgetRemoval(c echo.Context) error {
	name := c.Param("name")
	r, _ := a.removal(name)
	if err := a.node.ForgetRemoval(name); err != nil {
		if errors.Is(err, cluster.ErrNotRemoved) {
			return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("node %q was not removed: `swarm node removed` lists the removals", name))
		}
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error())
	}
	a.log.Info("removal forgotten: the name may join again", "member", name)
	r.Name = name
	return c.JSON(http.StatusOK, r)
}

// nonNil makes an empty list [] rather than null in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
