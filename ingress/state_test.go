package ingress

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/discovery"
)

func TestTargets(t *testing.T) {
	st := &State{Services: []discovery.Service{{
		Namespace: "default", Name: "web",
		Ports: []discovery.Port{{Name: "http", Port: 80, Protocol: "TCP"}, {Name: "admin", Port: 9000, Protocol: "TCP"}},
		Endpoints: []discovery.Endpoint{
			{Pod: "web-a", Node: "n1", Address: "198.18.0.11", Ready: true, Ports: []discovery.Port{{Name: "http", Port: 18080, Protocol: "TCP"}, {Name: "admin", Port: 19000, Protocol: "TCP"}}},
			{Pod: "web-b", Node: "n2", Address: "198.18.0.12", Ready: true, Ports: []discovery.Port{{Name: "http", Port: 8080, Protocol: "TCP"}}},
			{Pod: "web-c", Node: "n3", Address: "198.18.0.13", Ports: []discovery.Port{{Name: "http", Port: 8080, Protocol: "TCP"}}},
		},
	}, {Namespace: "default", Name: "empty", Ports: []discovery.Port{{Port: 80, Protocol: "TCP"}}, Endpoints: []discovery.Endpoint{}}}}
	be := func(svc string, num int32, name string) Backend {
		return Backend{Namespace: "default", Service: svc, Port: networkingv1.ServiceBackendPort{Number: num, Name: name}}
	}
	cases := []struct {
		name    string
		b       Backend
		want    []target
		wantErr string
	}{
		{"by number", be("web", 80, ""), []target{{"198.18.0.11:18080", false}, {"198.18.0.12:8080", true}}, ""},
		{"by name", be("web", 0, "admin"), []target{{"198.18.0.11:19000", false}}, ""},
		{"unknown port", be("web", 81, ""), nil, "service default/web has no port 81"},
		{"unknown name", be("web", 0, "grpc"), nil, "service default/web has no port grpc"},
		{"unknown service", be("nope", 80, ""), nil, "service default/nope not found"},
		{"no endpoint", be("empty", 80, ""), nil, "no ready endpoint for default/empty:80"},
	}
	for _, c := range cases {
		got, err := st.targets(c.b, "n2", "")
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("%s: err = %v, want %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: targets = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	// By address: the node name may be unknown to the ingress.
	got, _ := st.targets(be("web", 80, ""), "", "198.18.0.11")
	if !got[0].local || got[1].local {
		t.Errorf("local by address: %v", got)
	}
}

// The follower sends its token; an agent that refuses it is an error that leaves the state as
// it was, not an empty state.
func TestFollowerSendsItsToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer swarmapi-right" {
			http.Error(w, `{"message":"no"}`, http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"items":[]}`)
	}))
	defer srv.Close()
	for token, wantErr := range map[string]bool{"swarmapi-right": false, "swarmapi-wrong": true, "": true} {
		s := runIngress(t, Config{Agent: srv.URL, AgentToken: token}, false)
		err := s.Follower().Poll(context.Background())
		st := s.snap.Load().state
		if (err != nil) != wantErr || (err == nil) != (st.Services != nil) {
			t.Errorf("token %q: %v, %v", token, st, err)
		}
	}
}

// The ingress keeps the same *State while the agent's answers stay the same, byte for byte,
// and takes a new one when they change; an answer it cannot decode is an error and leaves
// the last state as it was.
func TestFollowerAppliesOnlyChanges(t *testing.T) {
	var mu sync.Mutex
	endpoints := `{"items":[{"namespace":"default","name":"web","ports":null,"endpoints":null}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/api/v1/endpoints" {
			io.WriteString(w, endpoints)
			return
		}
		io.WriteString(w, `{"items":[]}`)
	}))
	defer srv.Close()
	s := runIngress(t, Config{Agent: srv.URL}, false)
	f := s.Follower()
	ctx := context.Background()
	if err := f.Poll(ctx); err != nil || len(s.snap.Load().state.Services) != 1 {
		t.Fatalf("first state: %v, %v", s.snap.Load().state, err)
	}
	first := s.snap.Load().state
	if err := f.Poll(ctx); err != nil || s.snap.Load().state != first {
		t.Errorf("the same answers gave another state (%v)", err)
	}
	mu.Lock()
	endpoints = `{"items":[`
	mu.Unlock()
	if err := f.Poll(ctx); err == nil || s.snap.Load().state != first {
		t.Errorf("an answer cut short gave %v (%v), want an error and the last state", s.snap.Load().state, err)
	}
	mu.Lock()
	endpoints = `{"items":[{"namespace":"default","name":"web","ports":null,"endpoints":null}]}`
	mu.Unlock()
	if err := f.Poll(ctx); err != nil || s.snap.Load().state != first {
		t.Errorf("the first answers again, after one cut short, gave another state (%v)", err)
	}
	mu.Lock()
	endpoints = `{"items":[]}`
	mu.Unlock()
	if err := f.Poll(ctx); err != nil || s.snap.Load().state == first || len(s.snap.Load().state.Services) != 0 {
		t.Errorf("after a change: %v, %v; want a new state without Services", s.snap.Load().state, err)
	}
}
