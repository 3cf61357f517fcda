package main

import (
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
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/discovery"
	"github.com/podman-swarm/podman-swarm/manifest"
)

func newDescribeCommand() *cobra.Command {
	var namespace string
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "describe (pod|deployment|statefulset|daemonset|job|cronjob|service|ingress|configmap|secret|pvc|namespace|node) NAME",
		Short: "Show one object in detail, with its pods, endpoints or units",
		Long: `Show one object in detail, as kubectl describe does:
  pod         placement, status, and its units as systemd has them on its node
  deployment  replicas, strategy, template, and its pods with their nodes
  daemonset   nodes counted, strategy, template, and its pods with their nodes
  service     ports, and its endpoints (node address and published port, ready or not)
  ingress     rules, backends and TLS
  configmap   its keys with their values (binary ones by size)
  secret      its type and keys with the size of each value, never a value
  pvc         status, the node its volume is on, reclaim policy, and the pods using it
  statefulset replicas, pod management, update strategy and partition, revisions, the
              pod template, the claims' templates, and its pods with their nodes
  job         completions, parallelism, back-off, its pods' counts and conditions, and
              every pod it made with its node and how it ended
  cronjob     schedule, time zone, policies, history limits, and its active Jobs
  namespace   labels, status, and while it is being deleted what is left in it
  node        addresses, labels, state, and the pods it runs
A pod, deployment, statefulset, daemonset, job, cronjob, service, ingress, configmap, secret or pvc ends with its events, the last seen at the end.`,
		Example: `  swarm describe pod web-859f4648f8-88f7c
  swarm describe deployment web
  swarm describe svc api -n shop
  swarm describe node n1`,
		Args:      cobra.ExactArgs(2),
		ValidArgs: []string{"pod", "deployment", "statefulset", "daemonset", "job", "cronjob", "service", "ingress", "configmap", "secret", "pvc", "namespace", "node"},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runDescribeKind(c, args[0], namespace, args[1], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the object's namespace")
	addClientFlags(cmd, &co)
	return cmd
}

func runDescribeKind(c *client, kind, ns, name string, out io.Writer) error {
	path := "/" + url.PathEscape(ns) + "/" + url.PathEscape(name)
	switch resources[strings.ToLower(kind)] {
	case "pods":
		if err := runDescribe(c, ns, name, out); err != nil {
			return err
		}
		return describeEvents(c, out, "Pod", ns, name, time.Now())
	case "deployments":
		var d appsv1.Deployment
		if err := c.do("GET", "/api/v1/deployments"+path, nil, "", nil, &d); err != nil {
			return err
		}
		pods, err := listPods(c, ns)
		if err != nil {
			return err
		}
		if err := describeDeployment(out, &d, pods); err != nil {
			return err
		}
		return describeEvents(c, out, "Deployment", ns, name, time.Now())
	case "services":
		var s corev1.Service
		if err := c.do("GET", "/api/v1/services"+path, nil, "", nil, &s); err != nil {
			return err
		}
		var eps discovery.Service
		if err := c.do("GET", "/api/v1/services"+path+"/endpoints", nil, "", nil, &eps); err != nil {
			return err
		}
		if err := describeService(out, &s, eps); err != nil {
			return err
		}
		return describeEvents(c, out, "Service", ns, name, time.Now())
	case "ingresses":
		var in networkingv1.Ingress
		if err := c.do("GET", "/api/v1/ingresses"+path, nil, "", nil, &in); err != nil {
			return err
		}
		if err := describeIngress(out, &in); err != nil {
			return err
		}
		return describeEvents(c, out, "Ingress", ns, name, time.Now())
	case "persistentvolumeclaims":
		return runDescribeClaim(c, ns, name, out)
	case "daemonsets":
		return runDescribeDaemonSet(c, ns, name, out)
	case "statefulsets":
		return runDescribeStatefulSet(c, ns, name, out)
	case "jobs":
		return runDescribeJob(c, ns, name, out)
	case "cronjobs":
		return runDescribeCronJob(c, ns, name, out)
	case "configmaps":
		var cm corev1.ConfigMap
		if err := c.do("GET", "/api/v1/configmaps"+path, nil, "", nil, &cm); err != nil {
			return err
		}
		if err := describeConfigMap(out, &cm); err != nil {
			return err
		}
		return describeEvents(c, out, "ConfigMap", ns, name, time.Now())
	case "secrets":
		var s corev1.Secret
		if err := c.do("GET", "/api/v1/secrets"+path, nil, "", nil, &s); err != nil {
			return err
		}
		if err := describeSecret(out, &s); err != nil {
			return err
		}
		return describeEvents(c, out, "Secret", ns, name, time.Now())
	case "namespaces":
		return runDescribeNamespace(c, name, out)
	case "nodes":
		var n corev1.Node
		if err := c.do("GET", "/api/v1/nodes/"+url.PathEscape(name), nil, "", nil, &n); err != nil {
			return err
		}
		pods, err := listPods(c, "")
		if err != nil {
			return err
		}
		return describeNode(out, &n, pods)
	}
	return fmt.Errorf("cannot describe %q: use pod, deployment, statefulset, daemonset, job, cronjob, service, ingress, configmap, secret, pvc, namespace or node", kind)
}

func listPods(c *client, ns string) ([]corev1.Pod, error) {
	var l struct{ Items []corev1.Pod }
	q := url.Values{}
	if ns != "" {
		q.Set("namespace", ns)
	}
	err := c.do("GET", "/api/v1/pods", q, "", nil, &l)
	return l.Items, err
}

func describeDeployment(out io.Writer, d *appsv1.Deployment, pods []corev1.Pod) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", d.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", d.Namespace)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(d.Labels))
	describeAnnotations(tw, d.Annotations)
	if d.Spec.Selector != nil {
		fmt.Fprintf(tw, "Selector:\t%s\n", labelsString(d.Spec.Selector.MatchLabels))
	}
	s := d.Status
	fmt.Fprintf(tw, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable\n",
		manifest.Replicas(d), s.UpdatedReplicas, s.Replicas, s.AvailableReplicas, s.UnavailableReplicas)
	strategy := d.Spec.Strategy.Type
	if strategy == "" {
		strategy = appsv1.RollingUpdateDeploymentStrategyType
	}
	fmt.Fprintf(tw, "StrategyType:\t%s\n", strategy)
	fmt.Fprintf(tw, "MinReadySeconds:\t%d\n", d.Spec.MinReadySeconds)
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil && strategy == appsv1.RollingUpdateDeploymentStrategyType {
		fmt.Fprintf(tw, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", intOrString(ru.MaxUnavailable, "25%"), intOrString(ru.MaxSurge, "25%"))
	}
	fmt.Fprintln(tw, "Pod Template:")
	fmt.Fprintf(tw, "  Labels:\t%s\n", labelsString(d.Spec.Template.Labels))
	describeContainers(tw, d.Spec.Template.Spec.Containers)
	// The rollout's own conditions, which every Deployment has, get a section of their
	// own; Conditions lists only what is wrong beside them (ReplicaFailure).
	var rollout, other []appsv1.DeploymentCondition
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable || c.Type == appsv1.DeploymentProgressing {
			rollout = append(rollout, c)
		} else {
			other = append(other, c)
		}
	}
	if len(rollout) > 0 {
		fmt.Fprintln(tw, "Rollout:")
		if r := d.Annotations[annotationRevision]; r != "" {
			fmt.Fprintf(tw, "  Revision:\t%s\n", r)
		}
		for _, c := range rollout {
			fmt.Fprintf(tw, "  %s:\t%s (%s)\t%s\n", c.Type, c.Status, c.Reason, c.Message)
		}
		if note := d.Annotations[annotationRolledBack]; note != "" {
			fmt.Fprintf(tw, "  RolledBack:\t%s\n", note)
		}
	}
	if len(other) > 0 {
		fmt.Fprintln(tw, "Conditions:")
		for _, c := range other {
			fmt.Fprintf(tw, "  %s:\t%s (%s)\t%s\n", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	fmt.Fprintln(tw, "Pods:")
	n := 0
	for _, p := range pods {
		if !ownedBy(p, d.Name) {
			continue
		}
		n++
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, orNone(p.Spec.NodeName), podStatus(&p), podReason(&p))
	}
	if n == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	return tw.Flush()
}

// describeAnnotations lists annotations as kubectl describe does, one "key: value" a
// line: the revision and the rollback notes of a Deployment among them, but not the
// last-applied configuration, a copy of the whole object.
func describeAnnotations(tw io.Writer, annotations map[string]string) {
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		if k != lastAppliedAnnotation {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		fmt.Fprintln(tw, "Annotations:\t<none>")
		return
	}
	sort.Strings(keys)
	for i, k := range keys {
		label := ""
		if i == 0 {
			label = "Annotations:"
		}
		fmt.Fprintf(tw, "%s\t%s: %s\n", label, k, annotations[k])
	}
}

func describeContainers(tw io.Writer, containers []corev1.Container) {
	fmt.Fprintln(tw, "  Containers:")
	for _, ctr := range containers {
		fmt.Fprintf(tw, "   %s:\n", ctr.Name)
		fmt.Fprintf(tw, "    Image:\t%s\n", ctr.Image)
		var ports []string
		for _, p := range ctr.Ports {
			ports = append(ports, fmt.Sprintf("%d/%s", p.ContainerPort, orDefault(string(p.Protocol), "TCP")))
		}
		if len(ports) > 0 {
			fmt.Fprintf(tw, "    Ports:\t%s\n", strings.Join(ports, ", "))
		}
		if len(ctr.Command) > 0 || len(ctr.Args) > 0 {
			fmt.Fprintf(tw, "    Command:\t%s\n", strings.Join(append(append([]string{}, ctr.Command...), ctr.Args...), " "))
		}
		var env []string
		for _, e := range ctr.Env {
			env = append(env, e.Name)
		}
		if len(env) > 0 {
			fmt.Fprintf(tw, "    Environment:\t%s\n", strings.Join(env, ", "))
		}
	}
}

func describeService(out io.Writer, s *corev1.Service, eps discovery.Service) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", s.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", s.Namespace)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(s.Labels))
	fmt.Fprintf(tw, "Selector:\t%s\n", labelsString(s.Spec.Selector))
	fmt.Fprintf(tw, "Type:\t%s\n", orDefault(string(s.Spec.Type), "ClusterIP"))
	for _, p := range s.Spec.Ports {
		target := p.TargetPort.String()
		if target == "0" || target == "" {
			target = fmt.Sprint(p.Port)
		}
		fmt.Fprintf(tw, "Port:\t%s %d/%s -> container port %s\n", orNone(p.Name), p.Port, orDefault(string(p.Protocol), "TCP"), target)
	}
	fmt.Fprintf(tw, "DNS:\t%s.%s.svc.cluster.local (the nodes' swarm dns)\n", s.Name, s.Namespace)
	fmt.Fprintln(tw, "Endpoints:")
	if len(eps.Endpoints) == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	for _, ep := range eps.Endpoints {
		var ports []string
		for _, p := range ep.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d", ep.Address, p.Port))
		}
		ready := "ready"
		if !ep.Ready {
			ready = "not ready"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", ep.Pod, ep.Node, strings.Join(ports, ","), ready)
	}
	return tw.Flush()
}

func describeIngress(out io.Writer, in *networkingv1.Ingress) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", in.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", in.Namespace)
	class := "<none>"
	if in.Spec.IngressClassName != nil {
		class = *in.Spec.IngressClassName
	}
	fmt.Fprintf(tw, "Ingress Class:\t%s\n", class)
	if b := in.Spec.DefaultBackend; b != nil {
		fmt.Fprintf(tw, "Default backend:\t%s\n", backendString(b))
	}
	for _, t := range in.Spec.TLS {
		fmt.Fprintf(tw, "TLS:\t%s terminates %s\n", t.SecretName, strings.Join(t.Hosts, ","))
	}
	fmt.Fprintln(tw, "Rules:")
	fmt.Fprintln(tw, "  Host\tPath\tBackend")
	for _, r := range in.Spec.Rules {
		host := orDefault(r.Host, "*")
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			pt := "Prefix"
			if p.PathType != nil {
				pt = string(*p.PathType)
			}
			fmt.Fprintf(tw, "  %s\t%s (%s)\t%s\n", host, orDefault(p.Path, "/"), pt, backendString(&p.Backend))
		}
	}
	return tw.Flush()
}

func backendString(b *networkingv1.IngressBackend) string {
	if b.Service == nil {
		return "<resource backend: not supported>"
	}
	port := b.Service.Port.Name
	if port == "" {
		port = fmt.Sprint(b.Service.Port.Number)
	}
	return b.Service.Name + ":" + port
}

func describeNode(out io.Writer, n *corev1.Node, pods []corev1.Pod) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", n.Name)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(n.Labels))
	for _, a := range n.Status.Addresses {
		fmt.Fprintf(tw, "%s:\t%s\n", a.Type, a.Address)
	}
	keys := make([]string, 0, len(n.Annotations))
	for k := range n.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s:\t%s\n", strings.TrimPrefix(k, "swarm.podman.io/"), n.Annotations[k])
	}
	fmt.Fprintf(tw, "Joined:\t%s\n", n.CreationTimestamp.Format(time.RFC3339))
	describeNodeTaints(tw, n)
	describeNodeConditions(tw, n.Status.Conditions)
	fmt.Fprintln(tw, "Pods:")
	count := 0
	for _, p := range pods {
		if p.Spec.NodeName != n.Name {
			continue
		}
		count++
		fmt.Fprintf(tw, "  %s/%s\t%s\n", p.Namespace, p.Name, podStatus(&p))
	}
	if count == 0 {
		fmt.Fprintln(tw, "  <none>")
	}
	return tw.Flush()
}

// describeNodeConditions lists a node's conditions as kubectl does: each with its status,
// reason, since when (when known) and message.
func describeNodeConditions(tw io.Writer, conds []corev1.NodeCondition) {
	fmt.Fprintln(tw, "Conditions:")
	for _, c := range conds {
		since := ""
		if !c.LastTransitionTime.IsZero() {
			since = " since " + c.LastTransitionTime.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "  %s:\t%s (%s%s)", c.Type, c.Status, c.Reason, since)
		if c.Message != "" {
			fmt.Fprintf(tw, "\t%s", c.Message)
		}
		fmt.Fprintln(tw)
	}
}

func ownedBy(p corev1.Pod, deployment string) bool {
	for _, o := range p.OwnerReferences {
		if o.Kind == "Deployment" && o.Name == deployment {
			return true
		}
	}
	return false
}

// podStatus is the phase, with Ready when the pod is.
func podStatus(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return string(p.Status.Phase) + ", Ready"
		}
	}
	return string(p.Status.Phase)
}

func orNone(s string) string { return orDefault(s, "<none>") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
func runDescribe(c *client, ns, pod string, out io.Writer) error {
	var d api.PodDescription
	if err := c.do("GET", "/api/v1/pods/"+url.PathEscape(ns)+"/"+url.PathEscape(pod), nil, "", nil, &d); err != nil {
		return err
	}
	p := d.Pod
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", p.Name)
	fmt.Fprintf(tw, "Namespace:\t%s\n", p.Namespace)
	node := d.Node
	if node == "" {
		node = "<none>"
	}
	fmt.Fprintf(tw, "Node:\t%s\n", node)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(p.Labels))
	fmt.Fprintf(tw, "Status:\t%s\n", p.Status.Phase)
	if p.Status.HostIP != "" {
		fmt.Fprintf(tw, "IP:\t%s\n", p.Status.HostIP)
	}
	if p.Status.Message != "" {
		fmt.Fprintf(tw, "Message:\t%s\n", p.Status.Message)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Status == "False" && cond.Message != "" {
			fmt.Fprintf(tw, "Reason:\t%s\n", cond.Message)
		}
	}
	fmt.Fprintln(tw, "Containers:")
	for _, ctr := range p.Spec.Containers {
		fmt.Fprintf(tw, "  %s:\n", ctr.Name)
		fmt.Fprintf(tw, "    Image:\t%s\n", ctr.Image)
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name != ctr.Name {
				continue
			}
			state := "Waiting"
			switch {
			case cs.State.Running != nil:
				state = "Running"
			case cs.State.Terminated != nil:
				state = fmt.Sprintf("Terminated (exit code %d, %s)", cs.State.Terminated.ExitCode, cs.State.Terminated.Reason)
			case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
				state = "Waiting (" + cs.State.Waiting.Reason + ")"
			}
			fmt.Fprintf(tw, "    State:\t%s\n", state)
			fmt.Fprintf(tw, "    Ready:\t%t\n", cs.Ready)
			fmt.Fprintf(tw, "    Restart Count:\t%d\n", cs.RestartCount)
		}
	}
	if d.Detail != nil {
		fmt.Fprintln(tw, "Units:")
		for _, u := range d.Detail.Units {
			fmt.Fprintf(tw, "  %s\t%s/%s\tsince %s, %d restarts\n", u.Service, u.ActiveState, u.SubState, u.Since.Format(time.RFC3339), u.NRestarts)
			for _, line := range u.Journal {
				fmt.Fprintf(tw, "    | %s\n", line)
			}
		}
	}
	return tw.Flush()
}

func intOrString(v *intstr.IntOrString, def string) string {
	if v == nil {
		return def
	}
	return v.String()
}
