package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/api"
)

// manualClock is a Config.Clock that moves only when the test says, so that token
// lifetimes can be checked without racing the real clock.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// A token that lives one second is refused after one second by a node whose clock is an
// hour slow: the lifetime is counted on each node's own clock from when the record was
// written there, not against an expiry time written by another node's clock.
func TestTokenLifetimeIgnoresClockSkew(t *testing.T) {
	t0 := time.Now()
	clocks := []*manualClock{{t: t0}, {t: t0.Add(-time.Hour)}}
	agents := startAgents(t, 2, func(i int, c *Config) { c.Clock = clocks[i].now })

	var created api.NewToken
	if code := call(t, agents[0], "POST", "/api/v1/tokens", "application/json", []byte(`{"ttl":"1s"}`), &created); code != http.StatusCreated {
		t.Fatalf("create: HTTP %d", code)
	}
	if created.Expires == nil || !created.Expires.Equal(t0.Add(time.Second)) {
		t.Fatalf("expires %v, want a second after creation on n0's clock", created.Expires)
	}
	eventually(t, 5*time.Second, "n1 admits the new token", func() bool {
		return callAs(t, agents[1], created.Token, "GET", "/api/v1/nodes", "", nil, nil) == http.StatusOK
	})

	clocks[1].advance(time.Second)
	var e api.APIError
	if code := callAs(t, agents[1], created.Token, "GET", "/api/v1/nodes", "", nil, &e); code != http.StatusUnauthorized || !strings.Contains(e.Message, "expired") {
		t.Fatalf("n1, a second later by its clock: HTTP %d %q, want 401 expired", code, e.Message)
	}
	// n0's clock has not moved: the token lives there until it has.
	if code := callAs(t, agents[0], created.Token, "GET", "/api/v1/nodes", "", nil, nil); code != http.StatusOK {
		t.Fatalf("n0 before a second passed there: HTTP %d", code)
	}
	clocks[0].advance(time.Second)
	if code := callAs(t, agents[0], created.Token, "GET", "/api/v1/nodes", "", nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("n0 a second later: HTTP %d, want 401", code)
	}
}

// A record written before lifetimes were kept carries an absolute expiry, which still
// holds.
func TestAbsoluteExpiryStillHolds(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	a := startAgents(t, 1, func(_ int, c *Config) { c.Clock = clock.now })[0]
	// The record as an older version wrote it: an absolute expiry, no ttl.
	const id = "00112233aabbccdd"
	token := "swarmapi-" + id + ".c2VjcmV0LW9mLWFuLW9sZGVyLXRva2Vu"
	sum := sha256.Sum256([]byte(token))
	exp := clock.now().Add(time.Minute).UTC()
	rec := map[string]any{"id": id, "description": "from an older version", "sha256": hex.EncodeToString(sum[:]),
		"created": clock.now().UTC(), "createdBy": "n0", "expires": exp}
	buf, _ := json.Marshal(rec)
	if _, err := a.Node().Put(store.TokenKey(id), buf); err != nil {
		t.Fatal(err)
	}
	if code := callAs(t, a, token, "GET", "/api/v1/nodes", "", nil, nil); code != http.StatusOK {
		t.Fatalf("before its expiry: HTTP %d", code)
	}
	var list struct{ Items []api.TokenInfo }
	call(t, a, "GET", "/api/v1/tokens", "", nil, &list)
	for _, it := range list.Items {
		if it.ID == id && (it.Expires == nil || !it.Expires.Equal(exp)) {
			t.Errorf("listed expiry %v, want %v", it.Expires, exp)
		}
	}
	clock.advance(time.Minute)
	var e api.APIError
	if code := callAs(t, a, token, "GET", "/api/v1/nodes", "", nil, &e); code != http.StatusUnauthorized || !strings.Contains(e.Message, "expired") {
		t.Fatalf("after its expiry: HTTP %d %q", code, e.Message)
	}
}
