package main

import (
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/spf13/cobra"
	clientcmdv1 "k8s.io/client-go/tools/clientcmd/api/v1"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/api"
)

func newKubeconfigCommand() *cobra.Command {
	var co clientOptions
	var name, namespace string
	cmd := &cobra.Command{
		Use:   "kubeconfig",
		Short: "Print a kubeconfig with which kubectl talks to the cluster",
		Long: `Print a kubeconfig with which kubectl, and the tools built on Kubernetes' API, talk to the
cluster through the agent the CLI talks to: its API URL as the cluster's server, the CA that
verifies it (--certificate-authority, embedded) when it speaks HTTPS, the API token the CLI
would use as the user's, and a context of the two, made the current one.

kubectl sends a token over HTTPS only: against an agent on plain HTTP it sends none, and
the agent refuses its requests with 401 (unless it runs with --no-auth). Give the agents
--tls-cert and --tls-key, and this command --server https://... .

The token is written in clear: keep the file as secret as the token (mode 0600). A token
made with swarm token create --read-only lets kubectl read, and nothing more.`,
		Example: `  swarm kubeconfig > ~/.kube/config && chmod 600 ~/.kube/config
  swarm kubeconfig --server https://198.18.0.11:7070 --certificate-authority ca.pem > swarm.kubeconfig
  KUBECONFIG=swarm.kubeconfig kubectl get pods -A`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := co.resolve()
			if err != nil {
				return err
			}
			return printKubeconfig(cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg, name, namespace)
		},
	}
	cmd.Flags().StringVar(&name, "name", "swarm", "name of the cluster, the user and the context in the kubeconfig")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "the context's namespace (kubectl's default: default)")
	addClientFlags(cmd, &co)
	return cmd
}

// printKubeconfig writes the kubeconfig of cfg to out, and to warn why kubectl would get
// nowhere with it.
func printKubeconfig(out, warn io.Writer, cfg api.ClientConfig, name, namespace string) error {
	c, err := api.NewClient(cfg) // the server as the CLI reaches it, with its scheme
	if err != nil {
		return err
	}
	u, err := url.Parse(c.Server)
	if err != nil {
		return fmt.Errorf("server %q: %w", c.Server, err)
	}
	cluster := clientcmdv1.Cluster{Server: c.Server}
	if u.Scheme == "https" && cfg.CAFile != "" {
		if _, err := api.LoadCertPool(cfg.CAFile); err != nil {
			return err
		}
		if cluster.CertificateAuthorityData, err = os.ReadFile(cfg.CAFile); err != nil {
			return fmt.Errorf("read the CA certificates: %w", err)
		}
	}
	if u.Scheme != "https" && cfg.Token != "" {
		fmt.Fprintf(warn, "Warning: %s speaks plain HTTP, over which kubectl sends no token: the agent will answer it 401. "+
			"Give the agents --tls-cert and --tls-key, and pass --server https://...\n", c.Server)
	}
	kc := clientcmdv1.Config{
		Kind:           "Config",
		APIVersion:     "v1",
		Clusters:       []clientcmdv1.NamedCluster{{Name: name, Cluster: cluster}},
		AuthInfos:      []clientcmdv1.NamedAuthInfo{{Name: name, AuthInfo: clientcmdv1.AuthInfo{Token: cfg.Token}}},
		Contexts:       []clientcmdv1.NamedContext{{Name: name, Context: clientcmdv1.Context{Cluster: name, AuthInfo: name, Namespace: namespace}}},
		CurrentContext: name,
	}
	data, err := yaml.Marshal(kc)
	if err != nil {
		return fmt.Errorf("encode the kubeconfig: %w", err)
	}
	_, err = out.Write(data)
	return err
}
