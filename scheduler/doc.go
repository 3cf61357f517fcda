// Package scheduler decides where the cluster's pods run.
//
// Plan is a pure function: from the desired state (Deployments, DaemonSets and bare Pods), the current
// assignments (pod -> node, with what the nodes observed) and the membership, it returns the
// assignments to create, the assignments to delete, and the pods that stay Pending with the
// reason why. It reads no clock and no global randomness, so the elected leader's choice can
// be replayed in tests; applying the result is the caller's business.
//
// The rules, in the order a reader usually asks about them:
//
//   - Placement: a new pod goes to an alive node that matches its nodeSelector (and its
//     spec.nodeName, when set) and has none of the pod's explicit hostPorts in use: its
//     other container ports go to node ports its node picks, so they hold nothing. A pod
//     placed before pods had their own IP (Assignment.PodIP empty) publishes every
//     container port on its node and holds them all until a rollout replaces it. Among
//     those, the node with the fewest pods of the same Deployment template wins, then the
//     node with the fewest pods overall, then a tie-break hashed from the seed, the pod and
//     the node.
//   - Quorum: when the caller names the known members (Input.Known), Plan does nothing
//     unless more than half of them are alive, and says so (Output.NoQuorum). Of the two
//     sides of a partition only the larger may then place pods, so the smaller never
//     starts a second copy of what the larger still runs.
//   - Stability: a pod never moves while its node is alive or suspect, nor while its node
//     is dead for less than the grace period. A node that has left, is dead for the grace
//     period or longer, was removed, or is missing from the membership loses its pods; they
//     are placed again elsewhere under the same name.
//   - Pinning: a pod that keeps data on its node (Pinned: a writable hostPath, a claim) is
//     never moved. When its node is gone it stays assigned there and is listed as pending
//     with what brings it back: the node's return, its deletion, or the node's removal from
//     the cluster, which alone releases it (for a claim: the claim's deletion). A changed
//     bare pod that no longer fits the node holding its data keeps running there unchanged.
//   - Claims (Input.Claims): a claim is bound to the node of its first pod (Output.Bind,
//     for the caller to record), and every later pod of it goes there only: another node
//     has a volume node affinity conflict. A ReadWriteOncePod claim takes one pod at a
//     time. A pod whose claim is missing or being deleted is not placed; a claim being
//     deleted that no pod uses any more is listed in Output.Unused.
//   - Deployments: scale up takes the lowest free ordinals, scale down removes pods that
//     are not available first, then the highest ordinals. A template change rolls out with
//     the Deployment's strategy (RollingUpdate with maxSurge and maxUnavailable as Kubernetes
//     computes them, or Recreate). A pod counts as available once it has been ready for
//     the Deployment's minReadySeconds, measured on Input.Now; Output.RecheckAt asks for a
//     plan when the next one becomes so. A new pod that never turns ready (crash looping,
//     image missing) never counts, so it never lets more old pods go than maxUnavailable
//     allows. A deleted Deployment loses all its pods.
//   - DaemonSets (Input.DaemonSets): one pod on every node that matches the template's
//     nodeSelector (and nodeName), named after the node and pinned to it by spec.nodeName.
//     A node that joins or gains the labels gets one (once it is alive); a node that loses
//     them loses it; a gone node's pod is deleted, never placed elsewhere (a pinned one
//     stays there, stranded, as every pinned pod does). A template
//     change rolls out as Kubernetes' DaemonSet controller does: with maxSurge 0, an old pod
//     is replaced in place (removed and its replacement created in one plan) while at most
//     maxUnavailable nodes lack an available pod, an unavailable old pod at once; with
//     maxSurge, the new pod starts beside the old one, which goes once the new one is
//     available; OnDelete replaces nothing. Output.DaemonSets counts each one's nodes.
//   - StatefulSets (Input.StatefulSets): pods <name>-<ordinal>, each with the claims of
//     the volumeClaimTemplates, <template>-<name>-<ordinal>, made by the plan when missing
//     (Output.NewClaims, for the caller to write) and never released by it: a pod stays
//     with its data. OrderedReady creates the lowest missing ordinal once every pod below
//     it is running and available (ready for minReadySeconds), and removes the highest
//     ordinal above replicas once every other pod is, one pod per plan; Parallel does both
//     at once. "Running and ready" below means available too. RollingUpdate replaces,
//     one at a time and only while every pod is running and ready, the pod of the highest
//     ordinal at or above the partition that has an older template; OnDelete gives the
//     current template only to a pod made again. A pod of an older template that is made
//     again (its node gone, or deleted by the user: Input.DeletePods) takes the current
//     one; a pod the user deletes is removed alone, and made again by the next plan.
//   - Bare Pods are placed once and stay on their node; they move only when their node is
//     gone, or when their manifest changed and no longer fits their node, and never when
//     they are pinned.
//   - Contention: when pods compete for the same host port, DaemonSets are served first
//     (their pods can run on one node only), then Deployments that are rolling out (pods
//     of an older template still in place), so that a port a stop-first replacement freed
//     goes to its new pod, then the other Deployments, each in namespace/name order, then
//     bare Pods in namespace/name order.
//
// Plan is a fixed point: applying its output and planning again with nothing else changed
// gives no creations and no deletions.
package scheduler
