package api

import (
	"bytes"
	"context"
	"net/http"
	"slices"
)

// Answers are the bodies of GETs of several paths, as the agent sent them. A companion that
// follows the agent keeps the ones it last applied and decodes new ones only when they
// differ: with a few hundred Services the endpoints take milliseconds to decode, which
// polling every second would otherwise spend for nothing, in a burst, on the cores that
// serve its clients.
type Answers [][]byte

// GetAnswers GETs each path in turn; it fails unless all answer.
func (c *Client) GetAnswers(ctx context.Context, paths ...string) (Answers, error) {
	out := make(Answers, len(paths))
	for i, path := range paths {
		data, err := c.body(ctx, http.MethodGet, path, nil, "", nil)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

// Same says whether a and b are the same answers, byte for byte.
func (a Answers) Same(b Answers) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}
