// Command swarm is podman-swarm's one binary: the node daemons (agent, dns, ingress) and the
// client that talks to them, in the style of kubectl and podman.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(exitStatus(err))
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "swarm",
		Short: "A peer-to-peer orchestrator for rootless Podman",
		Long: `swarm runs Kubernetes Deployments, Services and Ingresses on a handful of machines
with rootless Podman: every node runs the same agent, the desired state is replicated by
gossip, and every pod becomes plain systemd --user services written as Quadlet units.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newAgentCommand(),
		newApplyCommand(),
		newCreateCommand(),
		newGetCommand(),
		newDeleteCommand(),
		newScaleCommand(),
		newJoinTokenCommand(),
		newTokenCommand(),
		newNodeCommand(),
		newRolloutCommand(),
		newDescribeCommand(),
		newIngressCommand(),
		newDNSCommand(),
		newLogsCommand(),
		newProbeCommand(),
		newRenderCommand(),
		newNetnsCommand(),
		newVersionCommand(),
	)
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of swarm",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "swarm %s\n", version)
		},
	}
}
