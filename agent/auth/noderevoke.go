package auth

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
)

// A node removed from the cluster loses the API tokens it minted for itself: the one in
// its <state-dir>/api-token (the admin token, when it founded the cluster), recorded with
// the node's name as CreatedBy. Tokens that someone made with those tokens (CreatedBy
// "token <id>") stay: people make them on a node for scripts and other machines, and
// revoking them unasked would break those. They are listed instead, so that whoever
// removes the node can revoke them too.

// nodeTokens splits the records into those node minted for itself and are not revoked yet
// (own), and the active tokens made with one of node's tokens, directly or through another
// such token (madeWith).
func nodeTokens(records []TokenRecord, node string, now time.Time) (own, madeWith []TokenRecord) {
	mine := map[string]bool{}
	for _, rec := range records {
		if rec.CreatedBy == node {
			mine[rec.ID] = true
			if rec.Revoked == nil {
				own = append(own, rec)
			}
		}
	}
	// Follow the chain of "token <id>" until it adds nothing.
	for grew := true; grew; {
		grew = false
		for _, rec := range records {
			parent, ok := strings.CutPrefix(rec.CreatedBy, "token ")
			if ok && mine[parent] && !mine[rec.ID] {
				mine[rec.ID], grew = true, true
				if rec.status(now) == "active" {
					madeWith = append(madeWith, rec)
				}
			}
		}
	}
	byID := func(a, b TokenRecord) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(own, byID)
	slices.SortFunc(madeWith, byID)
	return own, madeWith
}

// adminsLeft counts the active tokens with full rights that revoking those would leave.
func adminsLeft(records, revoking []TokenRecord, now time.Time) int {
	n := 0
	for _, rec := range records {
		gone := slices.ContainsFunc(revoking, func(r TokenRecord) bool { return r.ID == rec.ID })
		if !gone && !rec.ReadOnly && rec.status(now) == "active" {
			n++
		}
	}
	return n
}

// CheckRevokeNode refuses, with a 409, to revoke node's tokens when that would leave no
// active token with full rights: no one could change the cluster any more. Call it before
// removing the node, so that nothing changes when it refuses.
func (a *Authority) CheckRevokeNode(node string) error {
	if a.noAuth {
		return nil
	}
	now := a.now()
	records := a.Records()
	own, _ := nodeTokens(records, node, now)
	if len(own) > 0 && adminsLeft(records, own, now) == 0 {
		return echo.NewHTTPError(http.StatusConflict, fmt.Sprintf(
			"removing %s would revoke the last active API token with full rights; create another with `swarm token create` first", node))
	}
	return nil
}

// RevokeNode revokes every API token node minted for itself, on every node, and returns
// them with the active tokens that were made with them and stay.
func (a *Authority) RevokeNode(node string) (revoked, madeWith []api.TokenInfo, err error) {
	now := a.now()
	own, derived := nodeTokens(a.Records(), node, now)
	for _, rec := range own {
		t := now.UTC()
		rec.Revoked = &t
		if _, err := a.store.Put(store.TokenKey(rec.ID), store.MustJSON(rec)); err != nil {
			return revoked, nil, fmt.Errorf("revoke the API token %s of node %s: %w", rec.ID, node, err)
		}
		a.log.Info("API token revoked: its node was removed", "id", rec.ID, "description", rec.Description, "node", node)
		revoked = append(revoked, rec.info(now))
	}
	for _, rec := range derived {
		madeWith = append(madeWith, rec.info(now))
	}
	return revoked, madeWith, nil
}
