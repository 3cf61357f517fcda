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
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
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

// printKindTable prints items of resource as its table.
func printKindTable(w io.Writer, resource string, items []json.RawMessage, o tableOptions, wide bool, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	defer tw.Flush()
	switch resource {
	case "pods":
		return writeTable(tw, items, o, podRow(wide, now))
	case "deployments":
		return writeTable(tw, items, o, deploymentRow(wide, now))
	case "services":
		return writeTable(tw, items, o, serviceRow(now))
	case "ingresses":
		return writeTable(tw, items, o, ingressRow(now))
	case "events":
		return writeTable(tw, items, o, eventRow(wide, now))
	case "persistentvolumeclaims":
		return writeTable(tw, items, o, claimRow(wide, now))
	case "statefulsets":
		return writeTable(tw, items, o, statefulSetRow(wide, now))
	case "configmaps":
		return writeTable(tw, items, o, configMapRow(now))
	case "secrets":
		return writeTable(tw, items, o, secretRow(now))
	case "daemonsets":
		return writeTable(tw, items, o, daemonSetRow(wide, now))
	case "namespaces":
		o.namespace = false
		return writeTable(tw, items, o, namespaceRow(now))
	case "jobs":
		return writeTable(tw, items, o, jobRow(wide, now))
	case "cronjobs":
		return writeTable(tw, items, o, cronJobRow(wide, now))
	default:
		o.namespace = false
		return writeTable(tw, items, o, nodeRow(wide))
	}
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

// row is one table line: the header is asked for with a nil object.
type row[T any] func(obj *T) (namespace string, cells []string)

// tableOptions are what a table shows besides its kind's columns.
type tableOptions struct {
	namespace  bool   // a NAMESPACE column first
	noHeaders  bool   // no header line
	showLabels bool   // a LABELS column last
	kindPrefix string // the list path of the kind, when the NAME cells name it (pod/web)
}

func printTable[T any](w io.Writer, items []json.RawMessage, withNamespace bool, r row[T]) error {
	return writeTable(w, items, tableOptions{namespace: withNamespace}, r)
}

// writeTable prints items as r makes their lines, with what o adds.
func writeTable[T any](w io.Writer, items []json.RawMessage, o tableOptions, r row[T]) error {
	_, header := r(nil)
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
		var obj T
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("decode list item: %w", err)
		}
		ns, cells := r(&obj)
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

func podRow(wide bool, now time.Time) row[corev1.Pod] {
	return func(p *corev1.Pod) (string, []string) {
		if p == nil {
			h := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}
			if wide {
				h = append(h, "IP", "NODE", "REASON")
			}
			return "", h
		}
		ready, restarts := 0, int32(0)
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Ready {
				ready++
			}
			restarts += cs.RestartCount
		}
		status := string(p.Status.Phase)
		// What the node running the pod says (its status message), else why no node
		// runs it (the scheduled condition's message).
		reason := podReason(p)
		cells := []string{p.Name, fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers)), status, fmt.Sprint(restarts), age(p.CreationTimestamp.Time, now)}
		if wide {
			node := p.Spec.NodeName
			if node == "" {
				node = "<none>"
			}
			if reason == "" {
				reason = "<none>"
			}
			ip := p.Status.PodIP
			if ip == "" {
				ip = "<none>"
			}
			cells = append(cells, ip, node, reason)
		}
		return p.Namespace, cells
	}
}

func deploymentRow(wide bool, now time.Time) row[appsv1.Deployment] {
	return func(d *appsv1.Deployment) (string, []string) {
		if d == nil {
			h := []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}
			if wide {
				h = append(h, "CONTAINERS", "IMAGES", "SELECTOR")
			}
			return "", h
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		cells := []string{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, want), fmt.Sprint(d.Status.UpdatedReplicas), fmt.Sprint(d.Status.AvailableReplicas),
			age(d.CreationTimestamp.Time, now)}
		if wide {
			var names, images []string
			for _, c := range d.Spec.Template.Spec.Containers {
				names, images = append(names, c.Name), append(images, c.Image)
			}
			sel := ""
			if d.Spec.Selector != nil {
				sel = labelsString(d.Spec.Selector.MatchLabels)
			}
			cells = append(cells, strings.Join(names, ","), strings.Join(images, ","), sel)
		}
		return d.Namespace, cells
	}
}

func serviceRow(now time.Time) row[corev1.Service] {
	return func(s *corev1.Service) (string, []string) {
		if s == nil {
			return "", []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}
		}
		return s.Namespace, []string{s.Name, serviceType(s), clusterIPCell(s), externalIPCell(s), servicePorts(s), age(s.CreationTimestamp.Time, now)}
	}
}

func serviceType(s *corev1.Service) string {
	if s.Spec.Type == "" {
		return string(corev1.ServiceTypeClusterIP)
	}
	return string(s.Spec.Type)
}

// clusterIPCell is what kubectl shows: the address, None for a headless Service, <none>
// for an ExternalName, and <pending> here for one the cluster has not allocated yet.
func clusterIPCell(s *corev1.Service) string {
	switch {
	case s.Spec.Type == corev1.ServiceTypeExternalName:
		return "<none>"
	case s.Spec.ClusterIP == "":
		return "<pending>"
	}
	return s.Spec.ClusterIP
}

// externalIPCell is the external name of an ExternalName, the ingress addresses of a
// LoadBalancer (<pending> until there is one), else <none>.
func externalIPCell(s *corev1.Service) string {
	switch serviceType(s) {
	case string(corev1.ServiceTypeExternalName):
		return s.Spec.ExternalName
	case string(corev1.ServiceTypeLoadBalancer):
		var ips []string
		for _, in := range s.Status.LoadBalancer.Ingress {
			ips = append(ips, in.IP)
		}
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	}
	return "<none>"
}

// servicePorts spells the ports as kubectl: 80/TCP, and 80:30080/TCP with a node port.
func servicePorts(s *corev1.Service) string {
	var ports []string
	for _, p := range s.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		if p.NodePort != 0 {
			ports = append(ports, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, proto))
		} else {
			ports = append(ports, fmt.Sprintf("%d/%s", p.Port, proto))
		}
	}
	if len(ports) == 0 {
		return "<none>"
	}
	return strings.Join(ports, ",")
}

func ingressRow(now time.Time) row[networkingv1.Ingress] {
	return func(in *networkingv1.Ingress) (string, []string) {
		if in == nil {
			return "", []string{"NAME", "CLASS", "HOSTS", "PORTS", "AGE"}
		}
		return in.Namespace, ingressCells(in, now)
	}
}

func ingressCells(in *networkingv1.Ingress, now time.Time) []string {
	class := "<none>"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	var hosts []string
	for _, r := range in.Spec.Rules {
		if r.Host != "" {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 {
		hosts = []string{"*"}
	}
	ports := "80"
	if len(in.Spec.TLS) > 0 {
		ports = "80, 443"
	}
	return []string{in.Name, class, strings.Join(hosts, ","), ports, age(in.CreationTimestamp.Time, now)}
}

func nodeRow(wide bool) row[corev1.Node] {
	return func(n *corev1.Node) (string, []string) {
		if n == nil {
			h := []string{"NAME", "STATUS", "ROLES", "AGE", "ADDRESS"}
			if wide {
				h = append(h, "API", "RUNTIME", "LABELS")
			}
			return "", h
		}
		status := nodeStatus(n)
		role := "<none>"
		if n.Annotations["swarm.podman.io/leader"] == "true" {
			role = "leader"
		}
		addr := ""
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				addr = a.Address
			}
		}
		cells := []string{n.Name, status, role, age(n.CreationTimestamp.Time, time.Now()), addr}
		if wide {
			cells = append(cells, n.Annotations["swarm.podman.io/api"], n.Annotations["swarm.podman.io/runtime"], labelsString(n.Labels))
		}
		return "", cells
	}
}

// nodeStatus is Ready, AgentDown (its agent is down, its pods still serve), Lost (its
// agent and its workloads are gone: its pods move) or NotReady, with the node's problems
// after it as kubectl shows them (Ready,SchedulingDisabled): StoreFailing when the node
// cannot write its store.
func nodeStatus(n *corev1.Node) string {
	status := "NotReady"
	for _, c := range n.Status.Conditions {
		switch {
		case c.Type != corev1.NodeReady:
		case c.Status == corev1.ConditionTrue:
			status = "Ready"
		case c.Reason == "AgentDown":
			status = "AgentDown"
		case c.Reason == "NodeLost":
			status = "Lost"
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == nodeStoreFailing && c.Status == corev1.ConditionTrue {
			status += "," + string(nodeStoreFailing)
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// nodeStoreFailing is the condition of a node that cannot write its store (True).
const nodeStoreFailing corev1.NodeConditionType = "StoreFailing"

func labelsString(m map[string]string) string {
	if len(m) == 0 {
		return "<none>"
	}
	var kv []string
	for k, v := range m {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

// shortDuration prints an age as kubectl does: 45s, 12m, 3h, 5d.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
