package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/internal/atomicfile"
	"github.com/podman-swarm/podman-swarm/manifest"
	"github.com/podman-swarm/podman-swarm/quadlet"
)

type renderOptions struct {
	file    string
	outDir  string
	quadlet quadlet.Options
}

func newRenderCommand() *cobra.Command {
	var o renderOptions
	cmd := &cobra.Command{
		Use:   "render -f FILE -o DIR",
		Short: "Write the Quadlet units a node would run for a manifest, without a cluster",
		Long: `Render every pod of every Deployment (replicas expanded, pods named as the cluster
names them), the pod of every DaemonSet on the node --node-name names, the pods of every
StatefulSet, every bare Pod, and the first pod of every Job and of every CronJob's Job in
a manifest into Quadlet units: one .pod unit per pod,
one .container unit per container, and one .volume unit per emptyDir and per claim a pod
uses (the claim's podman volume, which every pod of the claim on its node shares). This is
exactly what a node writes under ~/.config/containers/systemd, so it is the way to see, or
keep, what would run.

The pods take their values from the ConfigMaps and Secrets of the same manifest. A Secret's
values never go into a unit: the output ends with the podman secret create commands a node
runs (each value on standard input, never printed), and the folders of the configMap
volumes a node writes.

On a bad manifest it prints every problem and writes nothing.`,
		Example: `  swarm render -f app.yaml -o units/
  kubectl kustomize . | swarm render -f - -o units/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRender(o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.file, "filename", "f", "", "manifest file, folder of manifests, or - for standard input")
	f.StringVarP(&o.outDir, "output-dir", "o", "", "folder to write the units into (created if missing)")
	f.StringSliceVar(&o.quadlet.DNS, "dns", nil, "DNS server the pods use (the node's swarm dns address); repeatable")
	f.StringSliceVar(&o.quadlet.DNSSearch, "dns-search", nil, "DNS search domain for the pods; repeatable")
	f.StringVar(&o.quadlet.ClusterDomain, "cluster-domain", "", "with --dns, the cluster domain the pods search (<namespace>.svc.DOMAIN svc.DOMAIN DOMAIN, ndots:5), as the agent's --cluster-domain")
	f.StringVar(&o.quadlet.PublishAddress, "publish-address", "", "node address that published ports bind to (default: all addresses)")
	f.StringVar(&o.quadlet.Network, "network", "", "Quadlet Network= value for the pods (default: podman's default)")
	f.StringVar(&o.quadlet.NodeName, "node-name", "", "node name for spec.nodeName references")
	f.StringVar(&o.quadlet.ConfigDir, "config-dir", quadlet.DefaultConfigDir, "node folder the configMap volumes are written under (the agent's STATE/config)")
	_ = cmd.MarkFlagRequired("filename")
	_ = cmd.MarkFlagRequired("output-dir")
	return cmd
}

func runRender(o renderOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	inputs, err := manifest.Read(o.file, stdin)
	if err != nil {
		return err
	}
	set, err := manifest.Parse(inputs...)
	if err != nil {
		return err
	}
	if o.quadlet.Config == nil {
		// Offline, the pods take their values from the manifest's own ConfigMaps and Secrets.
		o.quadlet.Config = manifest.ConfigObjectsOf(set)
	}
	r, err := renderSet(set, o.quadlet)
	if err != nil {
		return err
	}
	for _, w := range r.warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	for _, u := range r.units {
		path := filepath.Join(o.outDir, u.Name)
		if err := atomicfile.Write(path, []byte(u.Text), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	printNodeWork(stdout, r)
	return nil
}

// printNodeWork says what a node makes besides the units: the podman secrets, as the
// commands that make them (each value on standard input, never printed), and the folders
// of the configMap volumes.
func printNodeWork(out io.Writer, r rendered) {
	if len(r.secrets) > 0 {
		fmt.Fprintln(out, "# podman secrets the units name; a node makes each with its value on standard input:")
	}
	for _, s := range r.secrets {
		fmt.Fprintf(out, "podman secret create --replace %s - < VALUE   # %d bytes\n", s.Name, len(s.Data))
	}
	for _, v := range r.volumes {
		fmt.Fprintf(out, "# configMap volume %s: a node writes %d file(s) there\n", v.Dir, len(v.Files))
	}
}

// rendered is what renderSet makes of a manifest.
type rendered struct {
	units    []quadlet.Unit
	warnings []string
	secrets  []quadlet.PodmanSecret
	volumes  []quadlet.ConfigVolume
}

// renderSet renders every pod of a manifest. It renders all of them before returning so
// that the user sees every problem at once, and returns no unit when any pod fails. A pod
// that lacks a ConfigMap or Secret is rendered without it, with a warning: in a cluster
// it would wait for it.
func renderSet(set *manifest.Set, opts quadlet.Options) (rendered, error) {
	var r rendered
	var errs []error
	seen := map[string]bool{}
	for _, obj := range set.Objects {
		var pods []manifest.Pod
		switch {
		case obj.Deployment != nil:
			pods = manifest.DeploymentPods(obj.Deployment)
		case obj.Pod != nil:
			pods = []manifest.Pod{manifest.BarePod(obj.Pod)}
		case obj.DaemonSet != nil:
			pods, r.warnings = daemonSetPods(obj, opts.NodeName, r.warnings)
		case obj.StatefulSet != nil:
			pods = manifest.StatefulSetPods(obj.StatefulSet)
		case obj.Job != nil, obj.CronJob != nil:
			pods = []manifest.Pod{manifest.JobTemplatePod(obj)}
		case obj.Claim != nil:
			// A claim becomes a volume on the node of its first pod; its pods' units say
			// which.
			for _, w := range manifest.ClaimWarnings(obj.Claim) {
				r.warnings = append(r.warnings, fmt.Sprintf("%s: %s", obj.Source, w))
			}
			continue
		default:
			continue
		}
		for _, p := range pods {
			res, err := quadlet.Render(p, opts)
			var missing *quadlet.MissingError
			if errors.As(err, &missing) {
				r.warnings = append(r.warnings, fmt.Sprintf("%s: pod %s: stays Pending in a cluster until it exists: %s", obj.Source, p.Name, missing))
				err = nil
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: pod %s: %w", obj.Source, p.Name, err))
				continue
			}
			r.units = append(r.units, res.Units...)
			for _, w := range res.Warnings {
				r.warnings = append(r.warnings, fmt.Sprintf("%s: pod %s: %s", obj.Source, p.Name, w))
			}
			for _, s := range res.Secrets {
				if !seen[s.Name] {
					seen[s.Name] = true
					r.secrets = append(r.secrets, s)
				}
			}
			r.volumes = append(r.volumes, res.ConfigVolumes...)
		}
		r.warnings = append(r.warnings, claimsOutside(set, obj)...)
	}
	if len(errs) > 0 {
		return rendered{}, errors.Join(errs...)
	}
	return r, nil
}
