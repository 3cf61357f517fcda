package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/podman-swarm/podman-swarm/api"
)

// clientOptions are the flags of every command that talks to an agent.
type clientOptions struct {
	server, token, caFile, config string
}

// addClientFlags adds the flags of every command that talks to an agent.
func addClientFlags(cmd *cobra.Command, o *clientOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.server, "server", "s", "", "the agent's API URL (default $SWARM_SERVER, the config file's server, else "+api.DefaultServer+")")
	f.StringVar(&o.token, "token", "", "API token (default $SWARM_TOKEN, the config file's token, else the local agent's "+localTokenFile()+")")
	f.StringVar(&o.caFile, "certificate-authority", "", "PEM file that verifies an https server, besides the system's roots (default $SWARM_CA_FILE or the config file's)")
	f.StringVar(&o.config, "config", "", "config file (default $SWARM_CONFIG, else "+defaultConfigFile()+")")
}

// Config is the CLI's config file: where the agent is and how to reach it. Flags and
// environment variables override it.
type Config struct {
	Server               string `json:"server,omitempty"`
	Token                string `json:"token,omitempty"`
	CertificateAuthority string `json:"certificate-authority,omitempty"`
}

func defaultConfigFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "swarm-config.yaml"
	}
	return filepath.Join(dir, "swarm", "config.yaml")
}

func localTokenFile() string { return filepath.Join(defaultStateDir(), api.TokenFile) }

// resolve fills each setting from the first source that has it: flag, environment, config
// file, then what a node offers (the local agent and its token file).
func (o clientOptions) resolve() (api.ClientConfig, error) {
	path, explicit := firstOf(o.config, os.Getenv("SWARM_CONFIG")), true
	if path == "" {
		path, explicit = defaultConfigFile(), false
	}
	var file Config
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := yaml.UnmarshalStrict(data, &file); err != nil {
			return api.ClientConfig{}, fmt.Errorf("config file %s: %w (keys: server, token, certificate-authority)", path, err)
		}
	case !errors.Is(err, os.ErrNotExist) || explicit:
		return api.ClientConfig{}, fmt.Errorf("config file: %w", err)
	}
	cfg := api.ClientConfig{
		Server: firstOf(o.server, os.Getenv("SWARM_SERVER"), file.Server, api.DefaultServer),
		Token:  firstOf(o.token, os.Getenv("SWARM_TOKEN"), file.Token),
		CAFile: firstOf(o.caFile, os.Getenv("SWARM_CA_FILE"), file.CertificateAuthority),
	}
	if cfg.Token == "" {
		// A node's token works on every node of its cluster.
		if cfg.Token, err = api.ReadTokenFile(localTokenFile()); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// client talks to an agent's API for one command.
type client struct {
	api *api.Client
	cfg api.ClientConfig
}

func (o clientOptions) client() (*client, error) {
	cfg, err := o.resolve()
	if err != nil {
		return nil, err
	}
	return newClientFrom(cfg)
}

func newClientFrom(cfg api.ClientConfig) (*client, error) {
	cfg.Timeout = 30 * time.Second
	ac, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return &client{api: ac, cfg: cfg}, nil
}

func (c *client) server() string { return c.api.Server }

func (c *client) do(method, path string, query url.Values, contentType string, body []byte, out any) error {
	return c.explain(c.api.Do(context.Background(), method, path, query, contentType, body, out))
}

// stream is a request whose answer has no end (a followed log): no timeout, ctx ends it.
func (c *client) stream(ctx context.Context, path string, query url.Values) (*http.Response, error) {
	cfg := c.cfg
	cfg.Timeout = 0
	ac, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	resp, err := ac.Request(ctx, http.MethodGet, path, query, "", nil)
	return resp, c.explain(err)
}

// explain adds the way out to the errors a newcomer meets first.
func (c *client) explain(err error) error {
	var apiErr *api.ResponseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized && c.cfg.Token != "":
		return fmt.Errorf("%w (the agent at %s refused the token)", err, c.server())
	case errors.As(err, &apiErr):
		return err
	}
	return fmt.Errorf("%w (is `swarm agent` running? set --server or SWARM_SERVER)", err)
}
