package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
)

func newJoinTokenCommand() *cobra.Command {
	var co clientOptions
	var rotate, quiet bool
	cmd := &cobra.Command{
		Use:   "join-token",
		Short: "Print the command that adds a node to this cluster, or rotate the token",
		Long: `Print the join token and the command another node runs to join. With --rotate, make
a new token (and gossip key) on every alive node: the old token admits no one afterwards,
and nodes that were down must be started with the new one.

Both need an API token with full rights: a node that joins gets full rights of its own.
Keep the join token as secret as such a token.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runJoinToken(c, rotate, quiet, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&rotate, "rotate", false, "replace the token everywhere")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print the token only")
	addClientFlags(cmd, &co)
	return cmd
}

func runJoinToken(c *client, rotate, quiet bool, out io.Writer) error {
	var jt api.JoinToken
	method, path := "GET", "/api/v1/join-token"
	if rotate {
		method, path = "POST", "/api/v1/join-token/rotate"
	}
	if err := c.do(method, path, nil, "", nil, &jt); err != nil {
		return err
	}
	if quiet {
		fmt.Fprintln(out, jt.Token)
		return nil
	}
	if rotate {
		fmt.Fprintln(out, "The join token was replaced on every alive node. To add a node, run on it:")
	} else {
		fmt.Fprintln(out, "To add a node to this cluster, run on it:")
	}
	fmt.Fprintf(out, "\n    swarm agent --join %s --join-token %s\n\n", strings.Join(jt.Join, ","), jt.Token)
	fmt.Fprintln(out, "(or put those flags in SWARM_AGENT_FLAGS in ~/.config/swarm/agent.env)")
	return nil
}
