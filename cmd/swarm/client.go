package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// defaultServer is where an agent listens on its own node.
const defaultServer = "http://127.0.0.1:7070"

// client talks to an agent's API.
type client struct {
	server string
	http   *http.Client
}

// addClientFlags adds the flags of every command that talks to an agent.
func addClientFlags(cmd *cobra.Command, server *string) {
	cmd.Flags().StringVarP(server, "server", "s", "", "the agent's API address (default $SWARM_SERVER, else "+defaultServer+")")
}

func newClient(server string) *client {
	if server == "" {
		server = os.Getenv("SWARM_SERVER")
	}
	if server == "" {
		server = defaultServer
	}
	if !strings.Contains(server, "://") {
		server = "http://" + server
	}
	return &client{server: strings.TrimRight(server, "/"), http: &http.Client{Timeout: 30 * time.Second}}
}

// apiError is the agent's error body.
type apiError struct {
	Message string   `json:"message"`
	Details []string `json:"details"`
}

func (c *client) do(method, path string, query url.Values, contentType string, body []byte, out any) error {
	u := c.server + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the agent at %s: %w (is `swarm agent` running? set --server or SWARM_SERVER)", c.server, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read the answer of %s: %w", c.server, err)
	}
	if resp.StatusCode >= 300 {
		return apiErrorFrom(resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("decode the answer of %s: %w", c.server, err)
		}
	}
	return nil
}

// apiErrorFrom turns an error answer into one clear error.
func apiErrorFrom(code int, data []byte) error {
	var e apiError
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		if len(e.Details) > 0 {
			return fmt.Errorf("%s:\n  %s", e.Message, strings.Join(e.Details, "\n  "))
		}
		return fmt.Errorf("%s", e.Message)
	}
	return fmt.Errorf("HTTP %d: %s", code, strings.TrimSpace(string(data)))
}

func decodeError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return apiErrorFrom(resp.StatusCode, data)
}
