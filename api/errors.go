package api

import (
	"bytes"
	"encoding/json"
)

// APIError is the body of every error answer of the project's own paths. The paths of the
// Kubernetes-compatible API answer a Kubernetes Status instead, which decodes as an
// APIError too: its message, and no details (a Status's details are an object).
type APIError struct {
	Message string       `json:"message"`
	Details ErrorDetails `json:"details,omitempty"`
}

// ErrorDetails are an error's details, one line each.
type ErrorDetails []string

// UnmarshalJSON reads a list of lines, and takes anything else (a Status's details) for
// none.
func (d *ErrorDetails) UnmarshalJSON(data []byte) error {
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		*d = nil
		return nil
	}
	var lines []string
	if err := json.Unmarshal(data, &lines); err != nil {
		return err
	}
	*d = lines
	return nil
}
