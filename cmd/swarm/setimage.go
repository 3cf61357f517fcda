package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
)

func newSetCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Change one field of a workload",
	}
	var co clientOptions
	var namespace string
	image := &cobra.Command{
		Use:   "image (deployment|statefulset|daemonset)/NAME CONTAINER=IMAGE...",
		Short: "Change the image of containers of a workload's pod template",
		Long: `Change the image of containers of a workload's pod template, which rolls the workload
out as any template change does. CONTAINER names a container or an init container; *
names them all. As kubectl set image, the change is a patch: a later swarm apply of the
same manifest keeps it unless the manifest's image changes.`,
		Example: `  swarm set image deployment/web web=localhost/web:2
  swarm set image deploy/api api=registry.example/api:1.4 sidecar=busybox:1.36 -n shop
  swarm set image ds/agent '*=localhost/agent:3'`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return runSetImage(c, namespace, args[0], args[1:], cmd.OutOrStdout())
		},
	}
	image.Flags().StringVarP(&namespace, "namespace", "n", "default", "the object's namespace")
	addClientFlags(image, &co)
	cmd.AddCommand(image)
	return cmd
}

func runSetImage(c *client, ns, target string, pairs []string, out io.Writer) error {
	resource, name, err := workloadTarget(target, "deployments", "statefulsets", "daemonsets")
	if err != nil {
		return err
	}
	images, err := parseImages(pairs)
	if err != nil {
		return err
	}
	var obj struct {
		Spec struct{ Template corev1.PodTemplateSpec }
	}
	if err := getWorkload(c, resource, ns, name, &obj); err != nil {
		return err
	}
	patch, err := imagePatch(&obj.Spec.Template.Spec, images)
	if err != nil {
		return err
	}
	result, err := patchWorkload(c, resource, ns, name, patch)
	if err != nil {
		return err
	}
	if result == "unchanged" {
		fmt.Fprintf(out, "%s/%s unchanged\n", workloadKinds[resource].printed, name)
		return nil
	}
	fmt.Fprintf(out, "%s/%s image updated\n", workloadKinds[resource].printed, name)
	return nil
}

// parseImages reads CONTAINER=IMAGE pairs.
func parseImages(pairs []string) (map[string]string, error) {
	images := map[string]string{}
	for _, p := range pairs {
		container, image, ok := strings.Cut(p, "=")
		if !ok || container == "" || image == "" {
			return nil, fmt.Errorf("%q: want CONTAINER=IMAGE", p)
		}
		images[container] = image
	}
	return images, nil
}

// imagePatch is the strategic merge patch that gives the containers of spec (init
// containers included) their new images; containers merge by name. A container that
// spec does not have is an error, in kubectl's words.
func imagePatch(spec *corev1.PodSpec, images map[string]string) (map[string]any, error) {
	all, set := images["*"], map[string]bool{}
	pick := func(list []corev1.Container) []map[string]string {
		var out []map[string]string
		for _, ctr := range list {
			img, ok := images[ctr.Name]
			if !ok {
				img, ok = all, all != ""
			}
			if ok {
				out = append(out, map[string]string{"name": ctr.Name, "image": img})
				set[ctr.Name] = true
			}
		}
		return out
	}
	podSpec := map[string]any{}
	if c := pick(spec.Containers); len(c) > 0 {
		podSpec["containers"] = c
	}
	if c := pick(spec.InitContainers); len(c) > 0 {
		podSpec["initContainers"] = c
	}
	var missing []string
	for name := range images {
		if name != "*" && !set[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("unable to find container named %q", missing[0])
	}
	return map[string]any{"spec": map[string]any{"template": map[string]any{"spec": podSpec}}}, nil
}
