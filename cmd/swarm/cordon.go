package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

func newCordonCommand() *cobra.Command {
	return newCordonLikeCommand("cordon", true, "Mark a node unschedulable: no new pod goes there",
		`Mark a node unschedulable: the scheduler places no new pod there, but a DaemonSet's,
as in Kubernetes. The pods that run there keep running; swarm drain moves them away.
The mark is kept in the cluster's store: it outlives the node's restarts.`)
}

func newUncordonCommand() *cobra.Command {
	return newCordonLikeCommand("uncordon", false, "Mark a node schedulable again, ending a drain",
		`Mark a node schedulable again: the scheduler places pods there again. It also ends a
drain (swarm drain): pods that could not leave stay where they are.`)
}

func newCordonLikeCommand(verb string, unschedulable bool, short, long string) *cobra.Command {
	var co clientOptions
	cmd := &cobra.Command{
		Use:     verb + " NODE",
		Short:   short,
		Long:    long,
		Example: "  swarm " + verb + " n2",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runCordon(c, nodeArg(args[0]), unschedulable, cmd.OutOrStdout())
		},
	}
	addClientFlags(cmd, &co)
	return cmd
}

// nodeArg takes a node's name as kubectl does, bare or as node/NAME.
func nodeArg(arg string) string {
	for _, p := range []string{"node/", "nodes/", "no/"} {
		if name, ok := strings.CutPrefix(arg, p); ok {
			return name
		}
	}
	return arg
}

// runCordon marks a node unschedulable, or schedulable again, and says so as kubectl does.
func runCordon(c *client, name string, unschedulable bool, out io.Writer) error {
	n, err := getNode(c, name)
	if err != nil {
		return err
	}
	verb := "cordoned"
	if !unschedulable {
		verb = "uncordoned"
	}
	if n.Spec.Unschedulable == unschedulable {
		fmt.Fprintf(out, "node/%s already %s\n", name, verb)
		return nil
	}
	if _, err := patchNode(c, name, api.NodePatch{Unschedulable: &unschedulable}); err != nil {
		return err
	}
	fmt.Fprintf(out, "node/%s %s\n", name, verb)
	return nil
}

// getNode reads a node as the API shows it. The API words a node it does not know as
// Kubernetes does (nodes "x" not found); the CLI names it as it names its other objects.
func getNode(c *client, name string) (*corev1.Node, error) {
	var n corev1.Node
	err := c.do("GET", "/api/v1/nodes/"+url.PathEscape(name), nil, "", nil, &n)
	var apiErr *api.ResponseError
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound:
		return nil, fmt.Errorf("node %q not found", name)
	case err != nil:
		return nil, err
	}
	return &n, nil
}

// patchNode changes what users set on a node, and returns the node as it then is.
func patchNode(c *client, name string, patch api.NodePatch) (*corev1.Node, error) {
	body, err := json.Marshal(patch)
	if err != nil {
		return nil, fmt.Errorf("encode the change of node %s: %w", name, err)
	}
	var n corev1.Node
	if err := c.do("PATCH", "/api/v1/nodes/"+url.PathEscape(name), nil, "application/json", body, &n); err != nil {
		return nil, err
	}
	return &n, nil
}
