package quadlet

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podman-swarm/podman-swarm/manifest"
)

// maxHostname is the longest host name Linux takes, which Kubernetes also cuts pod names to.
const maxHostname = 63

// podUnit writes the .pod unit: the pod's network (published ports, DNS, hosts) and identity.
func (r *renderer) podUnit() (Unit, error) {
	spec := &r.pod.Spec
	u := r.newUnit("pod " + r.pod.Key())
	name := PodName(r.pod.Namespace, r.pod.Name)
	u.add("Pod", "PodName", name)
	u.add("Pod", "ServiceName", name)
	switch {
	case spec.HostNetwork:
		u.add("Pod", "Network", "host")
	case r.opts.Pod != nil:
		v, err := podNetwork(r.opts.Pod)
		if err != nil {
			return Unit{}, fieldError("options.Pod", "%v", err)
		}
		u.add("Pod", "Network", v)
	case r.opts.Network != "":
		v, err := rawValue(r.opts.Network)
		if err != nil {
			return Unit{}, fieldError("options.Network", "%q %v", r.opts.Network, err)
		}
		u.add("Pod", "Network", v)
	}
	if !spec.HostNetwork {
		// With the node's network the ports are the node's already.
		if err := r.publishPorts(u); err != nil {
			return Unit{}, err
		}
	}
	if err := r.dns(u); err != nil {
		return Unit{}, err
	}
	for i, a := range spec.HostAliases {
		p := fmt.Sprintf("spec.hostAliases[%d]", i)
		if err := r.checkFields(p, &a, hostAliasRules); err != nil {
			return Unit{}, err
		}
		ip, err := netip.ParseAddr(a.IP)
		if err != nil {
			return Unit{}, fieldError(p+".ip", "%q is not an IP address", a.IP)
		}
		for j, h := range a.Hostnames {
			v, err := rawValue(h)
			if err == nil && (h == "" || strings.ContainsAny(h, ": ")) {
				err = fmt.Errorf("is not a host name")
			}
			if err != nil {
				return Unit{}, fieldError(fmt.Sprintf("%s.hostnames[%d]", p, j), "%q %v", h, err)
			}
			u.add("Pod", "AddHost", v+":"+ip.String())
		}
	}
	// Quadlet creates pods with --exit-policy=stop, which stops the whole pod, and with it
	// every container's service, as soon as no container runs: between a container's exit
	// and its restart, or between an init container and the containers after it. The
	// agent decides when a pod ends, so the pod stays up.
	args := [][]string{{"--exit-policy=continue"}}
	host, err := r.hostname()
	if err != nil {
		return Unit{}, err
	}
	args = append(args, []string{"--hostname", host})
	if spec.ShareProcessNamespace != nil && *spec.ShareProcessNamespace {
		args = append(args, []string{"--share=+pid"})
	}
	labels, err := labelArgs("metadata.labels", r.pod.Labels)
	if err != nil {
		return Unit{}, err
	}
	for _, l := range labels {
		args = append(args, []string{"--label", l})
	}
	for _, a := range args {
		// Every word was checked above (the host name, the labels).
		v, err := quoteWords(a...)
		if err != nil {
			return Unit{}, fieldError("metadata", "pod argument %q %v", strings.Join(a, " "), err)
		}
		u.add("Pod", "PodmanArgs", v)
	}
	if err := r.podLevelFields(); err != nil {
		return Unit{}, err
	}
	if n := r.opts.Pod; n != nil && len(n.OnStart) > 0 && !spec.HostNetwork {
		// After the pod's service started its infra container, so the network namespace
		// exists, and before the containers' services, which start after this one.
		v, err := quoteWords(n.OnStart...)
		if err != nil {
			return Unit{}, fieldError("options.Pod.OnStart", "%q %v", n.OnStart, err)
		}
		u.add("Service", "ExecStartPost", v)
	}
	u.add("Install", "WantedBy", "default.target")
	return Unit{UnitRef: podRef(r.pod.Namespace, r.pod.Name), Text: u.text()}, nil
}

// podLevelFields checks the pod fields that the containers use, once for the whole pod.
func (r *renderer) podLevelFields() error {
	spec := &r.pod.Spec
	switch spec.RestartPolicy {
	case "", corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		return fieldError("spec.restartPolicy", "%q is not one of Always, OnFailure, Never", spec.RestartPolicy)
	}
	if g := spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		return fieldError("spec.terminationGracePeriodSeconds", "%d is negative", *g)
	}
	if t := spec.AutomountServiceAccountToken; t != nil && *t {
		r.warn("spec.automountServiceAccountToken", "%s (there are no service account tokens)", unsupportedIgnored)
	}
	if l := spec.EnableServiceLinks; l != nil && *l {
		r.warn("spec.enableServiceLinks", "%s (services are found by DNS, not by environment variables)", unsupportedIgnored)
	}
	if sc := spec.SecurityContext; sc != nil {
		if err := r.checkFields("spec.securityContext", sc, podSecurityContextRules); err != nil {
			return err
		}
	}
	return nil
}

// hostname is the pod's host name: hostnameOverride, else hostname, else the pod's name cut
// to 63 characters, as Kubernetes does.
func (r *renderer) hostname() (string, error) {
	spec := &r.pod.Spec
	path, host := "", r.pod.Name
	switch {
	case spec.HostnameOverride != nil && *spec.HostnameOverride != "":
		path, host = "spec.hostnameOverride", *spec.HostnameOverride
	case spec.Hostname != "":
		path, host = "spec.hostname", spec.Hostname
	default:
		if len(host) > maxHostname {
			host = strings.TrimRight(host[:maxHostname], "-.")
		}
		return host, nil
	}
	if len(host) > maxHostname || len(validation.IsDNS1123Subdomain(host)) > 0 {
		return "", fieldError(path, "%q is not a host name of at most %d characters", host, maxHostname)
	}
	return host, nil
}

// publishPorts adds one PublishPort= per declared container port: every port is published on
// the node (hostPort defaulting to containerPort), on its hostIP or Options.PublishAddress.
func (r *renderer) publishPorts(u *unitFile) error {
	spec := &r.pod.Spec
	// paths follows manifest.PublishedPorts' order: sidecars first, then the containers.
	var paths []string
	for i, c := range spec.InitContainers {
		if !isSidecar(c) {
			if len(c.Ports) > 0 {
				r.warn(fmt.Sprintf("spec.initContainers[%d].ports", i), "%s (ports of init containers that end are not published)", unsupportedIgnored)
			}
			continue
		}
		for j := range c.Ports {
			p := fmt.Sprintf("spec.initContainers[%d].ports[%d]", i, j)
			if err := r.checkFields(p, &c.Ports[j], containerPortRules); err != nil {
				return err
			}
			paths = append(paths, p)
		}
	}
	for i, c := range spec.Containers {
		for j := range c.Ports {
			p := fmt.Sprintf("spec.containers[%d].ports[%d]", i, j)
			if err := r.checkFields(p, &c.Ports[j], containerPortRules); err != nil {
				return err
			}
			paths = append(paths, p)
		}
	}
	for i, pp := range manifest.PublishedPorts(spec) {
		v, err := r.publishPort(pp)
		if err != nil {
			return fieldError(paths[i], "%v", err)
		}
		u.add("Pod", "PublishPort", v)
	}
	// The agent probes from the node: a port only a probe names is published like a
	// declared port without a hostPort. A port that is no port number is refused with the
	// probe's other fields.
	for _, k := range ProbePorts(spec) {
		v, err := r.publishPort(manifest.PublishedPort{ContainerPort: k.Port, HostPort: k.Port, Protocol: k.Protocol})
		if err != nil {
			return fieldError("spec", "probe port %s: %v", k, err)
		}
		u.add("Pod", "PublishPort", v)
	}
	return nil
}

// podNetwork is the pod's pasta network with an address of its own:
// "pasta:-a,10.42.0.7,-n,16,-g,10.42.0.1".
func podNetwork(n *PodNetwork) (string, error) {
	if !n.Address.IsValid() || !n.Gateway.IsValid() {
		return "", fmt.Errorf("the pod's address %q and gateway %q must both be set", n.Address, n.Gateway)
	}
	if !n.Address.Contains(n.Gateway) || n.Address.Addr() == n.Gateway {
		return "", fmt.Errorf("gateway %s is not another address of the pod's network %s", n.Gateway, n.Address.Masked())
	}
	return fmt.Sprintf("pasta:-a,%s,-n,%d,-g,%s", n.Address.Addr(), n.Address.Bits(), n.Gateway), nil
}

// nodePort is the node port a container port is published on: its explicit hostPort, else
// (for a pod with its own network) the port the node picked for it, else (a pod placed
// before pods had their own network) the container port itself.
func (r *renderer) nodePort(pp manifest.PublishedPort) (manifest.PublishedPort, error) {
	if r.opts.Pod == nil || pp.Explicit {
		return pp, nil
	}
	k := PortKey{Port: pp.ContainerPort, Protocol: pp.Protocol}
	port, ok := r.opts.Pod.NodePorts[k]
	if !ok {
		return pp, fmt.Errorf("no node port was picked for container port %s", k)
	}
	pp.HostPort = port
	return pp, nil
}

// publishPort writes one port as podman's [hostIP:]hostPort:containerPort/protocol.
func (r *renderer) publishPort(pp manifest.PublishedPort) (string, error) {
	pp, err := r.nodePort(pp)
	if err != nil {
		return "", err
	}
	if pp.ContainerPort < 1 || pp.ContainerPort > 65535 {
		return "", fmt.Errorf("containerPort %d is not a port number", pp.ContainerPort)
	}
	if pp.HostPort < 1 || pp.HostPort > 65535 {
		return "", fmt.Errorf("hostPort %d is not a port number", pp.HostPort)
	}
	proto := strings.ToLower(string(pp.Protocol))
	if !slices.Contains([]string{"tcp", "udp", "sctp"}, proto) {
		return "", fmt.Errorf("protocol %q is not one of TCP, UDP, SCTP", pp.Protocol)
	}
	hostIP := pp.HostIP
	if hostIP == "" {
		hostIP = r.opts.PublishAddress
	}
	ports := strconv.Itoa(int(pp.HostPort)) + ":" + strconv.Itoa(int(pp.ContainerPort)) + "/" + proto
	if hostIP == "" {
		return ports, nil
	}
	ip, err := netip.ParseAddr(hostIP)
	if err != nil {
		if pp.HostIP == "" {
			return "", fmt.Errorf("options.PublishAddress %q is not an IP address", hostIP)
		}
		return "", fmt.Errorf("hostIP %q is not an IP address", hostIP)
	}
	if ip.Is6() && !ip.Is4In6() {
		return "[" + ip.String() + "]:" + ports, nil
	}
	return ip.String() + ":" + ports, nil
}

// dns writes the pod's resolver settings from dnsPolicy, dnsConfig and the node's options.
func (r *renderer) dns(u *unitFile) error {
	spec := &r.pod.Spec
	var settings []dnsSetting
	add := func(key, path string, values ...string) {
		for i, v := range values {
			settings = append(settings, dnsSetting{key, fmt.Sprintf("%s[%d]", path, i), v})
		}
	}
	switch spec.DNSPolicy {
	case "", corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet:
		// As in Kubernetes, ClusterFirst on the node's network means the node's resolver.
		if spec.HostNetwork && spec.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
			break
		}
		add("DNS", "options.DNS", r.opts.DNS...)
		if d := r.opts.ClusterDomain; d != "" {
			add("DNSSearch", "options.ClusterDomain", r.pod.Namespace+".svc."+d, "svc."+d, d)
			// As kubelet does: "web" and "web.shop" have fewer than 5 dots, so the resolver
			// tries the search path before the name as given. A pod's own ndots wins.
			if !hasDNSOption(spec.DNSConfig, "ndots") {
				add("DNSOption", "options.ClusterDomain", "ndots:5")
			}
		}
		add("DNSSearch", "options.DNSSearch", r.opts.DNSSearch...)
	case corev1.DNSDefault, corev1.DNSNone:
	default:
		return fieldError("spec.dnsPolicy", "%q is not one of ClusterFirst, ClusterFirstWithHostNet, Default, None", spec.DNSPolicy)
	}
	if c := spec.DNSConfig; c != nil {
		if err := r.checkFields("spec.dnsConfig", c, dnsConfigRules); err != nil {
			return err
		}
		add("DNS", "spec.dnsConfig.nameservers", c.Nameservers...)
		add("DNSSearch", "spec.dnsConfig.searches", c.Searches...)
		for i, o := range c.Options {
			p := fmt.Sprintf("spec.dnsConfig.options[%d]", i)
			if err := r.checkFields(p, &o, dnsConfigOptionRule); err != nil {
				return err
			}
			opt := o.Name
			if o.Value != nil {
				opt += ":" + *o.Value
			}
			settings = append(settings, dnsSetting{"DNSOption", p, opt})
		}
	}
	if spec.DNSPolicy == corev1.DNSNone && !slices.ContainsFunc(settings, func(s dnsSetting) bool { return s.key == "DNS" }) {
		return fieldError("spec.dnsConfig.nameservers", "dnsPolicy None needs at least one nameserver")
	}
	for _, s := range settings {
		v, err := rawValue(s.value)
		if err == nil && (s.value == "" || strings.ContainsAny(s.value, " \t")) {
			err = fmt.Errorf("is not a single word")
		}
		if err != nil {
			return fieldError(s.path, "%q %v", s.value, err)
		}
		u.add("Pod", s.key, v)
	}
	return nil
}

// hasDNSOption tells whether the pod's dnsConfig sets the resolver option name.
func hasDNSOption(c *corev1.PodDNSConfig, name string) bool {
	return c != nil && slices.ContainsFunc(c.Options, func(o corev1.PodDNSConfigOption) bool { return o.Name == name })
}

// dnsSetting is one resolver key of the pod, with the field or option it comes from.
type dnsSetting struct{ key, path, value string }

// labelArgs writes labels as sorted "key=value" words for --label or Label=, refusing a key
// that the '=' split would break and a label that no word can carry.
func labelArgs(path string, labels map[string]string) ([]string, error) {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k == "" || strings.Contains(k, "=") {
			return nil, fieldError(path, "the label key %q is empty or holds '='", k)
		}
		if _, err := quoteWord(k + "=" + labels[k]); err != nil {
			return nil, fieldError(fmt.Sprintf("%s[%q]", path, k), "%q %v", labels[k], err)
		}
		out = append(out, k+"="+labels[k])
	}
	return out, nil
}

// isSidecar tells an init container that runs beside the others (restartPolicy Always)
// from one that runs to its end before them.
func isSidecar(c corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}
