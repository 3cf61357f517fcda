package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
)

func newLogsCommand() *cobra.Command {
	var namespace, container string
	var co clientOptions
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs POD|job/NAME",
		Short: "Print a pod's log, from whichever node runs it",
		Long: `Print the journal of a pod's container: its output and what systemd and podman said
about it. Any node's agent answers: the request goes to the node that runs the pod.
job/NAME prints the logs of every pod of a Job, those that finished (read from the
journal of the node each ran on) and those that run, each under a line naming it.`,
		Example: `  swarm logs web-859f4648f8-88f7c
  swarm logs api-67c547d955-44dff -n shop -c shipper -f
  swarm logs job/migrate`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			c, err := co.client()
			if err != nil {
				return err
			}
			if job, ok := jobLogsTarget(args[0]); ok {
				return runJobLogs(ctx, c, namespace, job, container, follow, cmd.OutOrStdout())
			}
			return runLogs(ctx, c, namespace, args[0], container, follow, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the pod's namespace")
	cmd.Flags().StringVarP(&container, "container", "c", "", "the container, when the pod has several")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines until interrupted")
	addClientFlags(cmd, &co)
	return cmd
}

func runLogs(ctx context.Context, c *client, ns, pod, container string, follow bool, out io.Writer) error {
	q := url.Values{}
	if container != "" {
		q.Set("container", container)
	}
	if follow {
		q.Set("follow", "true")
	}
	resp, err := c.stream(ctx, "/api/v1/pods/"+url.PathEscape(ns)+"/"+url.PathEscape(pod)+"/logs", q)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(out, resp.Body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read the log: %w", err)
	}
	return nil
}
