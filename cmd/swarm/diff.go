package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/api"
)

// errDifferent ends swarm diff with exit status 1 and no message, as kubectl diff says
// that the manifest would change the cluster.
var errDifferent = &exitError{status: 1}

func newDiffCommand() *cobra.Command {
	var o applyOptions
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "diff -f FILE [-f FILE...]",
		Short: "Show what an apply of the manifests would change",
		Long: `Show, as a unified diff per object, what swarm apply -f would change: the object as
stored now (LIVE) against the object as the apply would store it (MERGED), merged as
apply merges. Nothing changes. The exit status is 0 when nothing would change, 1 when
something would, and 2 on an error, as kubectl diff's.`,
		Example: `  swarm diff -f app.yaml
  swarm diff -f manifests/ -n shop`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("namespace") {
				o.namespace = ""
			}
			c, err := co.client()
			if err != nil {
				return &exitError{status: 2, err: err}
			}
			return runDiff(c, o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringArrayVarP(&o.files, "filename", "f", nil, "manifest file, folder of manifests, or - for standard input; may be repeated")
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "default", "the namespace of the objects that name none; objects naming another are refused")
	_ = cmd.MarkFlagRequired("filename")
	addClientFlags(cmd, &co)
	return cmd
}

// runDiff prints what applying o's manifests would change and returns errDifferent when
// anything would; any other error has exit status 2.
func runDiff(c *client, o applyOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	body, warnings, err := readManifests(o.files, o.namespace, stdin)
	if err != nil {
		return &exitError{status: 2, err: err}
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "Warning:", w)
	}
	q := applyQuery(o)
	q.Set("diff", "true")
	var res api.ApplyResult
	if err := c.do("POST", "/api/v1/manifests", q, "application/yaml", body, &res); err != nil {
		return &exitError{status: 2, err: err}
	}
	different := false
	for _, a := range res.Applied {
		text, err := objectDiff(a)
		if err != nil {
			return &exitError{status: 2, err: err}
		}
		if text != "" {
			different = true
			fmt.Fprint(stdout, text)
		}
	}
	if different {
		return errDifferent
	}
	return nil
}

// objectDiff is the diff -u -N of one object, live against merged, in YAML, headed as
// kubectl diff heads it (group.version.Kind.namespace.name); empty when they are the same.
func objectDiff(a api.Applied) (string, error) {
	live, err := toYAML(a.Live)
	if err != nil {
		return "", err
	}
	merged, err := toYAML(a.Merged)
	if err != nil {
		return "", err
	}
	hunks := unifiedDiff(live, merged, 3)
	if hunks == "" {
		return "", nil
	}
	name := diffFileName(a)
	return fmt.Sprintf("diff -u -N LIVE/%[1]s MERGED/%[1]s\n--- LIVE/%[1]s\n+++ MERGED/%[1]s\n%s", name, hunks), nil
}

// diffFileName is kubectl diff's name for an object's file: apps.v1.Deployment.default.web.
func diffFileName(a api.Applied) string {
	group := strings.TrimPrefix(resourceName(a.Kind), strings.ToLower(a.Kind))
	version := "v1."
	if group != "" {
		version = strings.TrimPrefix(group, ".") + ".v1."
	}
	if a.Namespace == "" {
		return version + a.Kind + "." + a.Name
	}
	return version + a.Kind + "." + a.Namespace + "." + a.Name
}

func toYAML(j []byte) (string, error) {
	if len(j) == 0 {
		return "", nil
	}
	y, err := yaml.JSONToYAML(j)
	if err != nil {
		return "", fmt.Errorf("convert an object to YAML: %w", err)
	}
	return string(y), nil
}
