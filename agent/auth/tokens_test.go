package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A minted token is admitted by its record alone; a forged secret, an unknown id, a
// revoked or an expired token are refused, the first two alike.
func TestMintAndCheckToken(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	token, rec, err := mintToken("ci", "n1", false, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, tokenPrefix+rec.ID+".") || strings.Contains(rec.SHA256, token) || rec.TTL == nil || rec.TTL.Duration != time.Hour || !rec.expiry().Equal(now.Add(time.Hour)) {
		t.Fatalf("token %q, record %+v", token, rec)
	}
	records := map[string]TokenRecord{rec.ID: rec}
	lookup := func(id string) (TokenRecord, bool) { r, ok := records[id]; return r, ok }

	if got, err := checkToken(token, lookup, now); err != nil || got.ID != rec.ID {
		t.Errorf("check: %+v, %v", got, err)
	}
	forged := token[:len(token)-4] + "AAAA"
	if _, err := checkToken(forged, lookup, now); !errors.Is(err, errTokenRefused) {
		t.Errorf("forged secret: %v", err)
	}
	if _, err := checkToken(tokenPrefix+"0123456789abcdef.x", lookup, now); !errors.Is(err, errTokenRefused) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := checkToken(token, lookup, now.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired: %v", err)
	}
	revoked := now.Add(time.Minute)
	rec.Revoked = &revoked
	records[rec.ID] = rec
	if _, err := checkToken(token, lookup, now.Add(2*time.Minute)); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked: %v", err)
	}
}

func TestTokenID(t *testing.T) {
	for in, want := range map[string]string{
		"swarmapi-0123456789abcdef.secret": "0123456789abcdef",
		"0123456789abcdef":                 "0123456789abcdef",
		"swarmapi-0123.secret":             "",
		"swarmapi-0123456789abcdeg.secret": "",
	} {
		got, ok := tokenID(in)
		if got != want || ok != (want != "") {
			t.Errorf("tokenID(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
