package auth

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/request"
	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Create answers POST /api/v1/tokens: a new token, shown this once.
func (a *Authority) Create(c echo.Context) error {
	var req api.TokenRequest
	if err := request.BindJSON(c, &req); err != nil {
		return err
	}
	var ttl time.Duration
	if req.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(req.TTL); err != nil || ttl <= 0 {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf("ttl %q: want a positive duration such as 24h or 720h", req.TTL))
		}
	}
	if len(req.Description) > 200 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "description: at most 200 characters")
	}
	createdBy := a.nodeName
	if rec, ok := c.Get(tokenContextKey).(TokenRecord); ok {
		createdBy = "token " + rec.ID
	}
	token, rec, err := mintToken(req.Description, createdBy, req.ReadOnly, ttl, a.now())
	if err != nil {
		return err
	}
	ack, err := request.Ack(c)
	if err != nil {
		return err
	}
	_, err = a.store.Write(c.Request().Context(), []cluster.Change{{Key: store.TokenKey(rec.ID), Value: store.MustJSON(rec)}}, ack)
	if errors.Is(err, cluster.ErrNotConfirmed) {
		a.log.Info("API token created, not confirmed by another node", "id", rec.ID, "by", createdBy)
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error()+
			"; the token was not handed out: revoke its id "+rec.ID+" and create another")
	}
	if err != nil {
		return request.StoreWriteError(err, "no token was created")
	}
	a.log.Info("API token created", "id", rec.ID, "description", rec.Description, "read_only", rec.ReadOnly, "by", createdBy)
	return c.JSON(http.StatusCreated, api.NewToken{Token: token, TokenInfo: rec.info(a.now())})
}

// Records lists the token records of the cluster; one that does not decode is left out.
func (a *Authority) Records() []TokenRecord {
	var out []TokenRecord
	for _, e := range a.store.List(store.PrefixToken) {
		rec, err := decodeTokenRecord(e.Value, e.Received)
		if err != nil {
			continue
		}
		out = append(out, rec)
	}
	return out
}

// List answers GET /api/v1/tokens.
func (a *Authority) List(c echo.Context) error {
	now := a.now()
	var items []any
	for _, rec := range a.Records() {
		items = append(items, a.withRemoval(rec).info(now))
	}
	return c.JSON(http.StatusOK, api.NewList(items))
}

// Revoke answers DELETE /api/v1/tokens/:token: it revokes by id or by the whole token. It refuses to revoke the last active
// token with full rights, which would lock everyone out of the cluster.
func (a *Authority) Revoke(c echo.Context) error {
	id, ok := tokenID(c.Param("token"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("%q is neither a token nor a token id (16 hex digits, as `swarm token list` shows)", c.Param("token")))
	}
	rec, found := a.lookupToken(id)
	if !found {
		return echo.NewHTTPError(http.StatusNotFound, "no API token with id "+id+": `swarm token list` shows them")
	}
	now := a.now()
	if rec.Revoked != nil {
		return c.JSON(http.StatusOK, rec.info(now))
	}
	if !rec.ReadOnly && rec.status(now) == "active" && a.countAdminTokens(now) == 1 {
		return echo.NewHTTPError(http.StatusConflict, "token "+id+" is the last active token with full rights; create another with `swarm token create` first")
	}
	if node := ownerNode(rec); node != "" && rec.status(now) == "active" && c.QueryParam("force") != "true" {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf(
			"token %s is node %s's own (its <state-dir>/%s): revoked, the CLI and companion servers on %s get 401 until that file is removed and its agent restarted; revoke it anyway with --force",
			id, node, api.TokenFile, node))
	}
	t := now.UTC()
	rec.Revoked = &t
	if _, err := a.store.Put(store.TokenKey(id), store.MustJSON(rec)); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "store the revocation: "+err.Error())
	}
	a.log.Info("API token revoked", "id", id, "description", rec.Description)
	return c.JSON(http.StatusOK, rec.info(now))
}

func (a *Authority) countAdminTokens(now time.Time) int {
	n := 0
	for _, rec := range a.Records() {
		if !rec.ReadOnly && rec.status(now) == "active" {
			n++
		}
	}
	return n
}
