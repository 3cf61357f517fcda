package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

// API tokens look like swarmapi-<id>.<secret>: the id names the token in lists and in
// revocations, the secret proves it. The store keeps only the SHA-256 of the whole token:
// the secret is 256 random bits, so a plain hash cannot be reversed, and no slow hash is
// needed.
const tokenPrefix = "swarmapi-"

// TokenRecord is a token as the store keeps it. A revoked token stays as a record with
// Revoked set rather than being deleted: a delete becomes a tombstone that expires, after
// which a node that was down long enough could bring the token back.
type TokenRecord struct {
	ID          string    `json:"id"`
	Description string    `json:"description,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
	ReadOnly    bool      `json:"readOnly,omitempty"`
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"createdBy,omitempty"` // a node, or the id of the token that asked
	// TTL is how long the token lives, counted on each node's own clock from when the
	// record was written (the store's Entry.Received), so that a node whose clock is off
	// neither cuts the token short nor keeps it alive longer.
	TTL *metav1.Duration `json:"ttl,omitempty"`
	// Expires is an absolute expiry, which records written before TTL existed carry and
	// which is still honoured; new records have TTL instead.
	Expires *time.Time `json:"expires,omitempty"`
	Revoked *time.Time `json:"revoked,omitempty"`

	received time.Time // when this node holds the record as written, from the store
}

// expiry is when the token expires on this node's clock, nil if it does not.
func (r TokenRecord) expiry() *time.Time {
	if r.TTL != nil {
		t := r.received.Add(r.TTL.Duration).UTC()
		return &t
	}
	return r.Expires
}

// status is active, expired or revoked.
func (r TokenRecord) status(now time.Time) string {
	switch exp := r.expiry(); {
	case r.Revoked != nil:
		return "revoked"
	case exp != nil && !now.Before(*exp):
		return "expired"
	}
	return "active"
}

// info is the record as the API shows it.
func (r TokenRecord) info(now time.Time) api.TokenInfo {
	return api.TokenInfo{ID: r.ID, Description: r.Description, ReadOnly: r.ReadOnly, Created: r.Created,
		CreatedBy: r.CreatedBy, Expires: r.expiry(), Revoked: r.Revoked, Status: r.status(now)}
}

// mintToken makes a new random token and the record that admits it.
func mintToken(description, createdBy string, readOnly bool, ttl time.Duration, now time.Time) (string, TokenRecord, error) {
	id := make([]byte, 8)
	secret := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return "", TokenRecord{}, err
	}
	if _, err := rand.Read(secret); err != nil {
		return "", TokenRecord{}, err
	}
	token := tokenPrefix + hex.EncodeToString(id) + "." + base64.RawURLEncoding.EncodeToString(secret)
	rec := TokenRecord{
		ID: hex.EncodeToString(id), Description: description, SHA256: tokenHash(token),
		ReadOnly: readOnly, Created: now.UTC(), CreatedBy: createdBy, received: now,
	}
	if ttl > 0 {
		rec.TTL = &metav1.Duration{Duration: ttl}
	}
	return token, rec, nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// tokenID is the id part of a token, or the argument itself when it is already an id.
func tokenID(s string) (string, bool) {
	s = strings.TrimPrefix(s, tokenPrefix)
	id, _, _ := strings.Cut(s, ".")
	if len(id) != 16 {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

// errTokenRefused is the answer for a token that is unknown or whose secret is wrong: the
// two are not told apart, so that ids cannot be probed.
var errTokenRefused = errors.New("the API token is not valid: check it, or create one with `swarm token create` on a node")

// checkToken says whether token is admitted by its record (found by lookup), in constant
// time over the secret.
func checkToken(token string, lookup func(id string) (TokenRecord, bool), now time.Time) (TokenRecord, error) {
	id, ok := tokenID(token)
	if !ok || !strings.HasPrefix(token, tokenPrefix) {
		return TokenRecord{}, errTokenRefused
	}
	rec, found := lookup(id)
	want, _ := hex.DecodeString(rec.SHA256)
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(want, got[:]) != 1 || !found {
		return TokenRecord{}, errTokenRefused
	}
	switch rec.status(now) {
	case "revoked":
		return rec, fmt.Errorf("the API token %s was revoked on %s", rec.ID, rec.Revoked.Format(time.RFC3339))
	case "expired":
		return rec, fmt.Errorf("the API token %s expired on %s: create a new one with `swarm token create`", rec.ID, rec.expiry().Format(time.RFC3339))
	}
	return rec, nil
}

// decodeTokenRecord decodes a record that this node holds as written at received.
func decodeTokenRecord(value []byte, received time.Time) (TokenRecord, error) {
	var r TokenRecord
	err := json.Unmarshal(value, &r)
	r.received = received
	return r, err
}
