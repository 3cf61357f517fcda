package api

import corev1 "k8s.io/api/core/v1"

// Revision is one template a Deployment ran, as the leader's record keeps it.
type Revision struct {
	Number int64 `json:"revision"`
	// Current marks the revision the Deployment's pods are rolled out to (or towards).
	Current bool `json:"current,omitempty"`
	// ChangeCause is the Deployment's kubernetes.io/change-cause annotation when the
	// revision was recorded, as kubectl rollout history shows it.
	ChangeCause string                 `json:"changeCause,omitempty"`
	Template    corev1.PodTemplateSpec `json:"template"`
}

// RevisionList is a Deployment's revisions, oldest first.
type RevisionList struct {
	Items []Revision `json:"items"`
}

// RollbackRequest asks for a Deployment's template to go back to a revision; 0 is the
// one before the current, as kubectl rollout undo takes it.
type RollbackRequest struct {
	ToRevision int64 `json:"toRevision"`
}

// ServerVersion is what GET /version answers: the agent's build, in the shape of the
// Kubernetes API server's version.Info where the fields mean the same.
type ServerVersion struct {
	// GitVersion is the version of Kubernetes whose API the agent answers as, with the
	// agent's version in its build metadata (v1.32.0+swarm.v0.19.0); an agent from before
	// that sent its own version here.
	GitVersion string `json:"gitVersion"`
	// AgentVersion is the agent's own version.
	AgentVersion string `json:"agentVersion"`
	GoVersion    string `json:"goVersion"`
	Platform     string `json:"platform"`
	Node         string `json:"node"`
}
