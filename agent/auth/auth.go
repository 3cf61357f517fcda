// Package auth is the API's token authority: it mints API tokens and keeps their records
// (a hash, never the secret) in the store, admits each request by its bearer token, lets
// it through by the right its route's rule asks for (Authorize), and serves the token
// endpoints. Every agent also gives its own node a token at start, in
// <state-dir>/api-token, which the CLI and the companion servers on the node read.
package auth

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/cluster"
)

// Store is the part of the cluster store the token records live in.
type Store interface {
	Get(key string) (cluster.Entry, bool)
	Put(key string, value []byte) (cluster.Version, error)
	Write(ctx context.Context, changes []cluster.Change, ack cluster.Ack) (cluster.Version, error)
	List(prefix string) []cluster.Entry
}

// Authority checks and manages the API tokens of the cluster from one node.
type Authority struct {
	store    Store
	nodeName string
	noAuth   bool
	now      func() time.Time // the wall clock token lifetimes are counted on
	log      *slog.Logger
}

// New is the token authority of node nodeName. With noAuth it admits every request. now
// is this node's wall clock (nil: time.Now), on which token lifetimes are counted.
func New(s Store, nodeName string, noAuth bool, now func() time.Time, log *slog.Logger) *Authority {
	if now == nil {
		now = time.Now
	}
	return &Authority{store: s, nodeName: nodeName, noAuth: noAuth, now: now, log: log.With("component", "auth")}
}

// tokenContextKey is where the authenticated token's record is kept in a request.
const tokenContextKey = "swarm.token"

// lookupToken reads a token record from the store.
func (a *Authority) lookupToken(id string) (TokenRecord, bool) {
	e, ok := a.store.Get(store.TokenKey(id))
	if !ok || e.Deleted {
		return TokenRecord{}, false
	}
	rec, err := decodeTokenRecord(e.Value, e.Received)
	if err != nil {
		a.log.Warn("skipping undecodable token record", "key", e.Key, "err", err)
		return TokenRecord{}, false
	}
	return a.withRemoval(rec), true
}

// withRemoval shows the token a node minted for itself as revoked once that node was
// removed from the cluster, whether or not the record says so yet. Removing a node revokes
// its tokens, but only those the removing node holds by then: a record still on its way
// (the node wrote it before it joined, say) would otherwise arrive later and stay valid.
func (a *Authority) withRemoval(rec TokenRecord) TokenRecord {
	if rec.Revoked != nil || rec.CreatedBy == "" || strings.HasPrefix(rec.CreatedBy, "token ") {
		return rec
	}
	e, ok := a.store.Get(cluster.RemovalKey(rec.CreatedBy))
	if !ok || e.Deleted {
		return rec
	}
	at := e.Received
	if r, err := cluster.ReadRemoval(e); err == nil && !r.At.IsZero() {
		at = r.At
	}
	at = at.UTC()
	rec.Revoked = &at
	return rec
}

// Authenticate admits a request with a valid bearer token, 401 without one or with a bad
// one. What the token may do is each route's Authorize.
func (a *Authority) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.noAuth {
			return next(c)
		}
		rec, err := a.authenticate(c)
		if err != nil {
			return err
		}
		c.Set(tokenContextKey, rec)
		return next(c)
	}
}

// authenticate checks the request's bearer token and returns its record, or the 401.
func (a *Authority) authenticate(c echo.Context) (TokenRecord, error) {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="swarm"`)
	scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
	if token == "" || !strings.EqualFold(scheme, "Bearer") {
		return TokenRecord{}, echo.NewHTTPError(http.StatusUnauthorized,
			"this API needs a token (Authorization: Bearer ...): pass --token or set SWARM_TOKEN; on a node, the CLI reads "+
				"the agent's <state-dir>/"+api.TokenFile+" by itself")
	}
	rec, err := checkToken(strings.TrimSpace(token), a.lookupToken, a.now())
	if err != nil {
		return TokenRecord{}, echo.NewHTTPError(http.StatusUnauthorized, err.Error())
	}
	return rec, nil
}
