package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
)

func newVersionCommand() *cobra.Command {
	var co clientOptions
	var clientOnly bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of swarm and of the agent it talks to",
		Long: `Print the version of this binary and, unless --client, the version of the agent whose API
the CLI talks to, as kubectl version prints the server's. An agent that cannot be reached
makes the command fail after the client's line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Client Version: %s\n", version)
			if clientOnly {
				return nil
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			return printServerVersion(c, out)
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "print the client's version only")
	addClientFlags(cmd, &co)
	return cmd
}

func printServerVersion(c *client, out io.Writer) error {
	var v api.ServerVersion
	if err := c.do("GET", "/version", nil, "", nil, &v); err != nil {
		return err
	}
	agent := v.AgentVersion
	if agent == "" {
		agent = v.GitVersion // an agent from before the Kubernetes-compatible API
	}
	fmt.Fprintf(out, "Server Version: %s (node %s, %s, %s)\n", agent, v.Node, v.GoVersion, v.Platform)
	return nil
}
