// Package api is the agent's HTTP API as its clients see it: the bodies of requests and
// answers, and the few facts a client needs to find an agent and its token on a node. The
// agent serves these types and the swarm CLI, swarm dns and swarm ingress read them, so that
// neither side imports the other.
//
// Lists are Kubernetes-shaped (apiVersion v1, kind List) and objects are Kubernetes objects
// (Pods, Deployments, Services, Ingresses, Nodes), so that people and scripts that know
// kubectl's JSON feel at home. Every error answer is an APIError.
package api
