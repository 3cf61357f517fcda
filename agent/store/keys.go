// Package store is the layout of the cluster's replicated store as the agent uses it: which
// key holds what, the typed records under those keys, and a typed snapshot of them all. The
// cluster package moves keys and values without knowing what they mean; this package is
// where they get their meaning, and the one place that names a key.
//
// Each record has one writer:
//
//   - deployment/, service/, ingress/, pod/, configmap/, secret/, persistentvolumeclaim/,
//     daemonset/, statefulset/, namespace/ and dns/whitelist: the API, as users apply and
//     delete objects and edit the whitelist (the leader deletes a claim being deleted once
//     no pod uses it, makes the claims of StatefulSets' volumeClaimTemplates, deletes the
//     content of a namespace being deleted and then its Namespace, and records a Namespace
//     for each namespace that holds objects but has none, as in clusters made before
//     Namespaces were kept);
//   - job/ and cronjob/: the API; the leader also writes the Jobs a CronJob makes and deletes
//     the Jobs its controllers end (see PrefixJob);
//   - jobstatus/ and cronjobstatus/: the leader, with its pod plan;
//   - assignment/, pending/, allocation/service/, revision/, claim/ and daemonsetstatus/: the scheduler of the node
//     that leads, while it reaches a majority of the cluster (see package netalloc for why
//     no address is then given twice); it also writes a Deployment back to an earlier
//     template when its rollout failed and rollback-on-failure is on, the way an apply
//     does (with its lineage);
//   - poddeletion/: the API, as users delete a StatefulSet's pod; the leader deletes the
//     request with the pod's assignment;
//   - settings/network: the node that founded the cluster, once;
//   - status/: the node that runs the pod (its status writer);
//   - token/: the token authority (the token endpoints, and each agent for its own token);
//   - deletion/: the API of the node that deleted an object, beside the object's tombstone;
//   - event/: the node that recorded the event (the events part, for any part of the agent),
//     and, for its retention, the node that wrote the event's current version;
//   - node/: the liveness monitor of the node that leads, which judges whether a node whose
//     agent stopped answering is lost (see the liveness package).
package store

// The store holds every object under a key that names its kind, namespace and name.
const (
	PrefixDeployment = "deployment/" // apps/v1 Deployment as the user applied it (JSON)
	PrefixService    = "service/"    // v1 Service (JSON)
	PrefixIngress    = "ingress/"    // networking.k8s.io/v1 Ingress (JSON)
	PrefixPod        = "pod/"        // a bare v1 Pod as the user applied it (JSON)
	PrefixConfigMap  = "configmap/"  // v1 ConfigMap (JSON)
	PrefixSecret     = "secret/"     // v1 Secret (JSON): its data unencrypted, base64 as JSON writes bytes
	PrefixAssignment = "assignment/" // a pod placed on a node: Assignment (JSON), written by the leader
	PrefixPending    = "pending/"    // a pod that fits no node and why: Pending (JSON), written by the leader
	PrefixStatus     = "status/"     // what a node observes of a pod it runs: PodStatus (JSON), written by that node
	PrefixToken      = "token/"      // an API token's record: its hash, never the token (JSON)
	PrefixDeletion   = "deletion/"   // what the API had seen of an object it deleted: Deletion (JSON)
	PrefixEvent      = "event/"      // a v1 Event about an object, by namespace and event name (JSON)
	PrefixNode       = "node/"       // the leader's verdict on a member's liveness: NodeLiveness (JSON)
	PrefixNamespace  = "namespace/"  // v1 Namespace, by name alone: it is in no namespace (JSON)
	KeyDNSWhitelist  = "dns/whitelist"
	// PrefixServiceAllocation holds what the cluster gave a Service: ServiceAllocation
	// (JSON), written by the leader in the same write as its pod plan.
	PrefixServiceAllocation = "allocation/service/"
	// KeyNetworkSettings holds the cluster's address and port ranges: NetworkSettings
	// (JSON), written by the founding node.
	KeyNetworkSettings = "settings/network"
)

// ObjectPrefixes are the prefixes of the objects users apply: their values carry a
// Lineage, and a write to them that is lost to a concurrent one is an event.
var ObjectPrefixes = []string{PrefixDeployment, PrefixService, PrefixIngress, PrefixPod,
	PrefixConfigMap, PrefixSecret, PrefixClaim, PrefixDaemonSet, PrefixStatefulSet, PrefixJob, PrefixCronJob}

// ObjectKey is the store key of a namespaced object under prefix.
func ObjectKey(prefix, namespace, name string) string {
	return prefix + namespace + "/" + name
}

// AssignmentKey is the key of a pod's assignment, by the pod's key ("namespace/name").
func AssignmentKey(podKey string) string { return PrefixAssignment + podKey }

// ServiceAllocationKey is the key of a Service's allocation, by the Service's key.
func ServiceAllocationKey(serviceKey string) string { return PrefixServiceAllocation + serviceKey }

// PendingKey is the key of a pod's pending record.
func PendingKey(podKey string) string { return PrefixPending + podKey }

// StatusKey is the key of a pod's status record.
func StatusKey(podKey string) string { return PrefixStatus + podKey }

// TokenKey is the key of an API token's record, by the token's id.
func TokenKey(id string) string { return PrefixToken + id }

// DeletionKey is the key of the deletion record of an object, by the object's key.
func DeletionKey(objectKey string) string { return PrefixDeletion + objectKey }

// EventKey is the key of an event, by its namespace and name.
func EventKey(namespace, name string) string { return PrefixEvent + namespace + "/" + name }

// NamespaceKey is the key of a Namespace, by its name.
func NamespaceKey(name string) string { return PrefixNamespace + name }

// NodeKey is the key of a member's liveness verdict, by the member's name.
func NodeKey(name string) string { return PrefixNode + name }
