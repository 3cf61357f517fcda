package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/probe"
)

// newProbeCommand is run inside containers as their health check: the node's swarm binary
// is bind-mounted read-only into every container with an httpGet or tcpSocket probe, so
// that images need neither curl nor a shell. The exit status is the probe's result.
func newProbeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "probe http|tcp|exec",
		Short:  "Run one Kubernetes-style probe (used as a container health check)",
		Hidden: true,
	}
	var host, path, scheme string
	var port int
	var headers []string
	var timeout time.Duration
	httpCmd := &cobra.Command{
		Use:   "http --port PORT [--path /healthz]",
		Short: "Succeed when GET answers with a status from 200 to 399",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			h := http.Header{}
			for _, raw := range headers {
				name, value, err := probe.ParseHeader(raw)
				if err != nil {
					return err
				}
				h.Add(name, value)
			}
			return probe.HTTP(context.Background(), host, port, path, scheme, h, timeout)
		},
	}
	httpCmd.Flags().StringVar(&host, "host", "127.0.0.1", "host to connect to")
	httpCmd.Flags().IntVar(&port, "port", 0, "port to connect to")
	httpCmd.Flags().StringVar(&path, "path", "/", "path to GET")
	httpCmd.Flags().StringVar(&scheme, "scheme", "http", "http or https (certificates are not verified, as in Kubernetes)")
	httpCmd.Flags().StringArrayVar(&headers, "header", nil, `request header "Name: value"; repeatable`)
	httpCmd.Flags().DurationVar(&timeout, "timeout", time.Second, "time allowed for the whole check")

	tcpCmd := &cobra.Command{
		Use:   "tcp --port PORT",
		Short: "Succeed when a TCP connection opens",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return probe.TCP(context.Background(), host, port, timeout)
		},
	}
	tcpCmd.Flags().StringVar(&host, "host", "127.0.0.1", "host to connect to")
	tcpCmd.Flags().IntVar(&port, "port", 0, "port to connect to")
	tcpCmd.Flags().DurationVar(&timeout, "timeout", time.Second, "time allowed to connect")

	execCmd := &cobra.Command{
		Use:   "exec -- COMMAND [ARG...]",
		Short: "Run a command; its exit status is the result",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := probe.Exec(args); err != nil {
				return fmt.Errorf("exec probe: %w", err)
			}
			return nil
		},
	}
	execCmd.Flags().SetInterspersed(false)
	cmd.AddCommand(httpCmd, tcpCmd, execCmd)
	return cmd
}
