package ingress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
)

// State is what the ingress serves from: the Ingresses and the Services with their
// endpoints, as the agent last answered them. It is also the content of the state file.
type State struct {
	Ingresses []networkingv1.Ingress `json:"ingresses"`
	Services  []discovery.Service    `json:"services"`
}

// service finds a Service by namespace and name.
func (s *State) service(namespace, name string) (discovery.Service, bool) {
	for _, svc := range s.Services {
		if svc.Namespace == namespace && svc.Name == name {
			return svc, true
		}
	}
	return discovery.Service{}, false
}

// target is one endpoint of a backend: "address:host-port" and whether it is on this node.
type target struct {
	addr  string
	local bool
}

// targets lists the ready endpoints of a backend's Service port, local ones marked. The
// backend's port is resolved against the Service's ports (by number or by name); an
// endpoint's ports carry the Service port's name. The error says why there are none.
func (s *State) targets(b Backend, node, nodeAddr string) ([]target, error) {
	svc, ok := s.service(b.Namespace, b.Service)
	if !ok {
		return nil, fmt.Errorf("service %s/%s not found", b.Namespace, b.Service)
	}
	portName, ok := "", false
	for _, p := range svc.Ports {
		if (b.Port.Name != "" && p.Name == b.Port.Name) || (b.Port.Name == "" && p.Port == b.Port.Number) {
			portName, ok = p.Name, true
			break
		}
	}
	if !ok {
		return nil, fmt.Errorf("service %s/%s has no port %s", b.Namespace, b.Service, b.port())
	}
	var out []target
	for _, ep := range svc.Endpoints {
		if !ep.Ready {
			continue
		}
		for _, p := range ep.Ports {
			if p.Name == portName && p.Protocol == "TCP" {
				local := (node != "" && ep.Node == node) || (nodeAddr != "" && ep.Address == nodeAddr)
				out = append(out, target{addr: joinHostPort(ep.Address, p.Port), local: local})
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no ready endpoint for %s", b)
	}
	return out, nil
}

// Source gives the ingress the current Ingresses and Services with their endpoints.
type Source interface {
	State(ctx context.Context) (*State, error)
}

// AgentSource reads the state from an agent's HTTP API: GET /api/v1/ingresses and
// /api/v1/endpoints. When the agent's answers are the same as the last time, byte for byte,
// it gives the same *State again without decoding them. One loop polls it at a time.
type AgentSource struct {
	API *api.Client

	lastRaw api.Answers
	last    *State
}

// State reads both lists; it fails unless both answer.
func (a *AgentSource) State(ctx context.Context) (*State, error) {
	raw, err := a.API.GetAnswers(ctx, "/api/v1/ingresses", "/api/v1/endpoints")
	if err != nil {
		return nil, err
	}
	if a.last != nil && raw.Same(a.lastRaw) {
		return a.last, nil
	}
	var ings struct {
		Items []networkingv1.Ingress `json:"items"`
	}
	if err := json.Unmarshal(raw[0], &ings); err != nil {
		return nil, fmt.Errorf("decode the agent's ingresses: %w", err)
	}
	var eps struct {
		Items []discovery.Service `json:"items"`
	}
	if err := json.Unmarshal(raw[1], &eps); err != nil {
		return nil, fmt.Errorf("decode the agent's endpoints: %w", err)
	}
	a.lastRaw, a.last = raw, &State{Ingresses: ings.Items, Services: eps.Items}
	return a.last, nil
}

func joinHostPort(host string, port int32) string {
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

// loadState reads the state file; a missing file is an empty state.
func loadState(path string) (*State, error) {
	st := &State{}
	if path == "" {
		return st, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read state file %s: %w; remove it to start from the agent alone", path, err)
	}
	return st, nil
}

func saveState(path string, data []byte) error {
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the state file's folder: %w", err)
	}
	return atomicfile.Write(path, data, 0o600)
}
