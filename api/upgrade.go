package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Upgrade sends a POST that asks to switch the connection to protocol, and returns the
// connection once the agent has answered 101 Switching Protocols. Any other answer becomes
// a *ResponseError (or the error of reaching the agent). The request has no timeout: the
// connection lasts until the caller closes it or ctx ends.
func (c *Client) Upgrade(ctx context.Context, path string, query url.Values, protocol string) (io.ReadWriteCloser, error) {
	req, err := c.newRequest(ctx, http.MethodPost, path, query, "", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", protocol)
	hc := *c.http
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the agent at %s: %w", c.Server, err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		if resp.StatusCode < 300 {
			resp.Body.Close()
			return nil, fmt.Errorf("the agent at %s answered %s instead of switching to %s", c.Server, resp.Status, protocol)
		}
		return nil, failed(resp)
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		return nil, fmt.Errorf("the connection to %s cannot be written to after the switch to %s", c.Server, protocol)
	}
	return conn, nil
}
