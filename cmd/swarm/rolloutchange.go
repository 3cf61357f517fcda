package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/api"
)

// annotationRestartedAt is the template annotation kubectl rollout restart sets: a new
// value is a new template, which the rollout replaces every pod for.
const annotationRestartedAt = "kubectl.kubernetes.io/restartedAt"

// addRolloutChangeCommands adds history, undo, restart, pause and resume to rollout.
func addRolloutChangeCommands(rollout *cobra.Command) {
	var revision, toRevision int64
	history := rolloutSubcommand("history deployment/NAME", "Show a Deployment's revisions, or one of them with --revision",
		func(c *client, ns, target string, out io.Writer) error {
			return runRolloutHistory(c, ns, target, revision, out)
		})
	history.Flags().Int64Var(&revision, "revision", 0, "show the pod template of this revision")
	undo := rolloutSubcommand("undo deployment/NAME", "Put a Deployment's previous template back, or the one of --to-revision",
		func(c *client, ns, target string, out io.Writer) error {
			return runRolloutUndo(c, ns, target, toRevision, out)
		})
	undo.Flags().Int64Var(&toRevision, "to-revision", 0, "the revision to go back to (default: the previous one)")
	restart := rolloutSubcommand("restart (deployment|statefulset|daemonset)/NAME", "Replace every pod of a workload, as its rollout strategy does",
		func(c *client, ns, target string, out io.Writer) error {
			return runRolloutRestart(c, ns, target, time.Now(), out)
		})
	pause := rolloutSubcommand("pause deployment/NAME", "Stop rolling out a Deployment's template changes until it is resumed",
		func(c *client, ns, target string, out io.Writer) error {
			return runRolloutPause(c, ns, target, true, out)
		})
	resume := rolloutSubcommand("resume deployment/NAME", "Roll out a paused Deployment's template again",
		func(c *client, ns, target string, out io.Writer) error {
			return runRolloutPause(c, ns, target, false, out)
		})
	rollout.AddCommand(history, undo, restart, pause, resume)
}

// rolloutSubcommand is a rollout subcommand of one object with the usual flags.
func rolloutSubcommand(use, short string, run func(c *client, ns, target string, out io.Writer) error) *cobra.Command {
	var co clientOptions
	var namespace string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return run(c, namespace, args[0], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the object's namespace")
	addClientFlags(cmd, &co)
	return cmd
}

// historyTarget reads the Deployment that history and undo take: only Deployments keep
// revisions (the leader's record); a StatefulSet or a DaemonSet has none here.
func historyTarget(target string) (string, error) {
	kind, _, _ := strings.Cut(target, "/")
	if r := resources[strings.ToLower(kind)]; r == "statefulsets" || r == "daemonsets" {
		return "", fmt.Errorf("%q: only Deployments keep a revision history; change the %s's template with swarm apply or swarm set image", target, strings.TrimSuffix(r, "s"))
	}
	_, name, err := workloadTarget(target, "deployments")
	return name, err
}

func revisionsPath(ns, name string) string {
	return "/api/v1/deployments/" + url.PathEscape(ns) + "/" + url.PathEscape(name) + "/revisions"
}

func runRolloutHistory(c *client, ns, target string, revision int64, out io.Writer) error {
	name, err := historyTarget(target)
	if err != nil {
		return err
	}
	var list api.RevisionList
	if err := c.do("GET", revisionsPath(ns, name), nil, "", nil, &list); err != nil {
		return err
	}
	if revision > 0 {
		for _, r := range list.Items {
			if r.Number == revision {
				tmpl, err := yaml.Marshal(r.Template)
				if err != nil {
					return fmt.Errorf("encode revision %d: %w", revision, err)
				}
				fmt.Fprintf(out, "deployment.apps/%s with revision #%d\nPod Template:\n", name, revision)
				for _, line := range strings.Split(strings.TrimRight(string(tmpl), "\n"), "\n") {
					fmt.Fprintf(out, "  %s\n", line)
				}
				return nil
			}
		}
		return fmt.Errorf("unable to find the specified revision %d", revision)
	}
	fmt.Fprintf(out, "deployment.apps/%s\n", name)
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "REVISION\tCHANGE-CAUSE")
	for _, r := range list.Items {
		fmt.Fprintf(tw, "%d\t%s\n", r.Number, orNone(r.ChangeCause))
	}
	return tw.Flush()
}

func runRolloutUndo(c *client, ns, target string, toRevision int64, out io.Writer) error {
	name, err := historyTarget(target)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(api.RollbackRequest{ToRevision: toRevision})
	var res api.Applied
	path := "/api/v1/deployments/" + url.PathEscape(ns) + "/" + url.PathEscape(name) + "/rollback"
	if err := c.do("POST", path, nil, "application/json", body, &res); err != nil {
		return err
	}
	fmt.Fprintf(out, "deployment.apps/%s %s\n", name, res.Result)
	return nil
}

// runRolloutRestart sets the template's restartedAt annotation to now, as kubectl does:
// the template changes, so its pods are replaced as the strategy says.
func runRolloutRestart(c *client, ns, target string, now time.Time, out io.Writer) error {
	resource, name, err := workloadTarget(target, "deployments", "statefulsets", "daemonsets")
	if err != nil {
		return fmt.Errorf("restart %s", err)
	}
	if resource == "deployments" {
		var d appsv1.Deployment
		if err := getWorkload(c, resource, ns, name, &d); err != nil {
			return err
		}
		if d.Spec.Paused {
			return fmt.Errorf("deployments %q is paused, run rollout resume first", name)
		}
	}
	patch := map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{annotationRestartedAt: now.Format(time.RFC3339)}}}}}
	if _, err := patchWorkload(c, resource, ns, name, patch); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s/%s restarted\n", workloadKinds[resource].printed, name)
	return nil
}

// runRolloutPause sets spec.paused; pausing a paused Deployment (or resuming one that is
// not) fails, in kubectl's words.
func runRolloutPause(c *client, ns, target string, pause bool, out io.Writer) error {
	_, name, err := workloadTarget(target, "deployments")
	if err != nil {
		return err
	}
	var d appsv1.Deployment
	if err := getWorkload(c, "deployments", ns, name, &d); err != nil {
		return err
	}
	switch {
	case pause && d.Spec.Paused:
		return fmt.Errorf("deployments.apps %q is already paused", name)
	case !pause && !d.Spec.Paused:
		return fmt.Errorf("deployments.apps %q is not paused", name)
	}
	if _, err := patchWorkload(c, "deployments", ns, name, map[string]any{"spec": map[string]any{"paused": pause}}); err != nil {
		return err
	}
	done := "paused"
	if !pause {
		done = "resumed"
	}
	fmt.Fprintf(out, "deployment.apps/%s %s\n", name, done)
	return nil
}
