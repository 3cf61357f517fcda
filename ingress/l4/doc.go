// Package l4 is the node-port forwarder of a node's ingress: for every port of a Service of
// type NodePort or LoadBalancer, it listens on the node at the Service's node port (TCP or
// UDP, as the port's protocol says) and forwards each connection to a ready endpoint of the
// Service, at the endpoint's node address and the node port its pod publishes there. For a
// LoadBalancer Service it also listens at the Service port itself, where that port can be
// bound on this node.
//
// Endpoints are taken round-robin, on this node or not, as Docker Swarm's routing mesh
// does; a TCP endpoint that refuses a connection (or does not answer within the dial
// timeout) is skipped for the next one. A UDP client gets a session of its own, kept to
// one endpoint while it talks, and ended after an idle timeout. An endpoint that refuses
// UDP (an ICMP port unreachable) ends the session: the client's next datagram starts one
// with the next endpoint, so the datagram that met the refusal is lost, as UDP allows.
// On a UDP port bound to every address, answers leave from the address the kernel picks for
// the client; on a node with several addresses, give the ingress its node address to
// listen on, so that answers come from the address the client asked.
//
// Listeners follow the Services: Apply opens the new ports, closes the ones no Service
// wants any more, and gives the others their new endpoints; connections in flight keep
// their endpoint until they end, also when it is no longer listed. A port that cannot be
// bound (taken by another process, by the ingress's own HTTP listeners, or below the
// unprivileged port range) is skipped and logged, and tried again at the next Apply. The
// ports this node opened are written to a small JSON file (see ReadOpened), so that the
// agent can tell the cluster where each Service is reachable.
package l4
