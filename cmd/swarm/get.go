package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/agent/kubeapi"
)

type getOptions struct {
	client        clientOptions
	namespace     string
	allNamespaces bool
	output        string
	name          string // one object only; "" lists them all
	selector      string // -l: kubectl's label selector
	fieldSelector string // --field-selector
	showLabels    bool
	sortBy        string // a field path, as kubectl's --sort-by
	noHeaders     bool
	watch         bool
}

func newGetCommand() *cobra.Command {
	var o getOptions
	cmd := &cobra.Command{
		Use:   "get KIND[,KIND...] [NAME...] | KIND/NAME... | all",
		Short: "List objects of the cluster, as kubectl does",
		Long: `List objects of the cluster, as kubectl get does. KIND is one of
` + resourceNames() + `, or all (the workloads and the Services);
several kinds are listed at once with commas (pods,svc), and single objects as KIND/NAME.`,
		Example: `  swarm get pods
  swarm get deployments -A
  swarm get pods -o wide
  swarm get deployment web -o yaml
  swarm get deployment/web service/web
  swarm get pods,svc -l app=web
  swarm get pods --field-selector spec.nodeName=n1,status.phase=Running
  swarm get pods -o name
  swarm get pods -o jsonpath='{.items[*].metadata.name}'
  swarm get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName
  swarm get pods --sort-by=.metadata.creationTimestamp --show-labels
  swarm get pods -w
  swarm get all
  swarm get nodes -o json
  swarm get events -A
  swarm get secret db -o yaml
  swarm get cronjobs -o wide
  swarm get namespaces`,
		Args:      cobra.MinimumNArgs(1),
		ValidArgs: []string{"pods", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "services", "ingresses", "configmaps", "secrets", "pvc", "namespaces", "nodes", "events", "all"},
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			c, err := o.client.client()
			if err != nil {
				return err
			}
			return runGetArgs(ctx, c, o, args, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "default", "namespace to list")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list every namespace")
	f.StringVarP(&o.output, "output", "o", "", "output format: wide, json, yaml, name, jsonpath=TEMPLATE or custom-columns=HEADER:PATH,...")
	f.StringVarP(&o.selector, "selector", "l", "", "label selector, as kubectl's: app=web, tier!=db, 'env in (a,b)', '!canary'")
	f.StringVar(&o.fieldSelector, "field-selector", "", "field selector: metadata.name, metadata.namespace; for pods also spec.nodeName, status.phase, status.podIP, spec.restartPolicy")
	f.BoolVar(&o.showLabels, "show-labels", false, "add a LABELS column to the table")
	f.StringVar(&o.sortBy, "sort-by", "", "sort by a field path, as kubectl: .metadata.name, .metadata.creationTimestamp, .status.phase")
	f.BoolVar(&o.noHeaders, "no-headers", false, "print the table (or custom columns) without its header")
	f.BoolVarP(&o.watch, "watch", "w", false, "after the list, print each change as it happens until interrupted")
	addClientFlags(cmd, &o.client)
	return cmd
}

// runGet lists what (one kind), or gets o.name of it.
func runGet(c *client, o getOptions, what string, out io.Writer) error {
	args := []string{what}
	if o.name != "" {
		args = append(args, o.name)
	}
	return runGetArgs(context.Background(), c, o, args, out)
}

// runGetArgs is swarm get with its arguments: it checks the flags, fetches every kind
// asked for, and prints them; with -w it then watches the one kind until ctx ends.
func runGetArgs(ctx context.Context, c *client, o getOptions, args []string, out io.Writer) error {
	reqs, err := parseGetArgs(args)
	if err != nil {
		return err
	}
	format, err := parseOutput(o.output)
	if err != nil {
		return err
	}
	if err := checkGetOptions(o, reqs); err != nil {
		return err
	}
	if o.watch {
		return watchGet(ctx, c, o, format, reqs[0], out)
	}
	var got []fetched
	var missing []string
	for _, r := range reqs {
		f, err := fetch(c, o, r)
		if err != nil {
			return err
		}
		missing = append(missing, f.missing...)
		if o.sortBy != "" {
			if err := sortItems(f.items, o.sortBy); err != nil {
				return err
			}
		}
		got = append(got, f)
	}
	if err := printFetched(out, o, format, got, len(missing) > 0); err != nil {
		return err
	}
	if len(missing) > 0 {
		return errors.New(strings.Join(missing, "\n"))
	}
	return nil
}

// checkGetOptions refuses, before anything is fetched, the flags that do not go together
// and a malformed selector or sort path.
func checkGetOptions(o getOptions, reqs []getRequest) error {
	if err := checkSelectors(o.selector, o.fieldSelector); err != nil {
		return err
	}
	if o.selector != "" || o.fieldSelector != "" {
		for _, r := range reqs {
			if len(r.names) > 0 {
				return fmt.Errorf("name cannot be provided when a selector is specified")
			}
		}
	}
	if o.sortBy != "" {
		if _, err := relaxedJSONPath(o.sortBy); err != nil {
			return err
		}
	}
	if o.watch {
		if len(reqs) != 1 {
			return fmt.Errorf("you may only specify a single resource type with --watch")
		}
	}
	return nil
}

// printFetched prints what was fetched in format; nothing but the errors when every name
// asked for is missing.
func printFetched(out io.Writer, o getOptions, format outputFormat, got []fetched, someMissing bool) error {
	var all []printed
	for _, f := range got {
		all = append(all, f.items...)
	}
	if len(all) == 0 && someMissing {
		return nil
	}
	switch format.format {
	case "", "wide":
	default:
		return printObjects(out, format, all, document(got), o.noHeaders)
	}
	if len(all) == 0 {
		noResources(out, o, got)
		return nil
	}
	now := time.Now()
	first := true
	for _, f := range got {
		if len(f.items) == 0 {
			continue
		}
		if !first {
			fmt.Fprintln(out)
		}
		first = false
		topts := tableOptions{
			namespace:  o.allNamespaces && !clusterScoped(f.resource),
			noHeaders:  o.noHeaders,
			showLabels: o.showLabels,
		}
		if len(got) > 1 {
			topts.kindPrefix = f.resource
		}
		if err := printKindTable(out, f.resource, raws(f.items), topts, format.format == "wide", now); err != nil {
			return err
		}
	}
	return nil
}

// noResources says that nothing was found, as kubectl does.
func noResources(out io.Writer, o getOptions, got []fetched) {
	scoped := true
	for _, f := range got {
		scoped = scoped && clusterScoped(f.resource)
	}
	if scoped || o.allNamespaces {
		fmt.Fprintln(out, "No resources found")
	} else {
		fmt.Fprintf(out, "No resources found in %s namespace.\n", o.namespace)
	}
}

// printKindTable prints items of resource as its table (see kubeapi.PrinterFor).
func printKindTable(w io.Writer, resource string, items []json.RawMessage, o tableOptions, wide bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	defer tw.Flush()
	p, ok := kubeapi.PrinterFor(resource)
	if !ok {
		p, _ = kubeapi.PrinterFor("nodes")
	}
	if resource == "namespaces" || !ok || resource == "nodes" {
		o.namespace = false
	}
	return writeTable(tw, items, o, p, wide, now)
}

// named picks the item called name, as kubectl get KIND NAME does.
func named(items []json.RawMessage, name, resource, namespace string) (json.RawMessage, error) {
	for _, it := range items {
		var o struct{ Metadata struct{ Name string } }
		if json.Unmarshal(it, &o) == nil && o.Metadata.Name == name {
			return it, nil
		}
	}
	if clusterScoped(resource) {
		return nil, fmt.Errorf("%s %q not found", resource, name)
	}
	return nil, fmt.Errorf("%s %q not found in namespace %s", resource, name, namespace)
}

// tableOptions are what a table shows besides its kind's columns.
type tableOptions struct {
	namespace  bool   // a NAMESPACE column first
	noHeaders  bool   // no header line
	showLabels bool   // a LABELS column last
	kindPrefix string // the list path of the kind, when the NAME cells name it (pod/web)
}

func printTable(w io.Writer, items []json.RawMessage, withNamespace bool, p kubeapi.Printer, wide bool, now time.Time) error {
	return writeTable(w, items, tableOptions{namespace: withNamespace}, p, wide, now)
}

// writeTable prints items as p makes their lines, with what o adds.
func writeTable(w io.Writer, items []json.RawMessage, o tableOptions, p kubeapi.Printer, wide bool, now time.Time) error {
	header := kubeapi.Upper(p.Header(wide))
	nameAt := slices.Index(header, "NAME")
	if o.namespace {
		header = append([]string{"NAMESPACE"}, header...)
	}
	if o.showLabels {
		header = append(header, "LABELS")
	}
	if !o.noHeaders {
		fmt.Fprintln(w, strings.Join(header, "\t"))
	}
	for _, raw := range items {
		ns, cells, err := p.Row(raw, wide, now)
		if err != nil {
			return err
		}
		if o.kindPrefix != "" && nameAt >= 0 {
			cells[nameAt] = qualifiedName(o.kindPrefix, cells[nameAt])
		}
		if o.namespace {
			cells = append([]string{ns}, cells...)
		}
		if o.showLabels {
			var m struct {
				Metadata struct{ Labels map[string]string }
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("decode list item: %w", err)
			}
			cells = append(cells, labelsString(m.Metadata.Labels))
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	return nil
}
