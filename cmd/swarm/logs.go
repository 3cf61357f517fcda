package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/agent"
)

func newLogsCommand() *cobra.Command {
	var server, namespace, container string
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs POD",
		Short: "Print a pod's log, from whichever node runs it",
		Long: `Print the journal of a pod's container: its output and what systemd and podman said
about it. Any node's agent answers: the request goes to the node that runs the pod.`,
		Example: `  swarm logs web-859f4648f8-88f7c
  swarm logs api-67c547d955-44dff -n shop -c shipper -f`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			return runLogs(ctx, newClient(server), namespace, args[0], container, follow, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the pod's namespace")
	cmd.Flags().StringVarP(&container, "container", "c", "", "the container, when the pod has several")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines until interrupted")
	addClientFlags(cmd, &server)
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
	u := c.server + "/api/v1/pods/" + url.PathEscape(ns) + "/" + url.PathEscape(pod) + "/logs?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	// A followed log has no end: no client timeout, the context ends it.
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("cannot reach the agent at %s: %w", c.server, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return decodeError(resp)
	}
	if _, err := io.Copy(out, resp.Body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read the log: %w", err)
	}
	return nil
}

func newDescribeCommand() *cobra.Command {
	var server, namespace string
	cmd := &cobra.Command{
		Use:   "describe pod POD",
		Short: "Show a pod in detail: placement, status, and its units as systemd has them",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if r := resources[strings.ToLower(args[0])]; r != "pods" {
				return fmt.Errorf("describe %q: only pods can be described for now; use `swarm get %s -o yaml`", args[0], args[0])
			}
			return runDescribe(newClient(server), namespace, args[1], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the pod's namespace")
	addClientFlags(cmd, &server)
	return cmd
}

func runDescribe(c *client, ns, pod string, out io.Writer) error {
	var d agent.PodDescription
	if err := c.do("GET", "/api/v1/pods/"+url.PathEscape(ns)+"/"+url.PathEscape(pod), nil, "", nil, &d); err != nil {
		return err
	}
	p := d.Pod
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", p.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", p.Namespace)
	node := d.Node
	if node == "" {
		node = "<none>"
	}
	fmt.Fprintf(tw, "Node:\t%s\n", node)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(p.Labels))
	fmt.Fprintf(tw, "Status:\t%s\n", p.Status.Phase)
	if p.Status.HostIP != "" {
		fmt.Fprintf(tw, "IP:\t%s\n", p.Status.HostIP)
	}
	if p.Status.Message != "" {
		fmt.Fprintf(tw, "Message:\t%s\n", p.Status.Message)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Status == "False" && cond.Message != "" {
			fmt.Fprintf(tw, "Reason:\t%s\n", cond.Message)
		}
	}
	fmt.Fprintln(tw, "Containers:")
	for _, ctr := range p.Spec.Containers {
		fmt.Fprintf(tw, "  %s:\n", ctr.Name)
		fmt.Fprintf(tw, "    Image:\t%s\n", ctr.Image)
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name != ctr.Name {
				continue
			}
			state := "Waiting"
			switch {
			case cs.State.Running != nil:
				state = "Running"
			case cs.State.Terminated != nil:
				state = fmt.Sprintf("Terminated (exit code %d, %s)", cs.State.Terminated.ExitCode, cs.State.Terminated.Reason)
			case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
				state = "Waiting (" + cs.State.Waiting.Reason + ")"
			}
			fmt.Fprintf(tw, "    State:\t%s\n", state)
			fmt.Fprintf(tw, "    Ready:\t%t\n", cs.Ready)
			fmt.Fprintf(tw, "    Restart Count:\t%d\n", cs.RestartCount)
		}
	}
	if d.Detail != nil {
		fmt.Fprintln(tw, "Units:")
		for _, u := range d.Detail.Units {
			fmt.Fprintf(tw, "  %s\t%s/%s\tsince %s, %d restarts\n", u.Service, u.ActiveState, u.SubState, u.Since.Format(time.RFC3339), u.NRestarts)
			for _, line := range u.Journal {
				fmt.Fprintf(tw, "    | %s\n", line)
			}
		}
	}
	return tw.Flush()
}
