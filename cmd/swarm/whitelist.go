package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/dns"
)

func newDNSWhitelistCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "whitelist",
		Short: "Show or change which names outside the cluster the pods may resolve",
		Long: `The cluster's DNS whitelist. While it is enabled, every node's swarm dns forwards only
the hosts listed (each with every name below it) and answers REFUSED for other names outside
the cluster; the cluster's own names always resolve. It is off until set.`,
		Example: `  swarm dns whitelist set example.com debian.org     # replace the list and enable it
  swarm dns whitelist add pkg.dev
  swarm dns whitelist remove debian.org
  swarm dns whitelist get
  swarm dns whitelist set --enabled=false            # forward every name again`,
	}
	var co clientOptions
	var enabled bool
	set := &cobra.Command{
		Use:   "set [HOST...]",
		Short: "Replace the whitelist with these hosts, enabled unless --enabled=false",
		RunE: func(cmd *cobra.Command, args []string) error {
			spec := dns.WhitelistSpec{Enabled: enabled, Hosts: nonNil(args)}
			if len(args) == 0 && !enabled {
				// Switching off without hosts keeps the list for later.
				c, err := co.client()
				if err != nil {
					return err
				}
				var cur dns.WhitelistSpec
				if err := c.do("GET", "/api/v1/dns/whitelist", nil, "", nil, &cur); err != nil {
					return err
				}
				spec.Hosts = cur.Hosts
			}
			return whitelistDo(co, cmd.OutOrStdout(), "PUT", "/api/v1/dns/whitelist", spec)
		},
	}
	set.Flags().BoolVar(&enabled, "enabled", true, "filter names by the list (false: forward every name, keep the list)")
	add := &cobra.Command{
		Use:   "add HOST...",
		Short: "Add hosts to the whitelist (it stays enabled or disabled as it was)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return whitelistDo(co, cmd.OutOrStdout(), "POST", "/api/v1/dns/whitelist/hosts", api.HostsRequest{Hosts: args})
		},
	}
	remove := &cobra.Command{
		Use:   "remove HOST...",
		Short: "Remove hosts from the whitelist",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, h := range args {
				if err := whitelistDo(co, io.Discard, "DELETE", "/api/v1/dns/whitelist/hosts/"+url.PathEscape(h), nil); err != nil {
					return err
				}
			}
			return whitelistDo(co, cmd.OutOrStdout(), "GET", "/api/v1/dns/whitelist", nil)
		},
	}
	get := &cobra.Command{
		Use:   "get",
		Short: "Show the whitelist",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return whitelistDo(co, cmd.OutOrStdout(), "GET", "/api/v1/dns/whitelist", nil)
		},
	}
	for _, sub := range []*cobra.Command{get, set, add, remove} {
		addClientFlags(sub, &co)
		cmd.AddCommand(sub)
	}
	return cmd
}

// whitelistDo sends one whitelist request and prints the whitelist the agent answers.
func whitelistDo(co clientOptions, out io.Writer, method, path string, body any) error {
	c, err := co.client()
	if err != nil {
		return err
	}
	var data []byte
	ct := ""
	if body != nil {
		data, _ = json.Marshal(body)
		ct = "application/json"
	}
	var wl dns.WhitelistSpec
	if err := c.do(method, path, nil, ct, data, &wl); err != nil {
		return err
	}
	printWhitelist(out, wl)
	return nil
}

func printWhitelist(out io.Writer, wl dns.WhitelistSpec) {
	switch {
	case wl.Enabled && len(wl.Hosts) == 0:
		fmt.Fprintln(out, "enabled: every name outside the cluster is refused (no host listed)")
	case wl.Enabled:
		fmt.Fprintln(out, "enabled: only these hosts and their subdomains are resolved outside the cluster:")
	default:
		fmt.Fprintln(out, "disabled: every name is forwarded")
		if len(wl.Hosts) > 0 {
			fmt.Fprintln(out, "hosts kept for when it is enabled (swarm dns whitelist set --enabled ...):")
		}
	}
	for _, h := range wl.Hosts {
		fmt.Fprintln(out, "  "+h)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
