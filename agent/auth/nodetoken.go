package auth

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// EnsureNodeToken gives this node a token of its own in <state-dir>/api-token, so that the
// CLI and the companion servers on the node work without flags. The founding node's token
// is the cluster's first, the admin's. A token file whose record the store lacks (a store
// lost or reset) is registered again; one that was revoked is left revoked and reported.
func (a *Authority) EnsureNodeToken(stateDir string, founding bool) error {
	path := filepath.Join(stateDir, api.TokenFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		return a.registerNodeToken(path, strings.TrimSpace(string(data)))
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("read this node's API token: %w", err)
	}
	desc := ownTokenDescription(a.nodeName)
	if founding {
		desc = founderTokenDescription(a.nodeName)
	}
	token, rec, err := mintToken(desc, a.nodeName, false, 0, a.now())
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("write this node's API token: %w", err)
	}
	if _, err := a.store.Put(store.TokenKey(rec.ID), store.MustJSON(rec)); err != nil {
		return fmt.Errorf("store this node's API token: %w", err)
	}
	a.log.Info("API token created: the CLI on this node uses it by itself; elsewhere pass it with --token or SWARM_TOKEN",
		"file", path, "id", rec.ID)
	return nil
}

func (a *Authority) registerNodeToken(path, token string) error {
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
	rec := TokenRecord{ID: id, Description: registeredAgainDescription(a.nodeName), SHA256: tokenHash(token),
		Created: a.now().UTC(), CreatedBy: a.nodeName}
	if _, err := a.store.Put(store.TokenKey(id), store.MustJSON(rec)); err != nil {
		return fmt.Errorf("store this node's API token: %w", err)
	}
	return nil
}

// ownerNode is the node whose own token rec is (the one in its <state-dir>/api-token):
// such a token is recorded with the node's name as CreatedBy, where a token made through
// the API says "token <id>", and with the description EnsureNodeToken gives it, which
// tells it from one made through an API that checks no tokens (also the node's name).
// "" for any other token.
func ownerNode(rec TokenRecord) string {
	node := rec.CreatedBy
	if node == "" || strings.HasPrefix(node, "token ") {
		return ""
	}
	switch rec.Description {
	case ownTokenDescription(node), founderTokenDescription(node), registeredAgainDescription(node):
		return node
	}
	return ""
}

// The descriptions of a node's own tokens: made by a node that joined, by the founding
// node, and registered again from the file after the store lost the record.
func ownTokenDescription(node string) string { return "node " + node }
func founderTokenDescription(node string) string {
	return "admin, created by the founding node " + node
}
func registeredAgainDescription(node string) string { return "node " + node + " (registered again)" }
