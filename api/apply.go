package api

import "encoding/json"

// ApplyResult is the answer to an apply.
type ApplyResult struct {
	DryRun  bool      `json:"dryRun,omitempty"`
	Applied []Applied `json:"applied"`
	// Warnings are what the manifest asks for that the cluster does not do, each naming
	// its object and field; kubectl prints them as "Warning: ...".
	Warnings []string `json:"warnings,omitempty"`
}

// Applied says what an apply did to one object, in kubectl's words.
type Applied struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Result    string `json:"result"` // created, configured, unchanged or pruned
	// Live and Merged are the object as stored before and as the apply stores it (none
	// when it is new, or pruned), given when a dry run asks for them with ?diff=true.
	Live   json.RawMessage `json:"live,omitempty"`
	Merged json.RawMessage `json:"merged,omitempty"`
}
