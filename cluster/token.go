package cluster

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// A join token is the one secret a new node needs: the gossip key is derived
// from it, so whoever holds it can read and write the cluster's gossip, and
// whoever does not cannot even be answered. It is "swarm1-" followed by 32
// random bytes in unpadded base64url.
const (
	tokenPrefix     = "swarm1-"
	tokenSecretSize = 32
	// gossipKeyInfo separates the gossip key from anything else that may one
	// day be derived from the same token.
	gossipKeyInfo = "podman-swarm gossip key v1"
)

var errBadToken = errors.New("not a join token")

// newToken returns a fresh random join token.
func newToken() (string, error) {
	secret := make([]byte, tokenSecretSize)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(secret), nil
}

// parseToken returns the secret of a token, or errBadToken.
func parseToken(token string) ([]byte, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(token), tokenPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: it should start with %q", errBadToken, tokenPrefix)
	}
	secret, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(secret) != tokenSecretSize {
		return nil, fmt.Errorf("%w: it should carry %d bytes in base64url", errBadToken, tokenSecretSize)
	}
	return secret, nil
}

// gossipKey derives the 32-byte AES-256-GCM key of memberlist's keyring from a
// token.
func gossipKey(token string) ([]byte, error) {
	secret, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Key(sha256.New, secret, nil, gossipKeyInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("derive gossip key: %w", err)
	}
	return key, nil
}
