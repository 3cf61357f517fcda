package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

// resources maps what a user may type to the API's list path.
var resources = map[string]string{
	"pod": "pods", "pods": "pods", "po": "pods",
	"deployment": "deployments", "deployments": "deployments", "deploy": "deployments",
	"service": "services", "services": "services", "svc": "services",
	"ingress": "ingresses", "ingresses": "ingresses", "ing": "ingresses",
	"node": "nodes", "nodes": "nodes", "no": "nodes",
	"event": "events", "events": "events", "ev": "events",
	"persistentvolumeclaim": "persistentvolumeclaims", "persistentvolumeclaims": "persistentvolumeclaims", "pvc": "persistentvolumeclaims",
	"configmap": "configmaps", "configmaps": "configmaps", "cm": "configmaps",
	"secret": "secrets", "secrets": "secrets",
	"daemonset": "daemonsets", "daemonsets": "daemonsets", "ds": "daemonsets",
	"namespace": "namespaces", "namespaces": "namespaces", "ns": "namespaces",
	"statefulset": "statefulsets", "statefulsets": "statefulsets", "sts": "statefulsets",
	"job": "jobs", "jobs": "jobs",
	"cronjob": "cronjobs", "cronjobs": "cronjobs", "cj": "cronjobs",
}

type getOptions struct {
	client        clientOptions
	namespace     string
	allNamespaces bool
	output        string
	name          string // one object only; "" lists them all
}

func newGetCommand() *cobra.Command {
	var o getOptions
	cmd := &cobra.Command{
		Use:   "get pods|deployments|statefulsets|daemonsets|jobs|cronjobs|services|ingresses|configmaps|secrets|pvc|namespaces|nodes|events [NAME]",
		Short: "List objects of the cluster, as kubectl does",
		Example: `  swarm get pods
  swarm get deployments -A
  swarm get pods -o wide
  swarm get deployment web -o yaml
  swarm get nodes -o json
  swarm get events -A
  swarm get configmaps
  swarm get secret db -o yaml
  swarm get pvc
  swarm get sts -o wide
  swarm get ds -o wide
  swarm get jobs
  swarm get cronjobs -o wide
  swarm get namespaces`,
		Args:      cobra.RangeArgs(1, 2),
		ValidArgs: []string{"pods", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "services", "ingresses", "configmaps", "secrets", "pvc", "namespaces", "nodes", "events"},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client.client()
			if err != nil {
				return err
			}
			if len(args) == 2 {
				o.name = args[1]
			}
			return runGet(c, o, args[0], cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", "default", "namespace to list")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", false, "list every namespace")
	f.StringVarP(&o.output, "output", "o", "", "output format: wide, json or yaml")
	addClientFlags(cmd, &o.client)
	return cmd
}

func runGet(c *client, o getOptions, what string, out io.Writer) error {
	path, ok := resources[strings.ToLower(what)]
	if !ok {
		return fmt.Errorf("unknown resource type %q: use pods, deployments, statefulsets, daemonsets, jobs, cronjobs, services, ingresses, configmaps, secrets, pvc, namespaces, nodes or events", what)
	}
	switch o.output {
	case "", "wide", "json", "yaml":
	default:
		return fmt.Errorf("--output %q: use wide, json or yaml", o.output)
	}
	q := url.Values{}
	if !o.allNamespaces && !clusterScoped(path) {
		q.Set("namespace", o.namespace)
	}
	var raw struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := c.do("GET", "/api/v1/"+path, q, "", nil, &raw); err != nil {
		return err
	}
	var doc any = raw
	if o.name != "" {
		item, err := named(raw.Items, o.name, path, o.namespace)
		if err != nil {
			return err
		}
		raw.Items, doc = []json.RawMessage{item}, item
	}
	switch o.output {
	case "json", "yaml":
		b, err := json.MarshalIndent(doc, "", "    ")
		if err != nil {
			return err
		}
		if o.output == "yaml" {
			if b, err = yaml.JSONToYAML(b); err != nil {
				return err
			}
		}
		_, err = fmt.Fprintln(out, strings.TrimRight(string(b), "\n"))
		return err
	}
	if len(raw.Items) == 0 {
		if clusterScoped(path) || o.allNamespaces {
			fmt.Fprintln(out, "No resources found")
		} else {
			fmt.Fprintf(out, "No resources found in %s namespace.\n", o.namespace)
		}
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	defer tw.Flush()
	wide := o.output == "wide"
	ns := o.allNamespaces && !clusterScoped(path)
	switch path {
	case "pods":
		return printTable(tw, raw.Items, ns, podRow(wide))
	case "deployments":
		return printTable(tw, raw.Items, ns, deploymentRow(wide))
	case "services":
		return printTable(tw, raw.Items, ns, serviceRow(time.Now()))
	case "ingresses":
		return printTable(tw, raw.Items, ns, ingressRow)
	case "events":
		return printTable(tw, raw.Items, ns, eventRow(wide, time.Now()))
	case "persistentvolumeclaims":
		return printTable(tw, raw.Items, ns, claimRow(wide, time.Now()))
	case "statefulsets":
		return printTable(tw, raw.Items, ns, statefulSetRow(wide, time.Now()))
	case "configmaps":
		return printTable(tw, raw.Items, ns, configMapRow(time.Now()))
	case "secrets":
		return printTable(tw, raw.Items, ns, secretRow(time.Now()))
	case "daemonsets":
		return printTable(tw, raw.Items, ns, daemonSetRow(wide, time.Now()))
	case "namespaces":
		return printTable(tw, raw.Items, false, namespaceRow(time.Now()))
	case "jobs":
		return printTable(tw, raw.Items, ns, jobRow(wide, time.Now()))
	case "cronjobs":
		return printTable(tw, raw.Items, ns, cronJobRow(wide, time.Now()))
	default:
		return printTable(tw, raw.Items, false, nodeRow(wide))
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

func printTable[T any](w io.Writer, items []json.RawMessage, withNamespace bool, r row[T]) error {
	_, header := r(nil)
	if withNamespace {
		header = append([]string{"NAMESPACE"}, header...)
	}
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, raw := range items {
		var obj T
		if err := json.Unmarshal(raw, &obj); err != nil {
			return fmt.Errorf("decode list item: %w", err)
		}
		ns, cells := r(&obj)
		if withNamespace {
			cells = append([]string{ns}, cells...)
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	return nil
}

func podRow(wide bool) row[corev1.Pod] {
	return func(p *corev1.Pod) (string, []string) {
		if p == nil {
			h := []string{"NAME", "READY", "STATUS", "RESTARTS"}
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
		cells := []string{p.Name, fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers)), status, fmt.Sprint(restarts)}
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

func deploymentRow(wide bool) row[appsv1.Deployment] {
	return func(d *appsv1.Deployment) (string, []string) {
		if d == nil {
			h := []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE"}
			if wide {
				h = append(h, "CONTAINERS", "IMAGES", "SELECTOR")
			}
			return "", h
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		cells := []string{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, want), fmt.Sprint(d.Status.UpdatedReplicas), fmt.Sprint(d.Status.AvailableReplicas)}
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

func ingressRow(in *networkingv1.Ingress) (string, []string) {
	if in == nil {
		return "", []string{"NAME", "CLASS", "HOSTS", "PORTS"}
	}
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
	return in.Namespace, []string{in.Name, class, strings.Join(hosts, ","), ports}
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
		age := "<unknown>"
		if !n.CreationTimestamp.IsZero() {
			age = shortDuration(time.Since(n.CreationTimestamp.Time))
		}
		cells := []string{n.Name, status, role, age, addr}
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
