package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/netns"
)

// newNetnsCommand is the node's side of the rules inside pods: the .pod unit of every pod
// runs `swarm netns load` once its network namespace exists, before its containers start,
// and the loader re-runs this binary's `netns enter` under `podman unshare`.
func newNetnsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "netns load|enter|check",
		Short:  "Load the node's nftables rules into pods' network namespaces",
		Hidden: true,
		Long: `The agent keeps the node's nftables rules (ClusterIPs and pod IPs translated to node
addresses and node ports) in <state-dir>/` + netns.RulesFile + ` and loads them into every
running pod. A pod's unit loads them itself when it starts, so that its containers never run
without them, even while the agent is down.`,
	}
	cmd.AddCommand(newNetnsLoadCommand(), newNetnsEnterCommand(), newNetnsCheckCommand())
	return cmd
}

func newNetnsLoadCommand() *cobra.Command {
	var rules string
	var pods []string
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "load [--rules FILE] --pod NAME [--pod NAME...]",
		Short: "Load the rules file into the network namespaces of running pods",
		Long: `Load the node's rules file into the network namespace of each pod named (podman pod
names), as the pod's user: one podman ps finds the pods' infra containers, one podman
unshare enters their namespaces and runs nft -f - in each. It needs no running agent. A
missing rules file (a node whose agent never wrote one) loads nothing and is not an error.

Used as the ExecStartPost of a pod's .pod unit (the podman pod is swarm-NAMESPACE_POD):
  ExecStartPost=/usr/local/bin/swarm netns load --rules STATE-DIR/` + netns.RulesFile + ` --pod swarm-NAMESPACE_POD`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(pods) == 0 {
				return errors.New("netns load: name at least one --pod")
			}
			data, err := os.ReadFile(rules)
			if errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintf(cmd.ErrOrStderr(), "no rules file %s yet: nothing to load\n", rules)
				return nil
			}
			if err != nil {
				return fmt.Errorf("read rules: %w", err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			return netns.Load(ctx, data, pods)
		},
	}
	c.Flags().StringVar(&rules, "rules", filepath.Join(defaultStateDir(), netns.RulesFile), "the node's rules file")
	c.Flags().StringArrayVar(&pods, "pod", nil, "podman pod name; repeatable")
	c.Flags().DurationVar(&timeout, "timeout", time.Minute, "time allowed for the whole load")
	return c
}

// newNetnsEnterCommand is the side that runs inside the user namespace `podman unshare`
// opens: it reads the rules on stdin and answers one JSON line per pod.
func newNetnsEnterCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "enter POD=PID...",
		Short: "Internal: load the rules on stdin into the namespaces of the PIDs (run under podman unshare)",
		Long: `Internal: run by swarm netns load and by the agent under podman unshare. For each
POD=PID it enters the network namespace of PID and runs nft -f - there with the rules read
from standard input, a few at a time, and writes one JSON line {"pod": ..., "error": ...} per
pod.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := netns.ParseTargets(args)
			if err != nil {
				return err
			}
			rules, err := io.ReadAll(cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("read rules: %w", err)
			}
			if !netns.EnterAll(cmd.Context(), rules, targets, cmd.OutOrStdout()) {
				return errors.New("netns enter: some pods' rules were not loaded")
			}
			return nil
		},
	}
}

func newNetnsCheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check that nft is installed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := netns.Missing(); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "nft is installed")
			return nil
		},
	}
}
