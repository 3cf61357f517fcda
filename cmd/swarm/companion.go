package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/internal/fielderr"
	"github.com/podman-swarm/podman-swarm/internal/lifecycle"
)

// companionFlags are what swarm dns and swarm ingress share: how they prove themselves to
// their agent and how much they log.
type companionFlags struct {
	tokenFile, logLevel string
}

// addCompanionFlags adds the flags of companionFlags, and the agent's CA to caFile.
func addCompanionFlags(cmd *cobra.Command, cf *companionFlags, caFile *string) {
	cmd.Flags().StringVar(&cf.tokenFile, "agent-token-file", filepath.Join(defaultStateDir(), api.TokenFile),
		"file holding the agent's API token (ignored when $SWARM_TOKEN is set)")
	cmd.Flags().StringVar(caFile, "agent-ca", "", "PEM certificates that verify an https --agent, besides the system's")
	cmd.Flags().StringVar(&cf.logLevel, "log-level", "info", "debug, info, warn or error")
}

// runCompanion builds a companion server with newServer and runs it beside its follower of
// the agent until SIGINT or SIGTERM. newServer gets the logger and the agent's token:
// $SWARM_TOKEN, else the one in the token file, read at each poll (none while there is no
// file: an agent with --no-auth needs none, and a fresh agent writes it a moment after its
// companions start). An error about a field of the server's configuration names the flag
// flags maps the field to.
func runCompanion[S, F lifecycle.Runnable](name string, cf companionFlags, flags map[string]string,
	newServer func(log *slog.Logger, token, tokenFile string) (S, error), follower func(S) F) error {
	log, err := newLogger(cf.logLevel)
	if err != nil {
		return err
	}
	srv, err := newServer(log, os.Getenv("SWARM_TOKEN"), cf.tokenFile)
	if err != nil {
		return fielderr.Rename(err, fielderr.Names(flags))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var g lifecycle.Group
	g.Add(name, srv)
	g.Add(name+" follower", follower(srv))
	return g.Run(ctx)
}
