package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podman-swarm/podman-swarm/api"
)

// clusterScoped tells the lists whose objects are in no namespace.
func clusterScoped(path string) bool { return path == "nodes" || path == "namespaces" }

func newCreateCommand() *cobra.Command {
	var co clientOptions
	cmd := &cobra.Command{
		Use:   "create namespace NAME",
		Short: "Create a namespace, as kubectl create namespace does",
		Long: `Create a namespace. Objects may be applied only into a namespace that exists (default
always does), or together with a Namespace document in the same manifest.`,
		Example: `  swarm create namespace shop
  swarm create ns shop`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 || resources[strings.ToLower(args[0])] != "namespaces" {
				return fmt.Errorf("give namespace NAME, for example `swarm create namespace shop`")
			}
			return nil
		},
		ValidArgs: []string{"namespace"},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := co.client()
			if err != nil {
				return err
			}
			return createNamespace(c, args[1], cmd.OutOrStdout())
		},
	}
	addClientFlags(cmd, &co)
	return cmd
}

// createNamespace applies a Namespace named name, refused as kubectl create refuses it
// when it exists already; the manifest's checks (its name) are the API's.
func createNamespace(c *client, name string, out io.Writer) error {
	var existing corev1.Namespace
	err := c.do("GET", "/api/v1/namespaces/"+url.PathEscape(name), nil, "", nil, &existing)
	var apiErr *api.ResponseError
	switch {
	case err == nil:
		return apierrors.NewAlreadyExists(schema.GroupResource{Resource: "namespaces"}, name)
	case !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound:
		return err
	}
	doc := fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %q\n", name)
	var res api.ApplyResult
	if err := c.do("POST", "/api/v1/manifests", url.Values{"filename": {"namespace " + name}}, "application/yaml", []byte(doc), &res); err != nil {
		return err
	}
	for _, a := range res.Applied {
		fmt.Fprintf(out, "%s/%s %s\n", resourceName(a.Kind), a.Name, a.Result)
	}
	return nil
}

// deleteNamespace deletes a namespace: the API marks it Terminating, and the leader
// deletes what it holds, then the namespace.
func deleteNamespace(c *client, name string, out io.Writer) error {
	var res api.Applied
	if err := c.do("DELETE", "/api/v1/namespaces/"+url.PathEscape(name), nil, "", nil, &res); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s/%s deleted\n", resourceName(res.Kind), res.Name)
	return nil
}

// namespaceContent are the lists counted in the description of a namespace being
// deleted, with the resource names Kubernetes gives them in its conditions.
var namespaceContent = []struct{ path, resource string }{
	{"deployments", "deployments.apps"}, {"statefulsets", "statefulsets.apps"}, {"daemonsets", "daemonsets.apps"}, {"jobs", "jobs.batch"}, {"cronjobs", "cronjobs.batch"}, {"pods", "pods"}, {"services", "services"},
	{"ingresses", "ingresses.networking.k8s.io"}, {"configmaps", "configmaps"},
	{"secrets", "secrets"}, {"persistentvolumeclaims", "persistentvolumeclaims"},
}

// runDescribeNamespace shows a namespace as kubectl describe does and, while it is being
// deleted, what is left in it.
func runDescribeNamespace(c *client, name string, out io.Writer) error {
	var n corev1.Namespace
	if err := c.do("GET", "/api/v1/namespaces/"+url.PathEscape(name), nil, "", nil, &n); err != nil {
		return err
	}
	var remaining []string
	if n.Status.Phase == corev1.NamespaceTerminating {
		for _, k := range namespaceContent {
			var l struct{ Items []struct{} }
			err := c.do("GET", "/api/v1/"+k.path, url.Values{"namespace": {name}}, "", nil, &l)
			var apiErr *api.ResponseError
			if errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden {
				continue // a read-only token does not see the Secrets
			}
			if err != nil {
				return err
			}
			if len(l.Items) > 0 {
				remaining = append(remaining, fmt.Sprintf("%s has %d resource instances", k.resource, len(l.Items)))
			}
		}
	}
	return describeNamespace(out, &n, remaining)
}

// describeNamespace writes the description of n; remaining is what is left in it, as
// Kubernetes words it, while it is being deleted.
func describeNamespace(out io.Writer, n *corev1.Namespace, remaining []string) error {
	tw := tabwriter.NewWriter(out, 0, 8, 1, ' ', 0)
	fmt.Fprintf(tw, "Name:\t%s\n", n.Name)
	fmt.Fprintf(tw, "Labels:\t%s\n", labelsString(n.Labels))
	describeAnnotations(tw, n.Annotations)
	fmt.Fprintf(tw, "Status:\t%s\n", orDefault(string(n.Status.Phase), string(corev1.NamespaceActive)))
	if n.DeletionTimestamp != nil {
		fmt.Fprintf(tw, "Terminating since:\t%s\n", n.DeletionTimestamp.UTC().Format(time.RFC1123Z))
		msg := "All content successfully removed"
		if len(remaining) > 0 {
			msg = "Some resources are remaining: " + strings.Join(remaining, ", ")
		}
		fmt.Fprintf(tw, "Content:\t%s\n", msg)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out, "\nNo resource quota.\n\nNo LimitRange resource.")
	return err
}
