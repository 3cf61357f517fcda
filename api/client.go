package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ClientConfig says where the agent is and how to prove who we are. The swarm CLI and the
// companion servers (swarm dns, swarm ingress) all build their Client from one, so that the
// token, TLS and error handling are the same everywhere.
type ClientConfig struct {
	Server string // URL or host:port; http:// is assumed without a scheme
	Token  string // API token, sent as a bearer token; "" sends none
	// TokenFile, when Token is empty, is read at each request: a companion started before
	// its agent wrote the file, or after the token was replaced, picks up the current one.
	TokenFile string
	// CAFile is a PEM bundle that verifies the agent's certificate (https only), in
	// addition to the system's roots.
	CAFile  string
	Timeout time.Duration // of one request; 0: none (streams)
}

// Client talks to one agent's HTTP API.
type Client struct {
	Server    string // normalised base URL, no trailing slash
	token     string
	tokenFile string
	http      *http.Client
}

// NewClient checks the configuration and builds a client.
func NewClient(cfg ClientConfig) (*Client, error) {
	server := cfg.Server
	if !strings.Contains(server, "://") {
		server = "http://" + server
	}
	u, err := url.Parse(server)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("server %q: want http(s)://HOST:PORT or HOST:PORT", cfg.Server)
	}
	if strings.ContainsAny(cfg.Token, " \t\r\n") {
		return nil, errors.New("the API token contains white space; copy it again as `swarm token create` printed it")
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pool, err := LoadCertPool(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &Client{
		Server:    strings.TrimRight(u.String(), "/"),
		token:     cfg.Token,
		tokenFile: cfg.TokenFile,
		http:      &http.Client{Timeout: cfg.Timeout, Transport: transport},
	}, nil
}

// Request sends a request and returns the answer when its status is 2xx; the caller closes
// its body. Any other status becomes a *ResponseError.
func (c *Client) Request(ctx context.Context, method, path string, query url.Values, contentType string, body []byte) (*http.Response, error) {
	req, err := c.newRequest(ctx, method, path, query, contentType, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the agent at %s: %w", c.Server, err)
	}
	if resp.StatusCode >= 300 {
		return nil, failed(resp)
	}
	return resp, nil
}

// failed reads an answer whose status is not 2xx into a *ResponseError, and closes it.
func failed(resp *http.Response) error {
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return errorFrom(resp.StatusCode, data)
}

// newRequest builds a request to the agent with the token, read from the token file when
// the client has none of its own.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, contentType string, body []byte) (*http.Request, error) {
	u := c.Server + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	token := c.token
	if token == "" && c.tokenFile != "" {
		if token, err = ReadTokenFile(c.tokenFile); err != nil {
			return nil, err
		}
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// Do sends a request and decodes a JSON answer into out (unless out is nil).
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, contentType string, body []byte, out any) error {
	data, err := c.body(ctx, method, path, query, contentType, body)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode the answer of %s%s: %w", c.Server, path, err)
	}
	return nil
}

// Get is Do for a GET of JSON.
func (c *Client) Get(ctx context.Context, path string, query url.Values, out any) error {
	return c.Do(ctx, http.MethodGet, path, query, "", nil, out)
}

// body sends a request and returns the body of a 2xx answer.
func (c *Client) body(ctx context.Context, method, path string, query url.Values, contentType string, body []byte) ([]byte, error) {
	resp, err := c.Request(ctx, method, path, query, contentType, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("read the answer of %s: %w", c.Server, err)
	}
	return data, nil
}
