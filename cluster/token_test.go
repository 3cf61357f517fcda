package cluster

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	a, err := newToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newToken()
	if a == b {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, tokenPrefix) {
		t.Fatalf("token %q lacks the prefix", a)
	}
	ka, err := gossipKey(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(ka) != 32 {
		t.Fatalf("key of %d bytes, want 32 (AES-256)", len(ka))
	}
	ka2, _ := gossipKey(" " + a + "\n")
	kb, _ := gossipKey(b)
	if !bytes.Equal(ka, ka2) {
		t.Fatal("the same token gave two keys")
	}
	if bytes.Equal(ka, kb) {
		t.Fatal("two tokens gave the same key")
	}
	secret, _ := parseToken(a)
	if bytes.Equal(secret, ka) {
		t.Fatal("the key is the token's secret itself, not derived from it")
	}
}

func TestParseTokenRejects(t *testing.T) {
	for _, tok := range []string{
		"",
		"swarm1-",
		"swarm1-not*base64",
		"swarm1-" + strings.Repeat("A", 42), // 31 bytes
		"swarm2-" + strings.Repeat("A", 43),
		strings.Repeat("A", 43),
	} {
		if _, err := parseToken(tok); !errors.Is(err, errBadToken) {
			t.Errorf("parseToken(%q) = %v, want errBadToken", tok, err)
		}
	}
}
