package api

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ResponseError is an error answer of the agent, as a Client received it.
type ResponseError struct {
	Status  int // the HTTP status
	Message string
	Details []string
}

func (e *ResponseError) Error() string {
	if len(e.Details) > 0 {
		return fmt.Sprintf("%s:\n  %s", e.Message, strings.Join(e.Details, "\n  "))
	}
	return e.Message
}

// errorFrom turns an error answer into a *ResponseError with the agent's message when it
// sent one.
func errorFrom(code int, data []byte) error {
	var body APIError
	if json.Unmarshal(data, &body) == nil && body.Message != "" {
		return &ResponseError{Status: code, Message: body.Message, Details: body.Details}
	}
	return &ResponseError{Status: code, Message: fmt.Sprintf("HTTP %d: %s", code, strings.TrimSpace(string(data)))}
}
