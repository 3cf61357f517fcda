package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/cluster"
	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// tokenContextKey is where the authenticated token's record is kept in a request.
const tokenContextKey = "swarm.token"

// lookupToken reads a token record from the store.
func (a *Agent) lookupToken(id string) (TokenRecord, bool) {
	e, ok := a.node.Get(keyToken(id))
	if !ok || e.Deleted {
		return TokenRecord{}, false
	}
	rec, err := decodeTokenRecord(e.Value)
	if err != nil {
		a.log.Warn("skipping undecodable token record", "key", e.Key, "err", err)
		return TokenRecord{}, false
	}
	return rec, true
}

// authenticate admits a request with a valid bearer token: 401 without one or with a bad
// one, 403 for a write with a read-only token.
func (a *Agent) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.cfg.NoAuth {
			return next(c)
		}
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="swarm"`)
		scheme, token, _ := strings.Cut(c.Request().Header.Get("Authorization"), " ")
		if token == "" || !strings.EqualFold(scheme, "Bearer") {
			return echo.NewHTTPError(http.StatusUnauthorized,
				"this API needs a token (Authorization: Bearer ...): pass --token or set SWARM_TOKEN; on a node, the CLI reads "+
					"the agent's <state-dir>/"+APITokenFile+" by itself")
		}
		rec, err := checkToken(strings.TrimSpace(token), a.lookupToken, time.Now())
		if err != nil {
			return echo.NewHTTPError(http.StatusUnauthorized, err.Error())
		}
		if rec.ReadOnly && c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
			return echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("the API token %s is read-only: it cannot %s %s", rec.ID, c.Request().Method, c.Request().URL.Path))
		}
		c.Set(tokenContextKey, rec)
		return next(c)
	}
}

// ensureNodeToken gives this node a token of its own in <state-dir>/api-token, so that the
// CLI and the companion servers on the node work without flags. The founding node's token
// is the cluster's first, the admin's. A token file whose record the store lacks (a store
// lost or reset) is registered again; one that was revoked is left revoked and reported.
func (a *Agent) ensureNodeToken(founding bool) error {
	path := filepath.Join(a.cfg.StateDir, APITokenFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return a.registerNodeToken(path, strings.TrimSpace(string(data)))
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("read this node's API token: %w", err)
	}
	desc := "node " + a.cfg.NodeName
	if founding {
		desc = "admin, created by the founding node " + a.cfg.NodeName
	}
	token, rec, err := mintToken(desc, a.cfg.NodeName, false, 0, time.Now())
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("write this node's API token: %w", err)
	}
	if _, err := a.node.Put(keyToken(rec.ID), mustJSON(rec)); err != nil {
		return fmt.Errorf("store this node's API token: %w", err)
	}
	a.log.Info("API token created: the CLI on this node uses it by itself; elsewhere pass it with --token or SWARM_TOKEN",
		"file", path, "id", rec.ID)
	return nil
}

func (a *Agent) registerNodeToken(path, token string) error {
	id, ok := tokenID(token)
	if !ok || !strings.HasPrefix(token, tokenPrefix) {
		return fmt.Errorf("%s does not hold an API token; remove it and restart the agent to get a new one", path)
	}
	if rec, found := a.lookupToken(id); found {
		if rec.Revoked != nil {
			a.log.Warn("this node's API token was revoked: the CLI on this node needs --token; remove the file and restart the agent for a new one",
				"file", path, "id", id)
		}
		return nil
	}
	rec := TokenRecord{ID: id, Description: "node " + a.cfg.NodeName + " (registered again)", SHA256: tokenHash(token),
		Created: time.Now().UTC(), CreatedBy: a.cfg.NodeName}
	if _, err := a.node.Put(keyToken(id), mustJSON(rec)); err != nil {
		return fmt.Errorf("store this node's API token: %w", err)
	}
	return nil
}

// TokenRequest is the body of POST /api/v1/tokens.
type TokenRequest struct {
	Description string `json:"description"`
	ReadOnly    bool   `json:"readOnly"`
	// TTL is how long the token lives, as a Go duration ("720h"); empty: until revoked.
	TTL string `json:"ttl"`
}

func (a *Agent) createToken(c echo.Context) error {
	var req TokenRequest
	if err := bindJSON(c, &req); err != nil {
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
	createdBy := a.cfg.NodeName
	if rec, ok := c.Get(tokenContextKey).(TokenRecord); ok {
		createdBy = "token " + rec.ID
	}
	token, rec, err := mintToken(req.Description, createdBy, req.ReadOnly, ttl, time.Now())
	if err != nil {
		return err
	}
	ack, err := cluster.ParseAck(c.QueryParam("ack"))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	_, err = a.node.Write(c.Request().Context(), []cluster.Change{{Key: keyToken(rec.ID), Value: mustJSON(rec)}}, ack)
	if errors.Is(err, cluster.ErrNotConfirmed) {
		a.log.Info("API token created, not confirmed by another node", "id", rec.ID, "by", createdBy)
		return echo.NewHTTPError(http.StatusServiceUnavailable, err.Error()+
			"; the token was not handed out: revoke its id "+rec.ID+" and create another")
	}
	if err != nil {
		return storeWriteError(err, "no token was created")
	}
	a.log.Info("API token created", "id", rec.ID, "description", rec.Description, "read_only", rec.ReadOnly, "by", createdBy)
	return c.JSON(http.StatusCreated, NewToken{Token: token, TokenInfo: rec.info(time.Now())})
}

func (a *Agent) tokenRecords() []TokenRecord {
	var out []TokenRecord
	for _, e := range a.node.List(prefixToken) {
		rec, err := decodeTokenRecord(e.Value)
		if err != nil {
			continue
		}
		out = append(out, rec)
	}
	return out
}

func (a *Agent) listTokens(c echo.Context) error {
	now := time.Now()
	var items []any
	for _, rec := range a.tokenRecords() {
		items = append(items, rec.info(now))
	}
	return c.JSON(http.StatusOK, newList(items))
}

// revokeToken revokes by id or by the whole token. It refuses to revoke the last active
// token with full rights, which would lock everyone out of the cluster.
func (a *Agent) revokeToken(c echo.Context) error {
	id, ok := tokenID(c.Param("token"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("%q is neither a token nor a token id (16 hex digits, as `swarm token list` shows)", c.Param("token")))
	}
	rec, found := a.lookupToken(id)
	if !found {
		return echo.NewHTTPError(http.StatusNotFound, "no API token with id "+id+": `swarm token list` shows them")
	}
	now := time.Now()
	if rec.Revoked != nil {
		return c.JSON(http.StatusOK, rec.info(now))
	}
	if !rec.ReadOnly && rec.status(now) == "active" && a.countAdminTokens(now) == 1 {
		return echo.NewHTTPError(http.StatusConflict, "token "+id+" is the last active token with full rights; create another with `swarm token create` first")
	}
	t := now.UTC()
	rec.Revoked = &t
	if _, err := a.node.Put(keyToken(id), mustJSON(rec)); err != nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "store the revocation: "+err.Error())
	}
	a.log.Info("API token revoked", "id", id, "description", rec.Description)
	return c.JSON(http.StatusOK, rec.info(now))
}

func (a *Agent) countAdminTokens(now time.Time) int {
	n := 0
	for _, rec := range a.tokenRecords() {
		if !rec.ReadOnly && rec.status(now) == "active" {
			n++
		}
	}
	return n
}

// bindJSON decodes a JSON body strictly: 415 for another content type, 400 for bad JSON or
// unknown fields.
func bindJSON(c echo.Context, into any) error {
	if err := requireContentType(c, "application/json"); err != nil {
		return err
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "the request body is not the JSON expected: "+err.Error())
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "the request body holds more than one JSON value")
	}
	return nil
}

// requireContentType answers 415 unless the body's media type is one of want (parameters
// such as charset ignored). A missing Content-Type is accepted: hand-written clients often
// send none.
func requireContentType(c echo.Context, want ...string) error {
	ct := c.Request().Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	media, _, _ := strings.Cut(ct, ";")
	media = strings.ToLower(strings.TrimSpace(media))
	for _, w := range want {
		if media == w {
			return nil
		}
	}
	return echo.NewHTTPError(http.StatusUnsupportedMediaType,
		fmt.Sprintf("Content-Type %q is not accepted here: send %s", ct, strings.Join(want, " or ")))
}
