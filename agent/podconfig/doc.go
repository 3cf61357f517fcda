// Package podconfig makes, on a node, what its pods take from ConfigMaps and Secrets,
// before the runtime starts them: the folders of their configMap volumes, written the way
// the kubelet writes them (a versioned folder behind a ..data link swapped at once, so that
// a running container sees a change within seconds and never half of one), and the podman
// secrets their units name, created as the agent's user from standard input (never on a
// command line) and removed once no pod names them.
//
// Keeper stands in front of the runtime: it reads the ConfigMaps and Secrets from the
// store into Objects, which the runtime renders with too, makes what the pods need, then
// hands the pods on. A ConfigMap or Secret deleted while a pod of this node still uses it
// stays known for that pod, which keeps running as in Kubernetes; a pod whose ConfigMap or
// Secret has not reached this node yet (the leader placed it from a newer store) is held
// back until it arrives.
//
// A Deployment's pod is pinned to what its env, envFrom and secret volumes were first
// rendered with, for as long as the node runs it, and the pins are kept in the state
// folder across restarts: a changed value changes the Deployment's hash
// (manifest.DeploymentHash), so the leader rolls new pods out, and the running ones keep
// their units until they are replaced. A pod made for versions this node has not
// received yet waits for them. Bare Pods are not pinned: they take the new values, and
// are restarted in place.
package podconfig
