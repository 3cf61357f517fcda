package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

func newApplyCommand() *cobra.Command {
	var file string
	var co clientOptions
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "apply -f FILE",
		Short: "Apply Deployments, Services, Ingresses and Pods to the cluster",
		Long: `Apply a manifest to the cluster through any node's agent. The whole manifest is checked
first: one bad document refuses all of it, and nothing changes.`,
		Example: `  swarm apply -f app.yaml
  swarm apply -f manifests/
  cat app.yaml | swarm apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return applyFile(c, file, dryRun, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "manifest file, folder of manifests, or - for standard input")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the manifest and show what would change, without changing anything")
	_ = cmd.MarkFlagRequired("filename")
	addClientFlags(cmd, &co)
	return cmd
}

func runApply(c *client, file string, dryRun bool, stdin io.Reader, stdout io.Writer) error {
	return applyFile(c, file, dryRun, stdin, stdout, io.Discard)
}

// applyFile applies a manifest and prints, to stderr, the warnings of the units its pods
// would get (the fields ignored or skipped), as swarm render prints them.
func applyFile(c *client, file string, dryRun bool, stdin io.Reader, stdout, stderr io.Writer) error {
	inputs, err := manifest.Read(file, stdin)
	if err != nil {
		return err
	}
	// Check locally first: the user sees every problem with the right file names, and a
	// folder of several files is applied as one manifest (all or nothing).
	set, err := manifest.Parse(inputs...)
	if err != nil {
		return err
	}
	if err := quadlet.Check(set, quadlet.Options{}); err != nil {
		return err
	}
	for _, w := range quadlet.Warnings(set, quadlet.Options{}) {
		fmt.Fprintln(stderr, "Warning:", w)
	}
	var body strings.Builder
	for i, in := range inputs {
		if i > 0 {
			body.WriteString("\n---\n")
		}
		body.Write(in.Data)
	}
	q := url.Values{"filename": {file}}
	if dryRun {
		q.Set("dryRun", "true")
	}
	var res api.ApplyResult
	if err := c.do("POST", "/api/v1/manifests", q, "application/yaml", []byte(body.String()), &res); err != nil {
		return err
	}
	suffix := ""
	if dryRun {
		suffix = " (dry run)"
	}
	for _, a := range res.Applied {
		fmt.Fprintf(stdout, "%s/%s %s%s\n", resourceName(a.Kind), a.Name, a.Result, suffix)
	}
	// The API's warnings go where kubectl prints the API server's: to stderr, with the
	// local ones, so that stdout holds only what was applied.
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "Warning:", w)
	}
	return nil
}

// resourceName is how kubectl names a kind in its output: deployment.apps, service, ...
func resourceName(kind string) string {
	switch kind {
	case "Deployment":
		return "deployment.apps"
	case "DaemonSet":
		return "daemonset.apps"
	case "Ingress":
		return "ingress.networking.k8s.io"
	case manifest.KindStatefulSet:
		return "statefulset.apps"
	case "Job", "CronJob":
		return strings.ToLower(kind) + ".batch"
	}
	return strings.ToLower(kind)
}
