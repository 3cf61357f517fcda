package dns

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/podman-swarm/podman-swarm/discovery"
)

// fakeAgent serves GET /api/v1/endpoints and /api/v1/dns/whitelist from values the test
// changes; with a token set, it answers 401 to requests without it.
type fakeAgent struct {
	*httptest.Server
	mu        sync.Mutex
	services  []discovery.Service
	whitelist WhitelistSpec
	status    int
	token     string
}

func startAgent(t *testing.T, services []discovery.Service) *fakeAgent {
	a := &fakeAgent{services: services, status: http.StatusOK}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.token != "" && r.Header.Get("Authorization") != "Bearer "+a.token {
			http.Error(w, `{"message":"no token"}`, http.StatusUnauthorized)
			return
		}
		var body any
		switch r.URL.Path {
		case "/api/v1/endpoints":
			body = endpointList{Items: a.services}
		case "/api/v1/dns/whitelist":
			body = a.whitelist
		default:
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(a.status)
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *fakeAgent) set(services []discovery.Service, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.services, a.status = services, status
}

func (a *fakeAgent) setWhitelist(wl WhitelistSpec) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.whitelist = wl
}

func followHandler(f *Follower) *Handler {
	return NewHandler(HandlerConfig{Domain: "cluster.local", TTL: 5 * time.Second, Source: f})
}

var webA = section{
	"web.shop.svc.cluster.local. 5 IN A 10.0.0.1",
	"web.shop.svc.cluster.local. 5 IN A 10.0.0.2",
}

func TestFollowerKeepsTheLastKnownState(t *testing.T) {
	ctx := context.Background()
	agent := startAgent(t, fixture())
	state := filepath.Join(t.TempDir(), "dns", "state.json")
	f, err := NewFollower(FollowerConfig{Agent: agent.URL, StateFile: state, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := followHandler(f)
	if m := query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA); m.Rcode != mdns.RcodeNameError {
		t.Errorf("before the first poll: %s, want NXDOMAIN", mdns.RcodeToString[m.Rcode])
	}
	f.Poll(ctx)
	check(t, query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, webA)
	serial := f.Catalog().Serial()
	if !f.Whitelist().Allows("other.org.") {
		t.Error("a disabled whitelist refuses a name")
	}
	agent.setWhitelist(WhitelistSpec{Enabled: true, Hosts: []string{"example.com"}})
	f.Poll(ctx)
	if f.Whitelist().Allows("other.org.") || !f.Whitelist().Allows("www.example.com.") {
		t.Error("the follower does not apply the agent's whitelist")
	}

	// A change: web-2 is no longer ready.
	changed := fixture()
	changed[0].Endpoints[1].Ready = false
	agent.set(changed, http.StatusOK)
	f.Poll(ctx)
	check(t, query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{"web.shop.svc.cluster.local. 5 IN A 10.0.0.1"})
	if f.Catalog().Serial() <= serial {
		t.Errorf("serial %d after a change, was %d", f.Catalog().Serial(), serial)
	}

	// An agent in trouble, then gone: the last good answer stays.
	agent.set(nil, http.StatusInternalServerError)
	f.Poll(ctx)
	agent.Close()
	f.Poll(ctx)
	check(t, query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{"web.shop.svc.cluster.local. 5 IN A 10.0.0.1"})

	// A restart while the agent is down answers from the state file at once.
	f2, err := NewFollower(FollowerConfig{Agent: agent.URL, StateFile: state, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h2 := followHandler(f2)
	check(t, query(t, h2, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{"web.shop.svc.cluster.local. 5 IN A 10.0.0.1"})
	f2.Poll(ctx)
	check(t, query(t, h2, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, section{"web.shop.svc.cluster.local. 5 IN A 10.0.0.1"})
	if f2.Whitelist().Allows("other.org.") || !f2.Whitelist().Allows("example.com.") {
		t.Error("a restart while the agent is down lost the whitelist")
	}
}

// TestFollowerSendsItsToken: an agent that wants a token gets it, and one the follower does
// not have keeps the last state (the agent's 401 is a failure like any other).
func TestFollowerSendsItsToken(t *testing.T) {
	agent := startAgent(t, fixture())
	agent.token = "swarmapi-right"
	for token, want := range map[string]int{"swarmapi-right": 2, "swarmapi-wrong": 0, "": 0} {
		f, err := NewFollower(FollowerConfig{Agent: agent.URL, Token: token, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		f.Poll(context.Background())
		if got := len(query(t, followHandler(f), "web.shop.svc.cluster.local.", mdns.TypeA).Answer); got != want {
			t.Errorf("token %q: %d answers, want %d", token, got, want)
		}
	}
}

func TestFollowerStartFollowsChanges(t *testing.T) {
	agent := startAgent(t, nil)
	f, err := NewFollower(FollowerConfig{Agent: agent.URL, Timeout: time.Second, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	run(t, "follower", f)

	agent.set(fixture(), http.StatusOK)
	h := followHandler(f)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA); len(m.Answer) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the follower did not pick up the agent's endpoints")
		}
	}
}

func TestFollowerBrokenStateFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(state, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFollower(FollowerConfig{Agent: "http://127.0.0.1:1", StateFile: state}); err == nil {
		t.Error("a broken state file was taken")
	}
}

// A token file that appears after the follower started (a fresh agent writes it a moment
// after its companions start) is picked up at the next poll.
func TestFollowerReadsTheTokenFileAtEachPoll(t *testing.T) {
	agent := startAgent(t, fixture())
	agent.token = "swarmapi-late"
	file := filepath.Join(t.TempDir(), "api-token")
	f, err := NewFollower(FollowerConfig{Agent: agent.URL, TokenFile: file, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := followHandler(f)
	f.Poll(context.Background())
	if n := len(query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA).Answer); n != 0 {
		t.Fatalf("%d answers without a token", n)
	}
	writeFile(t, file, "swarmapi-late\n")
	f.Poll(context.Background())
	check(t, query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, webA)
}

// Answers the follower cannot use change nothing, not even the endpoints that came with a bad
// whitelist; once the agent answers well again they are applied, and the same answers again
// change nothing (they are not even decoded).
func TestFollowerRetriesAnAnswerItCouldNotUse(t *testing.T) {
	ctx := context.Background()
	agent := startAgent(t, fixture())
	f, err := NewFollower(FollowerConfig{Agent: agent.URL, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := followHandler(f)
	f.Poll(ctx)
	check(t, query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, webA)

	agent.set(nil, http.StatusOK)
	agent.setWhitelist(WhitelistSpec{Enabled: true, Hosts: []string{"not a host"}})
	for range 2 {
		f.Poll(ctx)
		check(t, query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA), mdns.RcodeSuccess, webA)
	}
	agent.setWhitelist(WhitelistSpec{})
	f.Poll(ctx)
	if m := query(t, h, "web.shop.svc.cluster.local.", mdns.TypeA); m.Rcode != mdns.RcodeNameError {
		t.Errorf("after the whitelist was fixed: %s, want NXDOMAIN (the Service is gone)", mdns.RcodeToString[m.Rcode])
	}
	serial := f.Catalog().Serial()
	f.Poll(ctx) // the same answers: nothing changes
	if f.Catalog().Serial() != serial {
		t.Errorf("serial %d after the same answers, was %d", f.Catalog().Serial(), serial)
	}
}
