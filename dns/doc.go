// Package dns is the cluster DNS of podman-swarm: a small server that answers the names of
// the cluster's Services from the endpoints the agent computes, and forwards every other
// name to the node's upstream resolvers.
//
// Pods have no overlay network (a kernel overlay would need root on every node): a pod
// publishes its ports on its node, and the rules the agent keeps inside every pod translate
// a Service's ClusterIP and a pod's own IP to those node ports. So the answers are:
//
//   - <service>.<namespace>.svc.<domain> and <service>.<namespace>.<domain>: for a Service
//     with a ClusterIP, that one A (or AAAA) record, whether it has ready endpoints or not
//     (a connection to it without one is rejected, as in Kubernetes). A Service whose
//     ClusterIP the cluster has not allocated yet answers NODATA: a node address would be
//     wrong, since pods no longer publish on the Service port, and the leader allocates the
//     ClusterIP moments after the Service is applied (the negative answer is cached no
//     longer than the TTL).
//   - A headless Service (clusterIP: None) answers one A/AAAA record per distinct address of
//     its ready endpoints: a pod's own IP, or, for a pod placed before pods had one, its
//     node's address. Each ready pod with a pod IP is also named
//     <dashed pod IP>.<service>.<namespace>.svc.<domain> (10-42-0-7 for 10.42.0.7, as
//     Kubernetes names them), which answers that IP. A ready pod whose spec.subdomain is the
//     Service and that has a spec.hostname (every pod of a StatefulSet under its
//     serviceName) is also <hostname>.<service>.<namespace>.svc.<domain>, answering its
//     address, and is the target of its SRV records under that name.
//   - A Service of type ExternalName answers a CNAME to its externalName, whatever the type
//     asked. The server follows it: inside the cluster domain from its own records (at most
//     8 aliases, ExternalName Services may name each other), outside from the upstreams,
//     appending their records and rcode. An external target obeys the whitelist as any name
//     outside the cluster does: when the whitelist does not admit it, or the upstreams'
//     chain from it leaves the whitelist, the answer is REFUSED. These answers are never
//     packed for the fast UDP path, so that the whitelist and the upstreams are asked each
//     time.
//   - _<port>._<proto>.<service>.<namespace>.svc.<domain> (and without "svc."): for a
//     Service with a ClusterIP, one SRV record at the Service port, with the Service's long
//     name as target and its ClusterIP in the additional section. For a headless Service,
//     one SRV record per ready pod: a pod with a pod IP at its container port with its pod
//     name as target; a pod without one at the port it publishes on its node with the
//     target <node>.node.<domain>. Priority 0, weight 1; the targets' A/AAAA records go
//     in the additional section. An SRV query at the Service's own name lists every named
//     and unnamed port.
//   - The records of a headless Service's answer come in turn starting at another one, so
//     that clients that take the first spread over the pods.
//   - <node>.node.<domain>: the node's address(es), for the SRV targets. A node whose name
//     is not a valid domain name gets no such record and appears in no SRV answer.
//   - Every cluster answer is authoritative and has the TTL of the server (--ttl, 5s by
//     default), short because endpoints move. The SOA of the cluster domain is
//     "<domain> SOA ns.dns.<domain> hostmaster.<domain>" with the serial of the last change
//     of the endpoints and that same TTL as its minimum, so that a negative answer is cached
//     no longer than a positive one (RFC 2308).
//   - NXDOMAIN for an unknown namespace, service, port, pod or node under the domain; NODATA
//     (NOERROR, no answer, the SOA in the authority section) for a Service without a
//     ClusterIP yet, a headless one with no ready endpoint of the asked family, names that
//     exist only as parents of others (svc.<domain>, <namespace>.svc.<domain>,
//     node.<domain>) and query types the server does not serve (everything but A, AAAA,
//     SRV, an ExternalName's CNAME and, at the apex, SOA).
//
// A namespace called "svc" is reachable only through the .svc. form, and a node name
// shadows a Service of the same name in a namespace called "node" in the short form.
//
// Names outside the cluster domain go to the upstreams (UDP, then TCP when the answer is
// truncated; the next upstream on an error, a timeout, SERVFAIL or REFUSED; SERVFAIL when
// every upstream failed). With a whitelist, only whitelisted names are forwarded and an
// answer whose CNAME or DNAME chain leaves the whitelist is refused.
package dns
