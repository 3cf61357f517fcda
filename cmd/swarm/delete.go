package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// deleteOptions are swarm delete's flags besides -f.
type deleteOptions struct {
	namespace     string
	allNamespaces bool
	selector      string // -l
	all           bool   // --all: every object of the kinds
}

func newDeleteCommand() *cobra.Command {
	var file string
	var o deleteOptions
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "delete (-f FILE | KIND NAME... | KIND/NAME... | KIND[,KIND...] (-l SELECTOR | --all))",
		Short: "Delete objects from the cluster, by manifest, by kind and name, or by label",
		Example: `  swarm delete -f app.yaml
  swarm delete deployment web
  swarm delete deployment/web service/web
  swarm delete svc api -n shop
  swarm delete deploy,svc -l app=web
  swarm delete pods --all
  swarm delete namespace shop
  swarm delete job migrate
  swarm delete node n3`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case file != "" && len(args) != 0, file == "" && len(args) == 0:
				return fmt.Errorf("give either -f FILE or KIND NAME, for example `swarm delete deployment web`")
			case o.selector != "" && o.all:
				return fmt.Errorf("cannot set --all and --selector at the same time")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if file == "" && len(args) == 2 && resources[strings.ToLower(args[0])] == "nodes" {
				// A node gone for good: what swarm node remove does.
				c, err := co.client()
				if err != nil {
					return err
				}
				return runNodeRemove(c, args[1], cmd.OutOrStdout())
			}
			if file == "" {
				if err := checkDeleteArgs(o, args); err != nil {
					return err
				}
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			if file != "" {
				return deleteManifest(c, file, cmd.InOrStdin(), cmd.OutOrStdout())
			}
			return runDelete(c, o, args, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "delete the objects of this manifest file, folder or - (standard input)")
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "default", "namespace of the object")
	cmd.Flags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "with -l or --all: in every namespace")
	cmd.Flags().StringVarP(&o.selector, "selector", "l", "", "delete the objects of the kinds that this label selector matches")
	cmd.Flags().BoolVar(&o.all, "all", false, "delete every object of the kinds in the namespace")
	addClientFlags(cmd, &co)
	return cmd
}

// checkDeleteArgs checks what is to be deleted before anything is, as kubectl does: names
// or a selector (or --all), not both, and kinds that swarm delete deletes.
func checkDeleteArgs(o deleteOptions, args []string) error {
	reqs, err := parseGetArgs(args)
	if err != nil {
		return err
	}
	named := false
	for _, r := range reqs {
		if _, ok := kinds[r.resource]; !ok {
			return fmt.Errorf("unknown kind %q: use pod, deployment, statefulset, daemonset, job, cronjob, service, ingress, configmap, secret, pvc or namespace", r.resource)
		}
		named = named || len(r.names) > 0
	}
	switch {
	case named && (o.selector != "" || o.all):
		return fmt.Errorf("name cannot be provided when a selector is specified")
	case !named && o.selector == "" && !o.all:
		return fmt.Errorf("resource(s) were provided, but no name was specified: give a NAME, -l SELECTOR or --all")
	}
	return checkSelectors(o.selector, "")
}

// runDelete deletes the objects named by args, or those of the kinds in args that the
// selector matches (every one with --all), each with its line.
func runDelete(c *client, o deleteOptions, args []string, out io.Writer) error {
	reqs, err := parseGetArgs(args)
	if err != nil {
		return err
	}
	type target struct{ kind, ns, name string }
	var targets []target
	for _, r := range reqs {
		for _, name := range r.names {
			targets = append(targets, target{kinds[r.resource], o.namespace, name})
		}
		if len(r.names) > 0 {
			continue
		}
		f, err := fetch(c, getOptions{namespace: o.namespace, allNamespaces: o.allNamespaces, selector: o.selector}, getRequest{resource: r.resource})
		if err != nil {
			return err
		}
		for _, it := range f.items {
			var m struct{ Metadata struct{ Namespace string } }
			if err := json.Unmarshal(it.raw, &m); err != nil {
				return fmt.Errorf("decode list item: %w", err)
			}
			targets = append(targets, target{kinds[r.resource], m.Metadata.Namespace, it.name})
		}
	}
	if len(targets) == 0 {
		fmt.Fprintln(out, "No resources found")
		return nil
	}
	if len(targets) == 1 {
		return deleteObject(c, targets[0].kind, targets[0].ns, targets[0].name, out)
	}
	var failed []string
	for _, t := range targets {
		if err := deleteObject(c, t.kind, t.ns, t.name, out); err != nil {
			failed = append(failed, fmt.Sprintf("%s/%s: %v", resourceName(t.kind), t.name, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "\n"))
	}
	return nil
}

func deleteObject(c *client, kind, ns, name string, out io.Writer) error {
	if kind == "Namespace" {
		return deleteNamespace(c, name, out)
	}
	var res api.Applied
	path := "/api/v1/manifests/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	if err := c.do("DELETE", path, url.Values{"kind": {kind}}, "", nil, &res); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s/%s deleted\n", resourceName(res.Kind), res.Name)
	return nil
}

// deleteManifest deletes every object a manifest names; objects already gone are reported
// and skipped, as kubectl does.
func deleteManifest(c *client, file string, stdin io.Reader, out io.Writer) error {
	inputs, err := manifest.Read(file, stdin)
	if err != nil {
		return err
	}
	set, err := manifest.Parse(inputs...)
	if err != nil {
		return err
	}
	// A namespace goes last: deleting it deletes what is in it, which would leave the
	// deletes of its objects that follow nothing to find.
	objects := slices.Clone(set.Objects)
	slices.SortStableFunc(objects, func(a, b manifest.Object) int {
		return cmp.Compare(boolInt(a.Namespace != nil), boolInt(b.Namespace != nil))
	})
	var failed []string
	for _, o := range objects {
		m := o.Meta()
		if err := deleteObject(c, o.Kind, m.Namespace, m.Name, out); err != nil {
			failed = append(failed, fmt.Sprintf("%s/%s: %v", resourceName(o.Kind), m.Name, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s", strings.Join(failed, "\n"))
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
