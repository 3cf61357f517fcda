package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func newRolloutCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Follow, undo, restart, pause and resume rollouts",
	}
	var co clientOptions
	var namespace string
	var timeout, interval time.Duration
	status := &cobra.Command{
		Use:   "status (deployment|statefulset|daemonset)/NAME",
		Short: "Wait until a rollout is done, printing its progress",
		Long: `Wait until every replica of the Deployment runs its current template and is ready,
printing each step as kubectl rollout status does, and the reasons of pods that do not
start. It fails (exit status 1) when the Deployment's Progressing condition says
ProgressDeadlineExceeded (no progress for its progressDeadlineSeconds, 600 by default),
when the leader rolled the Deployment back after its rollout failed (saying to which
revision), or when --timeout passes.

A StatefulSet or a DaemonSet (with the RollingUpdate strategy) is followed until every
pod runs its current template and is ready, in kubectl's words too.`,
		Example: `  swarm apply -f app.yaml && swarm rollout status deployment/web
  swarm rollout status deploy/api -n shop --timeout 2m
  swarm rollout status sts/db`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			resource, name, err := workloadTarget(args[0], "statefulsets", "daemonsets")
			if err != nil {
				resource = "deployments"
				if name, err = deploymentName(args[0]); err != nil {
					return err
				}
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			if resource != "deployments" {
				return runWorkloadStatus(ctx, c, resource, namespace, name, interval, cmd.OutOrStdout())
			}
			return runRolloutStatus(ctx, c, namespace, name, interval, cmd.OutOrStdout())
		},
	}
	status.Flags().StringVarP(&namespace, "namespace", "n", "default", "the Deployment's namespace")
	status.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (default: only the progress deadline)")
	status.Flags().DurationVar(&interval, "interval", time.Second, "how often the cluster is asked")
	addClientFlags(status, &co)
	cmd.AddCommand(status)
	addRolloutChangeCommands(cmd)
	return cmd
}

// deploymentName reads deployment/NAME (or deploy/NAME, or a bare NAME).
func deploymentName(target string) (string, error) {
	kind, name, ok := strings.Cut(target, "/")
	if !ok {
		kind, name = "deployment", target
	}
	if resources[strings.ToLower(kind)] != "deployments" || name == "" {
		return "", fmt.Errorf("%q: name it deployment/NAME, statefulset/NAME or daemonset/NAME", target)
	}
	return name, nil
}

// appearGrace is how long a Deployment that is not found yet is waited for: applied through
// another node a moment ago, it may not have reached this one.
const appearGrace = 5 * time.Second

func runRolloutStatus(ctx context.Context, c *client, ns, name string, interval time.Duration, out io.Writer) error {
	start := time.Now()
	last, lastChange := "", start
	var lastCounts [4]int32
	for {
		var d appsv1.Deployment
		err := c.do("GET", "/api/v1/deployments/"+url.PathEscape(ns)+"/"+url.PathEscape(name), nil, "", nil, &d)
		var apiErr *api.ResponseError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound && time.Since(start) < appearGrace {
			if sleepCtx(ctx, interval) != nil {
				return err // still not found
			}
			continue
		}
		if err != nil {
			return err
		}
		pods, err := listPods(c, ns)
		if err != nil {
			return err
		}
		msg, done := rolloutState(&d, pods)
		if msg != last {
			fmt.Fprintln(out, msg)
			last = msg
		}
		if err := rolloutFailure(&d); err != nil {
			return err
		}
		if done {
			return nil
		}
		if counts := [4]int32{d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas}; counts != lastCounts {
			lastCounts, lastChange = counts, time.Now()
		}
		// An agent that shows no Progressing condition (one from before the leader kept
		// the rollout's progress) leaves the deadline to this command's own count.
		if deadline := progressDeadline(&d); progressingCondition(&d) == nil && time.Since(lastChange) > deadline {
			return fmt.Errorf("deployment %q exceeded its progress deadline: no progress for %s (see the reasons above, `swarm describe deployment %s` and `swarm logs`)", name, deadline, name)
		}
		if err := sleepCtx(ctx, interval); err != nil {
			if err == context.DeadlineExceeded {
				return fmt.Errorf("timed out waiting for the rollout of deployment %q", name)
			}
			return fmt.Errorf("stopped waiting for the rollout of deployment %q", name)
		}
	}
}

// The annotations the agent's view of a Deployment carries about its rollout.
const (
	annotationRevision   = "deployment.kubernetes.io/revision"
	annotationRolledBack = "swarm.podman.io/rolled-back"
)

// progressingCondition is the Deployment's Progressing condition; nil when it shows none.
func progressingCondition(d *appsv1.Deployment) *appsv1.DeploymentCondition {
	for i, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// rolloutFailure reads the conditions as kubectl rollout status does: a rollout whose
// Progressing condition says ProgressDeadlineExceeded has failed, in kubectl's words. A
// Deployment the leader rolled back after its rollout failed says so, and which revision
// it went back to: the rollout that was waited for failed, whatever the rollback does.
func rolloutFailure(d *appsv1.Deployment) error {
	if note := d.Annotations[annotationRolledBack]; note != "" {
		return fmt.Errorf("deployment %q exceeded its progress deadline: %s (its template is now revision %s)",
			d.Name, note, orNone(d.Annotations[annotationRevision]))
	}
	if c := progressingCondition(d); c != nil && c.Reason == "ProgressDeadlineExceeded" {
		return fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
	}
	return nil
}

// sleepCtx waits d, or less when ctx ends (its error then).
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func progressDeadline(d *appsv1.Deployment) time.Duration {
	if s := d.Spec.ProgressDeadlineSeconds; s != nil && *s > 0 {
		return time.Duration(*s) * time.Second
	}
	return 600 * time.Second
}

// rolloutState says where a rollout stands, in kubectl's words, with the reasons of the
// Deployment's pods that are not ready; done when every replica runs the current template
// and is available.
func rolloutState(d *appsv1.Deployment, pods []corev1.Pod) (string, bool) {
	want, s := int32(manifest.Replicas(d)), d.Status
	prefix := fmt.Sprintf("Waiting for deployment %q rollout to finish: ", d.Name)
	var msg string
	switch {
	case s.UpdatedReplicas < want:
		msg = prefix + fmt.Sprintf("%d out of %d new replicas have been updated...", s.UpdatedReplicas, want)
	case s.Replicas > s.UpdatedReplicas:
		msg = prefix + fmt.Sprintf("%d old replicas are pending termination...", s.Replicas-s.UpdatedReplicas)
	case s.AvailableReplicas < s.UpdatedReplicas:
		msg = prefix + fmt.Sprintf("%d of %d updated replicas are available...", s.AvailableReplicas, s.UpdatedReplicas)
	default:
		return fmt.Sprintf("deployment %q successfully rolled out", d.Name), true
	}
	var reasons []string
	for _, p := range pods {
		if !ownedBy(p, d.Name) {
			continue
		}
		if r := podReason(&p); r != "" {
			reasons = append(reasons, fmt.Sprintf("  pod %s on %s: %s", p.Name, orNone(p.Spec.NodeName), r))
		}
	}
	sort.Strings(reasons)
	if len(reasons) > 0 {
		msg += "\n" + strings.Join(reasons, "\n")
	}
	return msg, false
}
