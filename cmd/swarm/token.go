package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
)

func newTokenCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens",
		Long: `API tokens let a person or a script use the API of any node. Every agent keeps a token
of its own in <state-dir>/api-token (the founding node's is the cluster's first, the admin's),
which the CLI on that node uses by itself. A token is shown once, when it is created; the
cluster keeps only its hash. Revoking works from any node, for every node.

A read-only token (--read-only) reads the workloads and the nodes. Everything else needs a
token with full rights: every change, the join token, and these token commands.`,
	}
	cmd.AddCommand(newTokenCreateCommand(), newTokenListCommand(), newTokenRevokeCommand())
	return cmd
}

func newTokenCreateCommand() *cobra.Command {
	var co clientOptions
	var req api.TokenRequest
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a token and print it (the only time it is shown)",
		Example: `  swarm token create --description "deploys from CI" --ttl 720h
  swarm token create --read-only --description dashboards
  export SWARM_TOKEN=$(swarm token create -q)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			if ttl < 0 {
				return fmt.Errorf("--ttl %s: want a positive duration, or 0 for a token that lives until revoked", ttl)
			}
			if ttl > 0 {
				req.TTL = ttl.String()
			}
			quiet, _ := cmd.Flags().GetBool("quiet")
			return runTokenCreate(c, req, quiet, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&req.Description, "description", "", "what the token is for, shown by swarm token list")
	cmd.Flags().BoolVar(&req.ReadOnly, "read-only", false, "the token may read but not change anything")
	cmd.Flags().DurationVar(&ttl, "ttl", 0, "how long the token lives, e.g. 24h or 720h (default: until revoked)")
	cmd.Flags().BoolP("quiet", "q", false, "print the token only")
	addClientFlags(cmd, &co)
	return cmd
}

func runTokenCreate(c *client, req api.TokenRequest, quiet bool, out io.Writer) error {
	body, _ := json.Marshal(req)
	var t api.NewToken
	if err := c.do("POST", "/api/v1/tokens", nil, "application/json", body, &t); err != nil {
		return err
	}
	if quiet {
		fmt.Fprintln(out, t.Token)
		return nil
	}
	fmt.Fprintf(out, "token %s created", t.ID)
	if t.Expires != nil {
		fmt.Fprintf(out, ", expires %s", t.Expires.Format(time.RFC3339))
	}
	if t.ReadOnly {
		fmt.Fprint(out, ", read-only")
	}
	fmt.Fprintf(out, ". It is shown only now; keep it secret:\n\n  %s\n\nUse it with --token, SWARM_TOKEN, or `token:` in %s.\n", t.Token, defaultConfigFile())
	return nil
}

func newTokenListCommand() *cobra.Command {
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runTokenList(c, cmd.OutOrStdout(), time.Now())
		},
	}
	addClientFlags(cmd, &co)
	return cmd
}

func runTokenList(c *client, out io.Writer, now time.Time) error {
	var l struct{ Items []api.TokenInfo }
	if err := c.do("GET", "/api/v1/tokens", nil, "", nil, &l); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tACCESS\tAGE\tEXPIRES\tCREATED BY\tDESCRIPTION")
	for _, t := range l.Items {
		access, expires := "full", "never"
		if t.ReadOnly {
			access = "read-only"
		}
		if t.Expires != nil {
			expires = t.Expires.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Status, access, shortDuration(now.Sub(t.Created)), expires, t.CreatedBy, t.Description)
	}
	return tw.Flush()
}

func newTokenRevokeCommand() *cobra.Command {
	var co clientOptions
	var force bool
	cmd := &cobra.Command{
		Use:   "revoke ID|TOKEN...",
		Short: "Revoke tokens, on every node",
		Long: `Revoke tokens, on every node. A node's own token (the one in its <state-dir>/api-token,
which its CLI and companion servers use) is revoked only with --force: the command says
which node's it is.`,
		Example: `  swarm token revoke 3f2a9c0d11e84b7a
  swarm token revoke --force 9d1e0b7c55aa4e21`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runTokenRevoke(c, args, force, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "revoke a token that a node uses as its own too")
	addClientFlags(cmd, &co)
	return cmd
}

func runTokenRevoke(c *client, ids []string, force bool, out io.Writer) error {
	var query url.Values
	if force {
		query = url.Values{"force": {"true"}}
	}
	for _, id := range ids {
		var t api.TokenInfo
		if err := c.do("DELETE", "/api/v1/tokens/"+url.PathEscape(id), query, "", nil, &t); err != nil {
			return err
		}
		fmt.Fprintf(out, "token %s revoked\n", t.ID)
	}
	return nil
}
