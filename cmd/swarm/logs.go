package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/spf13/cobra"
)

// logsOptions are swarm logs' flags, with kubectl's names.
type logsOptions struct {
	namespace     string
	container     string
	selector      string
	follow        bool
	timestamps    bool
	allContainers bool
	prefix        bool
	prefixSet     bool // --prefix was given, true or false
	tail          int  // -1: every line
	since         time.Duration
	maxRequests   int
}

func newLogsCommand() *cobra.Command {
	var o logsOptions
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "logs (POD | TYPE/NAME | -l SELECTOR)",
		Short: "Print the logs of a pod, or of every pod of a workload, from whichever node runs each",
		Long: `Print what a pod's container wrote. Any node's agent answers: the request goes to the node
that runs the pod.

TYPE/NAME prints the logs of every pod of a deployment, statefulset or daemonset, as
Docker's service logs does, and -l those of every pod the label selector matches; each
line then starts with [pod/NAME/CONTAINER] unless --prefix=false. With -f their lines come
as they are written, at most --max-log-requests pods at once. job/NAME prints the logs
of every pod of a Job, those that finished (read from the journal of the node each ran
on) and those that run, each under a line naming it.`,
		Example: `  swarm logs web-859f4648f8-88f7c
  swarm logs api-67c547d955-44dff -n shop -c shipper -f
  swarm logs deployment/web --tail 20 -f
  swarm logs -l app=web --since 10m --timestamps
  swarm logs statefulset/kv --all-containers
  swarm logs job/migrate`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.prefixSet = cmd.Flags().Changed("prefix")
			target, err := logsTargetOf(args, o.selector)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			c, err := co.client()
			if err != nil {
				return err
			}
			switch target.kind {
			case "job":
				return runJobLogs(ctx, c, o.namespace, target.name, o, cmd.OutOrStdout())
			case "pod":
				if !o.allContainers && !o.prefix {
					return runLogs(ctx, c, o.namespace, target.name, o, cmd.OutOrStdout())
				}
			}
			return runManyLogs(ctx, c, target, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "default", "the pods' namespace")
	cmd.Flags().StringVarP(&o.container, "container", "c", "", "the container, when the pods have several")
	cmd.Flags().StringVarP(&o.selector, "selector", "l", "", "the pods whose labels match this selector (app=web, tier in (a,b), !canary)")
	cmd.Flags().BoolVarP(&o.follow, "follow", "f", false, "keep printing new lines until interrupted")
	cmd.Flags().BoolVar(&o.timestamps, "timestamps", false, "start each line with the time it was written (RFC 3339)")
	cmd.Flags().BoolVar(&o.allContainers, "all-containers", false, "the logs of every container of the pods")
	cmd.Flags().BoolVar(&o.prefix, "prefix", false, "start each line with [pod/NAME/CONTAINER] (the default with several pods or containers)")
	cmd.Flags().IntVar(&o.tail, "tail", -1, "the last lines of each container's log only (-1: every line)")
	cmd.Flags().DurationVar(&o.since, "since", 0, "the lines written this long ago or later only (5s, 2m, 3h)")
	cmd.Flags().IntVar(&o.maxRequests, "max-log-requests", 5, "how many logs to follow at once")
	addClientFlags(cmd, &co)
	return cmd
}

// query is the API's query for one container's log (container "" lets the API pick the
// pod's only one), following or not.
func (o logsOptions) query(container string, follow bool) url.Values {
	q := url.Values{}
	if container != "" {
		q.Set("container", container)
	}
	if follow {
		q.Set("follow", "true")
	}
	if o.tail >= 0 {
		q.Set("tailLines", strconv.Itoa(o.tail))
	}
	if o.since > 0 {
		q.Set("sinceSeconds", strconv.FormatInt(int64(max(o.since.Round(time.Second), time.Second)/time.Second), 10))
	}
	if o.timestamps {
		q.Set("timestamps", "true")
	}
	return q
}

// runLogs copies one pod's log to out.
func runLogs(ctx context.Context, c *client, ns, pod string, o logsOptions, out io.Writer) error {
	return streamLogs(ctx, c, ns, pod, o.query(o.container, o.follow), out)
}

// streamLogs copies the answer of one logs request to out until it ends or ctx does.
func streamLogs(ctx context.Context, c *client, ns, pod string, q url.Values, out io.Writer) error {
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
