package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/podman-swarm/podman-swarm/api"
)

// jobLogsTarget tells whether `swarm logs` names a Job (job/NAME) rather than a pod.
func jobLogsTarget(arg string) (string, bool) {
	for _, p := range []string{"job/", "jobs/", "job.batch/"} {
		if name, ok := strings.CutPrefix(arg, p); ok {
			return name, true
		}
	}
	return "", false
}

// runJobLogs prints the logs of a Job's pods: those that finished, in the order they did,
// then those that run, each under a line naming it. Following follows the last one.
func runJobLogs(ctx context.Context, c *client, ns, job, container string, follow bool, out io.Writer) error {
	var pods []api.JobPod
	if err := c.do("GET", "/api/v1/jobs/"+url.PathEscape(ns)+"/"+url.PathEscape(job)+"/pods", nil, "", nil, &pods); err != nil {
		return err
	}
	if len(pods) == 0 {
		return fmt.Errorf("job %s/%s has no pods yet", ns, job)
	}
	for i, p := range pods {
		if len(pods) > 1 {
			fmt.Fprintf(out, "==> pod/%s (%s on %s) <==\n", p.Name, p.Phase, orNone(p.Node))
		}
		if p.Node == "" {
			fmt.Fprintln(out, "(not placed on any node yet)")
			continue
		}
		if err := runLogs(ctx, c, ns, p.Name, container, follow && i == len(pods)-1, out); err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
		}
	}
	return nil
}
