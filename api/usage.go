package api

// NodeUsage is the answer of GET /api/v1/nodes/:name/usage: what a node and the containers
// of its pods used, measured by the node over a short window (CPU) or at its end (memory),
// for `swarm top`.
type NodeUsage struct {
	Node string `json:"node"`
	// WindowSeconds is how long CPU use was measured over.
	WindowSeconds float64 `json:"windowSeconds"`
	// CPU is in thousandths of a CPU (kubectl's "m"); memory in bytes: in use, that is
	// not available (MemTotal less MemAvailable).
	CPUMillicores         int64      `json:"cpuMillicores"`
	CPUCapacityMillicores int64      `json:"cpuCapacityMillicores"`
	MemoryBytes           int64      `json:"memoryBytes"`
	MemoryCapacityBytes   int64      `json:"memoryCapacityBytes"`
	Pods                  []PodUsage `json:"pods,omitempty"`
}

// PodUsage is what the running containers of one pod used.
type PodUsage struct {
	Namespace  string           `json:"namespace"`
	Name       string           `json:"name"`
	Containers []ContainerUsage `json:"containers"`
}

// ContainerUsage is what one container used, from its cgroup.
type ContainerUsage struct {
	Name          string `json:"name"`
	CPUMillicores int64  `json:"cpuMillicores"`
	MemoryBytes   int64  `json:"memoryBytes"`
}
