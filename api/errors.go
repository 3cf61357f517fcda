package api

// APIError is the body of every error answer.
type APIError struct {
	Message string   `json:"message"`
	Details []string `json:"details,omitempty"`
}
