// Command swarm is podman-swarm's one binary: the node daemons (agent, dns, ingress) and the
// client that talks to them, in the style of kubectl and podman.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/agent/apiserver"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// The agent's API answers GET /version with this binary's version.
	apiserver.Version = version
	if err := newRootCommand().Execute(); err != nil {
		if err.Error() != "" { // swarm diff's "there are differences" says nothing
			fmt.Fprintln(os.Stderr, "error:", err)
		}
		os.Exit(exitStatus(err))
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "swarm",
		Short: "A peer-to-peer orchestrator for rootless Podman",
		Long: `swarm runs Kubernetes manifests (workloads, Services, Ingresses, config) on a handful of machines
with rootless Podman: every node runs the same agent, the desired state is replicated by
gossip, and every pod becomes plain systemd --user services written as Quadlet units.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newAgentCommand(),
		newApplyCommand(),
		newDiffCommand(),
		newCreateCommand(),
		newGetCommand(),
		newDeleteCommand(),
		newScaleCommand(),
		newSetCommand(),
		newJoinTokenCommand(),
		newTokenCommand(),
		newNodeCommand(),
		newCordonCommand(),
		newUncordonCommand(),
		newDrainCommand(),
		newLabelCommand(),
		newAnnotateCommand(),
		newRolloutCommand(),
		newDescribeCommand(),
		newIngressCommand(),
		newDNSCommand(),
		newLogsCommand(),
		newExecCommand(),
		newPortForwardCommand(),
		newPortPipeCommand(),
		newTopCommand(),
		newProbeCommand(),
		newRenderCommand(),
		newNetnsCommand(),
		newKubeconfigCommand(),
		newVersionCommand(),
	)
	refuseUnknownSubcommands(root)
	return root
}
