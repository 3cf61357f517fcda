package main

import (
	"cmp"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podman-swarm/podman-swarm/api"
	"github.com/podman-swarm/podman-swarm/manifest"
)

// kinds maps what a user may type to the kind the API knows.
var kinds = map[string]string{
	"pods": "Pod", "deployments": "Deployment", "services": "Service", "ingresses": "Ingress",
	"configmaps": "ConfigMap", "secrets": "Secret", "persistentvolumeclaims": "PersistentVolumeClaim",
	"daemonsets": "DaemonSet", "statefulsets": "StatefulSet",
	"namespaces": "Namespace", "jobs": "Job", "cronjobs": "CronJob",
}

func newDeleteCommand() *cobra.Command {
	var file, namespace string
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "delete (-f FILE | KIND NAME)",
		Short: "Delete objects from the cluster, by manifest or by kind and name",
		Example: `  swarm delete -f app.yaml
  swarm delete deployment web
  swarm delete svc api -n shop
  swarm delete namespace shop
  swarm delete job migrate`,
		Args: func(cmd *cobra.Command, args []string) error {
			if file == "" && len(args) != 2 || file != "" && len(args) != 0 {
				return fmt.Errorf("give either -f FILE or KIND NAME, for example `swarm delete deployment web`")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			if file != "" {
				return deleteManifest(c, file, cmd.InOrStdin(), cmd.OutOrStdout())
			}
			kind, ok := kinds[resources[strings.ToLower(args[0])]]
			if !ok {
				return fmt.Errorf("unknown kind %q: use pod, deployment, statefulset, daemonset, job, cronjob, service, ingress, configmap, secret, pvc or namespace", args[0])
			}
			return deleteObject(c, kind, namespace, args[1], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&file, "filename", "f", "", "delete the objects of this manifest file, folder or - (standard input)")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "namespace of the object")
	addClientFlags(cmd, &co)
	return cmd
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
