package api

// JobPod is one of a Job's pods, as `swarm logs job/NAME` reads them: the pods that
// finished first, in the order they did, then those that run or wait.
type JobPod struct {
	Name string `json:"name"`
	// Node is where it ran or runs; "" while it waits for one.
	Node  string `json:"node,omitempty"`
	Phase string `json:"phase"`
	// ExitCode is how a pod that finished ended.
	ExitCode int `json:"exitCode,omitempty"`
}
