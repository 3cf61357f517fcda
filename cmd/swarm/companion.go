package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/agent"
	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/ingress"
)

// addCompanionFlags adds how swarm dns and swarm ingress prove themselves to their agent.
func addCompanionFlags(cmd *cobra.Command, tokenFile, caFile *string) {
	cmd.Flags().StringVar(tokenFile, "agent-token-file", filepath.Join(defaultStateDir(), agent.APITokenFile),
		"file holding the agent's API token (ignored when $SWARM_TOKEN is set)")
	cmd.Flags().StringVar(caFile, "agent-ca", "", "PEM certificates that verify an https --agent, besides the system's")
}

// agentSource is where swarm ingress reads its state: with $SWARM_TOKEN, else the token in
// tokenFile, read at each poll (none while there is no file: an agent with --no-auth needs
// none, and a fresh agent writes it a moment after its companions start).
func agentSource(url, tokenFile, caFile string) (ingress.Source, error) {
	client, err := api.NewClient(api.ClientConfig{Server: url, Token: os.Getenv("SWARM_TOKEN"), TokenFile: tokenFile,
		CAFile: caFile, Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("--agent: %w", err)
	}
	return &ingress.AgentSource{API: client}, nil
}
