package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
)

func newLabelCommand() *cobra.Command {
	return newMetaCommand("label", "labels", "labeled", "unlabeled",
		"Set or remove a node's labels, at runtime",
		`Set (KEY=VALUE) or remove (KEY-) labels of a node, at once and for good: they are kept in
the cluster's store and outrank the agent's --label flags, whose labels KEY- removes too.
The scheduler reacts at once: nodeSelectors and DaemonSets see the new labels. A label
that has a value already keeps it unless --overwrite is given.`,
		`  swarm label node n2 disk=ssd
  swarm label node n2 disk=nvme --overwrite
  swarm label node n2 disk-`)
}

func newAnnotateCommand() *cobra.Command {
	return newMetaCommand("annotate", "annotations", "annotated", "annotated",
		"Set or remove a node's annotations",
		`Set (KEY=VALUE) or remove (KEY-) annotations of a node, kept in the cluster's store. The
agent's own annotations (swarm.podman.io/...) are not for users to change. An annotation
that has a value already keeps it unless --overwrite is given.`,
		`  swarm annotate node n2 owner=team-a
  swarm annotate node n2 owner-`)
}

// newMetaCommand is swarm label and swarm annotate, which differ in what they change and
// in kubectl's words for it.
func newMetaCommand(verb, field, done, undone, short, long, example string) *cobra.Command {
	var co clientOptions
	var overwrite bool
	cmd := &cobra.Command{
		Use:     verb + " node NAME KEY=VALUE|KEY- ...",
		Short:   short,
		Long:    long,
		Example: example,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, changes, err := metaArgs(verb, strings.TrimSuffix(field, "s"), args)
			if err != nil {
				return err
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			return runMeta(c, field, name, changes, overwrite, done, undone, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "change a "+strings.TrimSuffix(field, "s")+" that has a value already")
	addClientFlags(cmd, &co)
	return cmd
}

// metaArgs reads `node NAME k=v k-` (or `node/NAME k=v k-`): the node's name and the
// changes, a nil value removing its key.
func metaArgs(verb, noun string, args []string) (string, map[string]*string, error) {
	kind, name, slashed := strings.Cut(args[0], "/")
	rest := args[1:]
	if !slashed {
		if len(args) < 2 {
			return "", nil, fmt.Errorf("give the node and the changes, for example `swarm %s node n2 disk=ssd`", verb)
		}
		name, rest = args[1], args[2:]
	}
	if resources[strings.ToLower(kind)] != "nodes" {
		return "", nil, fmt.Errorf("swarm %s changes nodes only, not %q: the other objects take theirs from their manifest (swarm apply)", verb, kind)
	}
	if len(rest) == 0 {
		return "", nil, fmt.Errorf("at least one %s update is required", noun)
	}
	changes := map[string]*string{}
	for _, a := range rest {
		if k, ok := strings.CutSuffix(a, "-"); ok && !strings.Contains(a, "=") {
			changes[k] = nil
			continue
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return "", nil, fmt.Errorf("invalid %s spec: %q: use KEY=VALUE to set, KEY- to remove", noun, a)
		}
		changes[k] = &v
	}
	return name, changes, nil
}

// runMeta applies the changes to the node's labels or annotations (field), refusing to
// change a value without overwrite, as kubectl does.
func runMeta(c *client, field, name string, changes map[string]*string, overwrite bool, done, undone string, out io.Writer) error {
	n, err := getNode(c, name)
	if err != nil {
		return err
	}
	current := n.Labels
	if field == "annotations" {
		current = n.Annotations
	}
	changed := false
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		v := changes[k]
		old, has := current[k]
		switch {
		case has && v != nil && old != *v && !overwrite:
			return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", k, old)
		case !has && v == nil:
			fmt.Fprintf(out, "%s %q not found.\n", strings.TrimSuffix(field, "s"), k)
		case !has || v == nil || old != *v:
			changed = true
		}
	}
	if !changed && field == "labels" {
		// kubectl's words for a change that changes nothing.
		fmt.Fprintf(out, "node/%s not labeled\n", name)
		return nil
	}
	var patch api.NodePatch
	if field == "annotations" {
		patch.Annotations = changes
	} else {
		patch.Labels = changes
	}
	if _, err := patchNode(c, name, patch); err != nil {
		return err
	}
	verb := undone
	for _, v := range changes {
		if v != nil {
			verb = done
		}
	}
	fmt.Fprintf(out, "node/%s %s\n", name, verb)
	return nil
}
