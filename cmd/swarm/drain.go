package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

// drainPoll is how often swarm drain looks at the node's pods while they leave.
const drainPoll = 500 * time.Millisecond

// drainOptions are swarm drain's flags, with kubectl's names.
type drainOptions struct {
	ignoreDaemonSets bool
	force            bool
	deleteLocalData  bool
	timeout          time.Duration
}

func newDrainCommand() *cobra.Command {
	var co clientOptions
	var o drainOptions
	cmd := &cobra.Command{
		Use:   "drain NODE",
		Short: "Move a node's pods away before maintenance, and mark it unschedulable",
		Long: `Mark a node unschedulable (swarm cordon) and move its pods to the other nodes:

  - a Deployment's pod stops only once its replacement is available on another node;
  - a bare pod (one no Deployment, StatefulSet, DaemonSet or Job owns) is stopped and
    started again on another node: refused without --force, as kubectl does;
  - a pod whose data is on the node (a writable hostPath, a PersistentVolumeClaim) is
    refused without --delete-local-data; with it, the pod starts elsewhere without its
    data, except a claim's, whose volume no other node can mount: that pod stays;
  - a DaemonSet's pods stay (the node is one of theirs): refused without
    --ignore-daemonsets, as kubectl does;
  - a StatefulSet's pods stay: their names and claims tie them to their place.

A pod that no other node can run stays where it runs, and swarm drain says why: the node
is not left without it. swarm drain waits until every pod that can leave has left, or
--timeout passes (0: no limit). swarm uncordon makes the node schedulable again.`,
		Example: `  swarm drain n2 --ignore-daemonsets
  swarm drain n2 --ignore-daemonsets --force --timeout 5m`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			if o.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, o.timeout)
				defer cancel()
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			return runDrain(ctx, c, nodeArg(args[0]), o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&o.ignoreDaemonSets, "ignore-daemonsets", false, "leave the DaemonSets' pods on the node")
	cmd.Flags().BoolVar(&o.force, "force", false, "also move the pods that no controller owns (bare pods)")
	cmd.Flags().BoolVar(&o.deleteLocalData, "delete-local-data", false, "also move the pods whose data is on the node, without it")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "how long to wait for the pods to leave (0: no limit)")
	addClientFlags(cmd, &co)
	return cmd
}

// runDrain cordons the node, refuses the drain if the node runs pods the flags do not let
// go, and otherwise asks for the drain and waits until the pods that can leave have left.
func runDrain(ctx context.Context, c *client, name string, o drainOptions, out io.Writer) error {
	if err := runCordon(c, name, true, out); err != nil {
		return err
	}
	pods, err := listAllPods(c)
	if err != nil {
		return err
	}
	plan := planDrain(pods, name)
	if refusals := plan.refusals(o); len(refusals) > 0 {
		return fmt.Errorf("unable to drain node %q: %s; the node stays cordoned (swarm uncordon %s)", name, strings.Join(refusals, "; "), name)
	}
	if len(plan.daemon) > 0 {
		fmt.Fprintf(out, "Warning: ignoring DaemonSet-managed Pods: %s\n", strings.Join(plan.daemon, ", "))
	}
	if len(plan.stateful) > 0 {
		fmt.Fprintf(out, "Warning: StatefulSet-managed Pods stay on the node: %s\n", strings.Join(plan.stateful, ", "))
	}
	drain := true
	if _, err := patchNode(c, name, api.NodePatch{Drain: &drain, DeleteLocalData: &o.deleteLocalData}); err != nil {
		return err
	}
	leaving := plan.leaving(o)
	for _, p := range leaving {
		fmt.Fprintf(out, "evicting pod %s\n", p)
	}
	if err := waitDrained(ctx, c, name, leaving, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "node/%s drained\n", name)
	return nil
}

// listAllPods lists the pods of every namespace.
func listAllPods(c *client) ([]corev1.Pod, error) {
	var l struct{ Items []corev1.Pod }
	if err := c.do("GET", "/api/v1/pods", nil, "", nil, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// waitDrained waits until none of the pods leaving (namespace/name) runs on the node,
// saying as each leaves, and once for each that cannot leave yet, why.
func waitDrained(ctx context.Context, c *client, node string, leaving []string, out io.Writer) error {
	left := map[string]bool{}
	told := map[string]string{}
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		pods, err := listAllPods(c)
		if err != nil {
			return err
		}
		status := drainStatus(pods, node, leaving)
		remaining := 0
		for _, key := range leaving {
			if left[key] {
				continue
			}
			why, stays := status[key]
			if !stays {
				left[key] = true
				_, name, _ := strings.Cut(key, "/")
				fmt.Fprintf(out, "pod/%s evicted\n", name)
				continue
			}
			remaining++
			if why != "" && told[key] != why {
				told[key] = why
				fmt.Fprintf(out, "pod %s cannot leave node %s yet: %s\n", key, node, why)
			}
		}
		if remaining == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			var still []string
			for _, key := range leaving {
				if !left[key] {
					still = append(still, key)
				}
			}
			return fmt.Errorf("unable to drain node %q: %s still on it (%v); it stays cordoned and its pods that can leave keep leaving",
				node, strings.Join(still, ", "), context.Cause(ctx))
		case <-tick.C:
		}
	}
}
