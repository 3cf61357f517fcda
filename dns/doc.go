// Package dns is the cluster DNS of podman-swarm: a small server that answers the names of
// the cluster's Services from the endpoints the agent computes, and forwards every other
// name to the node's upstream resolvers.
//
// Pods have no overlay network (a kernel overlay would need root on every node): a Service's endpoint is its pod's node address
// and the port the pod publishes there. So the answers are:
//
//   - <service>.<namespace>.svc.<domain> and <service>.<namespace>.<domain>: one A record
//     (AAAA for an IPv6 address) per distinct node address of the ready endpoints.
//   - _<port>._<proto>.<service>.<namespace>.svc.<domain> (and without "svc."): one SRV
//     record per ready endpoint, with the port the pod publishes on its node, priority 0,
//     weight 1, and the target <node>.node.<domain>, whose A/AAAA records go in the
//     additional section. An SRV query at the Service's own name lists every named and
//     unnamed port of every ready endpoint.
//   - The records of an answer come in turn starting at another one, so that clients that
//     take the first spread over the nodes.
//   - <node>.node.<domain>: the node's address(es), for the SRV targets. A node whose name
//     is not a valid domain name gets no such record and appears in no SRV answer.
//   - Every cluster answer is authoritative and has the TTL of the server (--ttl, 5s by
//     default), short because endpoints move. The SOA of the cluster domain is
//     "<domain> SOA ns.dns.<domain> hostmaster.<domain>" with the serial of the last change
//     of the endpoints and that same TTL as its minimum, so that a negative answer is cached
//     no longer than a positive one (RFC 2308).
//   - NXDOMAIN for an unknown namespace, service, port or node under the domain; NODATA
//     (NOERROR, no answer, the SOA in the authority section) for a known service with no
//     ready endpoint of the asked family, for names that exist only as parents of others
//     (svc.<domain>, <namespace>.svc.<domain>, node.<domain>) and for query types the server
//     does not serve (everything but A, AAAA, SRV and, at the apex, SOA).
//
// A namespace called "svc" is reachable only through the .svc. form, and a node name
// shadows a Service of the same name in a namespace called "node" in the short form.
//
// Names outside the cluster domain go to the upstreams (UDP, then TCP when the answer is
// truncated; the next upstream on an error, a timeout, SERVFAIL or REFUSED; SERVFAIL when
// every upstream failed). With a whitelist, only whitelisted names are forwarded and an
// answer whose CNAME or DNAME chain leaves the whitelist is refused.
package dns
