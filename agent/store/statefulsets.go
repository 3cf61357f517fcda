package store

// PrefixStatefulSet holds the StatefulSets as the user applied them (apps/v1, JSON),
// written by the API. Their pods' assignments are the leader's, as a Deployment's are, and
// so are the claims their volumeClaimTemplates make (persistentvolumeclaim/), written with
// the assignments of the pods that use them first.
const PrefixStatefulSet = "statefulset/"
