package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

// lastAppliedAnnotation is where the API keeps the configuration an object was applied
// with, as kubectl keeps it.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// applyOptions are apply's flags.
type applyOptions struct {
	files     []string
	namespace string // -n: the namespace objects that name none go in, and all must be in
	dryRun    bool
	prune     bool
	selector  string
	all       bool
}

func newApplyCommand() *cobra.Command {
	var o applyOptions
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "apply -f FILE [-f FILE...]",
		Short: "Apply Kubernetes manifests (workloads, Services, Ingresses, config, claims, Namespaces) to the cluster",
		Long: `Apply manifests to the cluster through any node's agent. Every file, folder and standard
input named with -f is checked first and applied as one manifest: one bad document refuses
all of it, and nothing changes.

As kubectl apply, each object keeps the configuration it was applied with (the
kubectl.kubernetes.io/last-applied-configuration annotation), and the next apply merges
with what is live: a field the manifest no longer sets is removed, and one it never set
keeps its live value (replicas after swarm scale).

--prune -l SELECTOR (or --all) deletes the objects the manifest no longer holds: those an
apply made, whose labels match, of the kinds ConfigMap, CronJob, DaemonSet, Deployment,
Ingress, Job, PersistentVolumeClaim, Pod, Secret, Service and StatefulSet, in the namespaces
of the objects applied. Namespaces are never pruned.`,
		Example: `  swarm apply -f app.yaml
  swarm apply -f app.yaml -f db.yaml -n shop
  swarm apply -f manifests/
  swarm apply -f manifests/ --prune -l app=shop
  cat app.yaml | swarm apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("namespace") {
				o.namespace = ""
			}
			if err := o.checkPrune(); err != nil {
				return err
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			return applyManifests(c, o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringArrayVarP(&o.files, "filename", "f", nil, "manifest file, folder of manifests, or - for standard input; may be repeated")
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "default", "the namespace of the objects that name none; objects naming another are refused")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "check the manifest and show what would change, without changing anything")
	cmd.Flags().BoolVar(&o.prune, "prune", false, "delete the objects of the manifest's namespaces that it no longer holds (with -l or --all)")
	cmd.Flags().StringVarP(&o.selector, "selector", "l", "", "label selector of the objects --prune may delete (app=web, tier in (a,b), !legacy)")
	cmd.Flags().BoolVar(&o.all, "all", false, "with --prune, every object an apply made may be pruned, whatever its labels")
	_ = cmd.MarkFlagRequired("filename")
	addClientFlags(cmd, &co)
	return cmd
}

// checkPrune refuses the flag combinations kubectl apply refuses, in its words.
func (o applyOptions) checkPrune() error {
	switch {
	case !o.prune && (o.selector != "" || o.all):
		return fmt.Errorf("--selector and --all only choose what --prune deletes: add --prune")
	case o.prune && o.selector == "" && !o.all:
		return fmt.Errorf("all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector")
	case o.prune && o.selector != "" && o.all:
		return fmt.Errorf("cannot set --all and --selector at the same time")
	}
	if o.selector != "" {
		if _, err := labels.Parse(o.selector); err != nil {
			return fmt.Errorf("parse the selector %q: %w", o.selector, err)
		}
	}
	return nil
}

func runApply(c *client, file string, dryRun bool, stdin io.Reader, stdout io.Writer) error {
	return applyManifests(c, applyOptions{files: []string{file}, dryRun: dryRun}, stdin, stdout, io.Discard)
}

func applyFile(c *client, file string, dryRun bool, stdin io.Reader, stdout, stderr io.Writer) error {
	return applyManifests(c, applyOptions{files: []string{file}, dryRun: dryRun}, stdin, stdout, stderr)
}

// readManifests reads every -f, checks the whole locally (the user sees every problem with
// the right file names) and returns it as one manifest body, all or nothing, with the
// warnings of the units its pods would get (the fields ignored or skipped), as swarm
// render prints them.
func readManifests(files []string, namespace string, stdin io.Reader) (body []byte, warnings []string, err error) {
	var inputs []manifest.Input
	for _, f := range files {
		in, err := manifest.Read(f, stdin)
		if err != nil {
			return nil, nil, err
		}
		inputs = append(inputs, in...)
	}
	set, err := manifest.ParseInNamespace(namespace, inputs...)
	if err != nil {
		return nil, nil, err
	}
	if err := quadlet.Check(set, quadlet.Options{}); err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	for i, in := range inputs {
		if i > 0 {
			b.WriteString("\n---\n")
		}
		b.Write(in.Data)
	}
	return []byte(b.String()), quadlet.Warnings(set, quadlet.Options{}), nil
}

// applyQuery is the API's query for the manifests named by files.
func applyQuery(o applyOptions) url.Values {
	q := url.Values{"filename": {strings.Join(o.files, ",")}}
	if o.namespace != "" {
		q.Set("namespace", o.namespace)
	}
	if o.dryRun {
		q.Set("dryRun", "true")
	}
	if o.prune {
		q.Set("prune", "true")
		if o.selector != "" {
			q.Set("selector", o.selector)
		}
		if o.all {
			q.Set("all", "true")
		}
	}
	return q
}

// applyManifests applies the manifests of o and prints a line per object, created,
// configured, unchanged or pruned, as kubectl does; warnings go to stderr.
func applyManifests(c *client, o applyOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	body, warnings, err := readManifests(o.files, o.namespace, stdin)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "Warning:", w)
	}
	var res api.ApplyResult
	if err := c.do("POST", "/api/v1/manifests", applyQuery(o), "application/yaml", body, &res); err != nil {
		return err
	}
	suffix := ""
	if o.dryRun {
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
