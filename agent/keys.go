package agent

// The store holds every object under a key that names its kind, namespace and name. The
// cluster package moves these keys and values without knowing what they mean.
const (
	prefixDeployment = "deployment/" // apps/v1 Deployment as the user applied it (JSON)
	prefixService    = "service/"    // v1 Service (JSON)
	prefixIngress    = "ingress/"    // networking.k8s.io/v1 Ingress (JSON)
	prefixPod        = "pod/"        // a bare v1 Pod as the user applied it (JSON)
	prefixAssignment = "assignment/" // a pod placed on a node: assignment (JSON), written by the leader
	prefixPending    = "pending/"    // a pod that fits no node and why, written by the leader
	prefixStatus     = "status/"     // what a node observes of a pod it runs, written by that node
	prefixToken      = "token/"      // an API token's record: its hash, never the token (JSON)
	keyDNSWhitelist  = "dns/whitelist"
)

// objectKey is the store key of a namespaced object under prefix.
func objectKey(prefix, namespace, name string) string {
	return prefix + namespace + "/" + name
}
