package api

import "time"

// TokenRequest is the body of POST /api/v1/tokens.
type TokenRequest struct {
	Description string `json:"description"`
	ReadOnly    bool   `json:"readOnly"`
	// TTL is how long the token lives, as a Go duration ("720h"); empty: until revoked.
	TTL string `json:"ttl"`
}

// TokenInfo is a token as the API shows it: never its secret or hash.
type TokenInfo struct {
	ID          string     `json:"id"`
	Description string     `json:"description,omitempty"`
	ReadOnly    bool       `json:"readOnly"`
	Created     time.Time  `json:"created"`
	CreatedBy   string     `json:"createdBy,omitempty"`
	Expires     *time.Time `json:"expires,omitempty"`
	Revoked     *time.Time `json:"revoked,omitempty"`
	Status      string     `json:"status"`
}

// NewToken is the answer to a token creation: the only time the secret is shown.
type NewToken struct {
	Token string `json:"token"`
	TokenInfo
}
