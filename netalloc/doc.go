// Package netalloc decides the cluster's virtual addresses: the ClusterIP and node ports of
// each Service, and the IP of each new pod. It is pure: it reads the ranges, the Services,
// the pods and what is already allocated, and says what to write; it does no I/O.
//
// # Why no address is ever given to two Services
//
// Only one writer allocates: the scheduling loop of the node that leads, and only while it
// reaches a majority of the cluster's known members (the quorum gate of agent/schedule). It
// writes the allocations in the same atomic store write as the pod plan, so an allocation
// is never written without the majority that the pod plan needs too. Of two sides of a
// partition at most one has a majority, so at most one side allocates; the other writes
// nothing and its Services wait without a ClusterIP. Two nodes applying Services at once
// only write the Services (the requests); the one leader sees both and plans them in one
// deterministic pass (PlanServices), which never hands out an address or port twice. A
// leader that takes over recomputes from the store, where its predecessor's allocations
// are already kept.
//
// The API checks an explicit request (CheckServiceRequest) against what its node has seen,
// so that most clashes get a 422 at once. Two applies on different nodes asking for the
// same explicit address at the same moment both pass that check; the leader then honours
// the one it sees first (the first by key when it sees both in one plan: a partition's
// large side may have given the address before the other side's request arrives) and
// leaves the other without an allocation, with a reason (a Problem) that the loop records
// as a Warning event.
//
// # Decisions
//
// Only IPv4 ranges are accepted in this release: the pods' pasta interfaces and the nftables
// rules that translate ClusterIPs are IPv4 (table ip swarm). Of the service CIDR, the network
// address, the broadcast address and the first host address (which Kubernetes keeps for its
// own API's Service) are never given; of the pod CIDR, the network address, the first host
// address (the gateway every pod's pasta interface uses) and the broadcast address. A
// search for a free address or port starts at a hash of the Service's or pod's key rather
// than at the lowest free one, so that a freed address is not handed out again at once,
// and so that every leader computes the same answer.
package netalloc
