package main

import (
	"fmt"
	"io"
	"net/url"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
)

func newScaleCommand() *cobra.Command {
	var namespace string
	var co clientOptions
	var replicas, current int32
	cmd := &cobra.Command{
		Use:   "scale (deployment|statefulset)/NAME --replicas N",
		Short: "Set the number of replicas of a Deployment or a StatefulSet",
		Long: `Set the number of replicas of a Deployment or a StatefulSet. The change is a patch of
spec.replicas, as kubectl scale makes it: a later swarm apply of a manifest that does not
say replicas keeps it. With --current-replicas, nothing changes unless the object has that
many replicas now.`,
		Example: `  swarm scale deployment/web --replicas 3
  swarm scale deploy/api --replicas 0 -n shop
  swarm scale sts/db --replicas 5
  swarm scale deployment/web --current-replicas 2 --replicas 3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("replicas") {
				return fmt.Errorf("say how many replicas with --replicas N")
			}
			if !cmd.Flags().Changed("current-replicas") {
				current = -1
			}
			c, err := co.client()
			if err != nil {
				return err
			}
			return runScaleIf(c, namespace, args[0], current, replicas, cmd.OutOrStdout())
		},
	}
	cmd.Flags().Int32Var(&replicas, "replicas", 0, "the number of replicas")
	cmd.Flags().Int32Var(&current, "current-replicas", -1, "precondition: the number of replicas the object has now (-1: any)")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the object's namespace")
	addClientFlags(cmd, &co)
	return cmd
}

// runScale sets the replicas of a Deployment or a StatefulSet, whatever it has now.
func runScale(c *client, ns, target string, replicas int32, out io.Writer) error {
	return runScaleIf(c, ns, target, -1, replicas, out)
}

// runScaleIf sets the replicas of a Deployment or a StatefulSet by a patch of
// spec.replicas, which goes through the same checks as any apply; current, unless
// negative, is what the object must have now, as kubectl's --current-replicas.
func runScaleIf(c *client, ns, target string, current, replicas int32, out io.Writer) error {
	resource, name, err := workloadTarget(target, "deployments", "statefulsets")
	if err != nil {
		return fmt.Errorf("scale %s", err)
	}
	have, err := currentReplicas(c, resource, ns, name)
	if err != nil {
		return err
	}
	if current >= 0 && have != current {
		return fmt.Errorf("Expected replicas to be %d, was %d", current, have)
	}
	result, err := patchWorkload(c, resource, ns, name, map[string]any{"spec": map[string]any{"replicas": replicas}})
	if err != nil {
		return err
	}
	if result != "unchanged" {
		result = "scaled"
	}
	fmt.Fprintf(out, "%s/%s %s\n", workloadKinds[resource].printed, name, result)
	return nil
}

// currentReplicas is the spec.replicas of a Deployment or a StatefulSet (1 when unset).
func currentReplicas(c *client, resource, ns, name string) (int32, error) {
	var spec struct {
		Spec struct{ Replicas *int32 }
	}
	if resource == "deployments" {
		// Listed rather than read, for the message of a Deployment not found.
		var list struct{ Items []appsv1.Deployment }
		if err := c.do("GET", "/api/v1/deployments", url.Values{"namespace": {ns}}, "", nil, &list); err != nil {
			return 0, err
		}
		for _, d := range list.Items {
			if d.Name == name {
				return replicasOr1(d.Spec.Replicas), nil
			}
		}
		return 0, fmt.Errorf("deployment %s/%s not found: `swarm get deployments -n %s` lists them", ns, name, ns)
	}
	if err := getWorkload(c, resource, ns, name, &spec); err != nil {
		return 0, err
	}
	return replicasOr1(spec.Spec.Replicas), nil
}

func replicasOr1(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}
