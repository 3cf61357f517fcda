package store

// PrefixDaemonSet holds the apps/v1 DaemonSets as the user applied them (JSON), written by
// the API.
const PrefixDaemonSet = "daemonset/"

// PrefixDaemonSetStatus holds each DaemonSet's status as the leader's last plan counted
// it: an apps/v1 DaemonSetStatus (JSON) under the DaemonSet's key, written by the leader
// in the same write as its pod plan, only when it changes, and deleted with the
// DaemonSet. Only the leader knows which nodes should run a DaemonSet's pod (the
// membership and the nodes' labels as it planned with them), so the API shows what it
// recorded.
const PrefixDaemonSetStatus = "daemonsetstatus/"

// DaemonSetStatusKey is the key of a DaemonSet's status, by the DaemonSet's key.
func DaemonSetStatusKey(daemonSetKey string) string { return PrefixDaemonSetStatus + daemonSetKey }
