package main

import (
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
)

func newNodeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Remove nodes from the cluster for good, and let their names back",
		Long: `Manage the cluster's membership. swarm get nodes and swarm describe node show the
members; these commands remove one for good (a machine decommissioned, lost or no longer
trusted) and let a removed name join again.`,
	}
	cmd.AddCommand(newNodeRemoveCommand(), newNodeForgetCommand(), newNodeRemovedCommand())
	return cmd
}

func newNodeRemoveCommand() *cobra.Command {
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a node from the cluster for good, and cut it off",
		Long: `Remove a node from the cluster for good:

  - every member refuses its name from then on;
  - the join token, and the gossip key it makes, is replaced on every alive member but the
    removed one, which can no longer read or write anything the cluster says;
  - the API tokens the node minted for itself (its <state-dir>/api-token; the admin token
    if it founded the cluster) are revoked on every node. Tokens made with them are listed,
    not revoked: revoke them too unless you trust them;
  - its pods are placed on the other nodes at once. The removed node's agent, if it runs
    and hears of the removal, stops its pods and exits.

Run it on another node than the one removed (a node cannot remove itself), with a token
with full rights. It cannot remove the last other member: that would leave this node alone.

Nodes that were down during the removal must be restarted with the new join token, which
swarm join-token prints, best while the removed machine is off.

It is for good: the removed machine can join again only with a fresh --state-dir and the
new join token, under another --node-name, or under its old name after swarm node forget.`,
		Example: `  swarm node remove n3
  swarm node remove n1 --server https://198.18.0.12:7070`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runNodeRemove(c, args[0], cmd.OutOrStdout())
		},
	}
	addClientFlags(cmd, &co)
	return cmd
}

func runNodeRemove(c *client, name string, out io.Writer) error {
	var r api.NodeRemoval
	if err := c.do("DELETE", "/api/v1/nodes/"+url.PathEscape(name), nil, "", nil, &r); err != nil {
		return err
	}
	fmt.Fprintf(out, "node/%s removed\n", r.Name)
	for _, t := range r.RevokedTokens {
		fmt.Fprintf(out, "token %s revoked (%s)\n", t.ID, t.Description)
	}
	if r.JoinTokenRotated {
		fmt.Fprintln(out, "The join token changed on every alive node. Nodes that were down during the removal must be")
		fmt.Fprintln(out, "restarted with the new token, which `swarm join-token` prints.")
	}
	if len(r.TokensMadeWithRevoked) > 0 {
		fmt.Fprintln(out, "These tokens were made with the removed node's tokens and stay active; revoke them")
		fmt.Fprintln(out, "(swarm token revoke ID) unless you trust them:")
		tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
		fmt.Fprintln(tw, "  ID\tACCESS\tCREATED BY\tDESCRIPTION")
		for _, t := range r.TokensMadeWithRevoked {
			access := "full"
			if t.ReadOnly {
				access = "read-only"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.ID, access, t.CreatedBy, t.Description)
		}
		return tw.Flush()
	}
	return nil
}

func newNodeForgetCommand() *cobra.Command {
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "forget NAME",
		Short: "Let the name of a removed node join again",
		Long: `Forget the removal of a node, so that a machine of that name may join again: with a
fresh --state-dir (the old one remembers the removal) and the current join token, which
swarm join-token prints. swarm node removed lists the removals.`,
		Example: `  swarm node forget n3`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			var r api.Removal
			if err := c.do("DELETE", "/api/v1/removals/"+url.PathEscape(args[0]), nil, "", nil, &r); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "node/%s forgotten: a machine of that name may join again, with a fresh --state-dir and the current join token\n", r.Name)
			return nil
		},
	}
	addClientFlags(cmd, &co)
	return cmd
}

func newNodeRemovedCommand() *cobra.Command {
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "removed",
		Short: "List the nodes removed for good, whose names every member refuses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runNodeRemoved(c, cmd.OutOrStdout(), time.Now())
		},
	}
	addClientFlags(cmd, &co)
	return cmd
}

func runNodeRemoved(c *client, out io.Writer, now time.Time) error {
	var l struct{ Items []api.Removal }
	if err := c.do("GET", "/api/v1/removals", nil, "", nil, &l); err != nil {
		return err
	}
	if len(l.Items) == 0 {
		fmt.Fprintln(out, "No node was removed.")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tREMOVED BY\tAGE\tLAST ADDRESS")
	for _, r := range l.Items {
		addr := r.Addr
		if addr == "" {
			addr = "<unknown>"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.RemovedBy, shortDuration(now.Sub(r.Removed)), addr)
	}
	return tw.Flush()
}
