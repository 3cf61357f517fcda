package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

func newTopCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top",
		Short: "Show the CPU and memory that nodes and pods use",
		Long: `Show the CPU and memory that nodes, or the containers of pods, use now, as kubectl top:
each node measures itself (its /proc figures) and its containers (their cgroups) over
one second when asked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return errors.New("name what to show: swarm top nodes or swarm top pods")
		},
	}
	cmd.AddCommand(newTopNodesCommand(), newTopPodsCommand())
	return cmd
}

func newTopNodesCommand() *cobra.Command {
	var co clientOptions
	var noHeaders bool
	cmd := &cobra.Command{
		Use:     "nodes [NAME]",
		Aliases: []string{"node", "no"},
		Short:   "Show the CPU and memory each node uses",
		Example: `  swarm top nodes
  swarm top node n1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return runTopNodes(cmd.Context(), c, name, noHeaders, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "print no header line")
	addClientFlags(cmd, &co)
	return cmd
}

func newTopPodsCommand() *cobra.Command {
	var co clientOptions
	var o topPodsOptions
	cmd := &cobra.Command{
		Use:     "pods [NAME]",
		Aliases: []string{"pod", "po"},
		Short:   "Show the CPU and memory the containers of each pod use",
		Example: `  swarm top pods
  swarm top pods -A --containers`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				o.name = args[0]
			}
			return runTopPods(cmd.Context(), c, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&o.namespace, "namespace", "n", "default", "the pods' namespace")
	cmd.Flags().BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "the pods of every namespace")
	cmd.Flags().BoolVar(&o.containers, "containers", false, "a line for each container")
	cmd.Flags().BoolVar(&o.noHeaders, "no-headers", false, "print no header line")
	addClientFlags(cmd, &co)
	return cmd
}

// nodeUsages asks every node (or the named one) for its use, all at once; a node that does
// not answer has a nil entry.
func nodeUsages(ctx context.Context, c *client, only string) ([]string, map[string]*api.NodeUsage, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var nodes corev1.NodeList
	if err := c.do("GET", "/api/v1/nodes", nil, "", nil, &nodes); err != nil {
		return nil, nil, err
	}
	var names []string
	for _, n := range nodes.Items {
		if only == "" || n.Name == only {
			names = append(names, n.Name)
		}
	}
	if only != "" && len(names) == 0 {
		return nil, nil, fmt.Errorf("nodes %q not found", only)
	}
	slices.Sort(names)
	usage := map[string]*api.NodeUsage{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			var u api.NodeUsage
			if err := c.api.Get(ctx, "/api/v1/nodes/"+url.PathEscape(name)+"/usage", nil, &u); err != nil {
				u.Node = ""
			}
			mu.Lock()
			defer mu.Unlock()
			if u.Node != "" {
				usage[name] = &u
			} else {
				usage[name] = nil
			}
		})
	}
	wg.Wait()
	return names, usage, nil
}

// runTopNodes prints kubectl top node's table; a node that did not answer shows <unknown>.
func runTopNodes(ctx context.Context, c *client, only string, noHeaders bool, out io.Writer) error {
	names, usage, err := nodeUsages(ctx, c, only)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	if !noHeaders {
		fmt.Fprintln(tw, "NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)")
	}
	for _, name := range names {
		u := usage[name]
		if u == nil {
			fmt.Fprintf(tw, "%s\t<unknown>\t<unknown>\t<unknown>\t<unknown>\n", name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d%%\t%s\t%d%%\n", name, millicores(u.CPUMillicores), percent(u.CPUMillicores, u.CPUCapacityMillicores),
			mebibytes(u.MemoryBytes), percent(u.MemoryBytes, u.MemoryCapacityBytes))
	}
	return tw.Flush()
}

// topPodsOptions are what `swarm top pods` shows.
type topPodsOptions struct {
	namespace, name                      string
	allNamespaces, containers, noHeaders bool
}

// runTopPods prints kubectl top pod's table from every node's figures.
func runTopPods(ctx context.Context, c *client, o topPodsOptions, out io.Writer) error {
	names, usage, err := nodeUsages(ctx, c, "")
	if err != nil {
		return err
	}
	var pods []api.PodUsage
	for _, n := range names {
		if u := usage[n]; u != nil {
			for _, p := range u.Pods {
				if (o.allNamespaces || p.Namespace == o.namespace) && (o.name == "" || p.Name == o.name) {
					pods = append(pods, p)
				}
			}
		}
	}
	slices.SortFunc(pods, func(a, b api.PodUsage) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	if len(pods) == 0 {
		switch {
		case o.name != "":
			return fmt.Errorf("pods %q not found, or it has no running container to measure", o.name)
		case o.allNamespaces:
			fmt.Fprintln(out, "No resources found")
		default:
			fmt.Fprintf(out, "No resources found in %s namespace.\n", o.namespace)
		}
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	if !o.noHeaders {
		header := "NAME\tCPU(cores)\tMEMORY(bytes)"
		if o.containers {
			header = "POD\tNAME\tCPU(cores)\tMEMORY(bytes)"
		}
		if o.allNamespaces {
			header = "NAMESPACE\t" + header
		}
		fmt.Fprintln(tw, header)
	}
	for _, p := range pods {
		prefix := ""
		if o.allNamespaces {
			prefix = p.Namespace + "\t"
		}
		if o.containers {
			for _, ctr := range p.Containers {
				fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\n", prefix, p.Name, ctr.Name, millicores(ctr.CPUMillicores), mebibytes(ctr.MemoryBytes))
			}
			continue
		}
		var cpu, mem int64
		for _, ctr := range p.Containers {
			cpu, mem = cpu+ctr.CPUMillicores, mem+ctr.MemoryBytes
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\n", prefix, p.Name, millicores(cpu), mebibytes(mem))
	}
	return tw.Flush()
}

// millicores and mebibytes write figures as kubectl top does: 250m, 64Mi.
func millicores(m int64) string { return fmt.Sprintf("%dm", m) }

func mebibytes(b int64) string { return fmt.Sprintf("%dMi", b/(1<<20)) }

func percent(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return part * 100 / whole
}
