package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
)

func newScaleCommand() *cobra.Command {
	var namespace string
	var co clientOptions
	var replicas int32
	cmd := &cobra.Command{
		Use:   "scale (deployment|statefulset)/NAME --replicas N",
		Short: "Set the number of replicas of a Deployment or a StatefulSet",
		Example: `  swarm scale deployment/web --replicas 3
  swarm scale deploy/api --replicas 0 -n shop
  swarm scale sts/db --replicas 5`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("replicas") {
				return fmt.Errorf("say how many replicas with --replicas N")
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			return runScale(c, namespace, args[0], replicas, cmd.OutOrStdout())
		},
	}
	cmd.Flags().Int32Var(&replicas, "replicas", 0, "the number of replicas")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the Deployment's namespace")
	addClientFlags(cmd, &co)
	return cmd
}

// runScale reads the Deployment as stored, changes its replicas and applies it again, so
// that the change goes through the same checks as any apply.
func runScale(c *client, ns, target string, replicas int32, out io.Writer) error {
	kind, name, ok := strings.Cut(target, "/")
	if ok && resources[strings.ToLower(kind)] == "statefulsets" && name != "" {
		return runScaleStatefulSet(c, ns, name, replicas, out)
	}
	if !ok || resources[strings.ToLower(kind)] != "deployments" || name == "" {
		return fmt.Errorf("scale %q: name it deployment/NAME or statefulset/NAME", target)
	}
	var list struct{ Items []appsv1.Deployment }
	if err := c.do("GET", "/api/v1/deployments", url.Values{"namespace": {ns}}, "", nil, &list); err != nil {
		return err
	}
	var d *appsv1.Deployment
	for i := range list.Items {
		if list.Items[i].Name == name {
			d = &list.Items[i]
		}
	}
	if d == nil {
		return fmt.Errorf("deployment %s/%s not found: `swarm get deployments -n %s` lists them", ns, name, ns)
	}
	d.Spec.Replicas = &replicas
	d.Status = appsv1.DeploymentStatus{}
	// What the view adds about the rollout is the leader's to say, not part of the object.
	delete(d.Annotations, annotationRevision)
	delete(d.Annotations, annotationRolledBack)
	if len(d.Annotations) == 0 {
		d.Annotations = nil
	}
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	var res struct{ Applied []struct{ Result string } }
	if err := c.do("POST", "/api/v1/manifests", url.Values{"filename": {"scale"}}, "application/json", body, &res); err != nil {
		return err
	}
	result := "scaled"
	if len(res.Applied) == 1 && res.Applied[0].Result == "unchanged" {
		result = "unchanged"
	}
	fmt.Fprintf(out, "deployment.apps/%s %s\n", name, result)
	return nil
}
