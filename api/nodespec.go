package api

// NodePatch is the body of PATCH /api/v1/nodes/NAME: what to change of what users set on
// a node at runtime. A field left out changes nothing.
type NodePatch struct {
	// Unschedulable cordons (true) or uncordons (false) the node; uncordoning also ends
	// a drain.
	Unschedulable *bool `json:"unschedulable,omitempty"`
	// Drain moves the node's pods away (true, which cordons it too) or stops doing so.
	Drain *bool `json:"drain,omitempty"`
	// DeleteLocalData lets a drain move the pods whose data is on the node too; they
	// start elsewhere without it.
	DeleteLocalData *bool `json:"deleteLocalData,omitempty"`
	// Labels sets each key to its value, or takes it off the node when the value is null,
	// whether it was set this way or by the agent's --label flags.
	Labels map[string]*string `json:"labels,omitempty"`
	// Annotations sets or, null, removes the node's annotations.
	Annotations map[string]*string `json:"annotations,omitempty"`
}
