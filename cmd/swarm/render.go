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
names them) and every bare Pod in a manifest into Quadlet units: one .pod unit per pod,
one .container unit per container, and one .volume unit per emptyDir and per claim a pod
uses (the claim's podman volume, which every pod of the claim on its node shares). This is
exactly what a node writes under ~/.config/containers/systemd, so it is the way to see, or
keep, what would run.

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
	units, warnings, err := renderSet(set, o.quadlet)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	for _, u := range units {
		path := filepath.Join(o.outDir, u.Name)
		if err := atomicfile.Write(path, []byte(u.Text), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return nil
}

// renderSet renders every pod of a manifest. It renders all of them before returning so
// that the user sees every problem at once, and returns no unit when any pod fails.
func renderSet(set *manifest.Set, opts quadlet.Options) ([]quadlet.Unit, []string, error) {
	var units []quadlet.Unit
	var warnings []string
	var errs []error
	for _, obj := range set.Objects {
		var pods []manifest.Pod
		switch {
		case obj.Deployment != nil:
			pods = manifest.DeploymentPods(obj.Deployment)
		case obj.Pod != nil:
			pods = []manifest.Pod{manifest.BarePod(obj.Pod)}
		case obj.Claim != nil:
			// A claim becomes a volume on the node of its first pod; its pods' units say
			// which.
			for _, w := range manifest.ClaimWarnings(obj.Claim) {
				warnings = append(warnings, fmt.Sprintf("%s: %s", obj.Source, w))
			}
			continue
		default:
			continue
		}
		for _, p := range pods {
			res, err := quadlet.Render(p, opts)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: pod %s: %w", obj.Source, p.Name, err))
				continue
			}
			units = append(units, res.Units...)
			for _, w := range res.Warnings {
				warnings = append(warnings, fmt.Sprintf("%s: pod %s: %s", obj.Source, p.Name, w))
			}
		}
		warnings = append(warnings, claimsOutside(set, obj)...)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return units, warnings, nil
}
