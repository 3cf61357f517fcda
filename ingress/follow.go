package ingress

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/internal/fielderr"
	"github.com/podman-swarm/podman-swarm/internal/follow"
)

// The agent's answers the ingress reads, in this order.
var followedPaths = []string{"/api/v1/ingresses", "/api/v1/endpoints"}

// agentTimeout bounds one request to the agent, one list, and the wait for the headers
// of a watch.
const agentTimeout = 5 * time.Second

// newFollower follows the agent's Ingresses and endpoints for s (see package follow),
// starting from the state file; each change is logged and applied.
func (s *Server) newFollower() (*follow.Follower[State], error) {
	client, err := api.NewClient(api.ClientConfig{Server: s.cfg.Agent, Token: s.cfg.AgentToken, TokenFile: s.cfg.AgentTokenFile,
		CAFile: s.cfg.AgentCAFile, Timeout: agentTimeout})
	if err != nil {
		return nil, fielderr.New("Agent", "%s: %w", err)
	}
	f, err := follow.New(follow.Config[State]{
		Client: client, Paths: followedPaths, Decode: decodeState,
		OnChange: func(old, cur State) {
			logChanges(s.log, &old, &cur)
			s.apply(&cur)
		},
		StateFile: s.cfg.StateFile,
		Interval:  s.cfg.PollInterval, PollTimeout: agentTimeout, Logger: s.log,
		Messages: follow.Messages{
			Down:       follow.Message{Text: "agent unreachable; serving the last known state"},
			Up:         follow.Message{Text: "agent reachable again"},
			SaveFailed: follow.Message{Text: "state file not written; a restart without the agent would serve an older state", Attrs: []any{"file", s.cfg.StateFile}},
		},
	})
	if err != nil {
		return nil, stateFileError(err)
	}
	return f, nil
}

// decodeState reads the agent's answers to followedPaths.
func decodeState(raw api.Answers) (State, error) {
	var ings struct {
		Items []networkingv1.Ingress `json:"items"`
	}
	if err := json.Unmarshal(raw[0], &ings); err != nil {
		return State{}, fmt.Errorf("decode the agent's ingresses: %w", err)
	}
	var eps struct {
		Items []discovery.Service `json:"items"`
	}
	if err := json.Unmarshal(raw[1], &eps); err != nil {
		return State{}, fmt.Errorf("decode the agent's endpoints: %w", err)
	}
	return State{Ingresses: ings.Items, Services: eps.Items}, nil
}

// stateFileError says what is wrong with the state file in the ingress's words.
func stateFileError(err error) error {
	var sf *follow.StateFileError
	switch {
	case !errors.As(err, &sf):
		return err
	case sf.Decoding:
		return fmt.Errorf("read state file %s: %w; remove it to start from the agent alone", sf.Path, sf.Err)
	}
	return fmt.Errorf("read state file: %w", sf.Err)
}
