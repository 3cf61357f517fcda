package store

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// PrefixRollout holds each Deployment's revisions and the progress of its rollout:
// Rollout (JSON) under revision/<ns>/<name>, written by the leader in the same write as
// its pod plan, deleted with the Deployment.
const PrefixRollout = "revision/"

// RolloutKey is the key of a Deployment's rollout record, by the Deployment's key.
func RolloutKey(deploymentKey string) string { return PrefixRollout + deploymentKey }

// Rollout is the value under revision/<ns>/<name>: the templates a Deployment ran, newest
// last, and how the rollout of its current template goes. It lives in the store, not in
// the leader's memory, so that a new leader continues the same rollout and the same
// progress deadline.
type Rollout struct {
	// Revisions are the last revisionHistoryLimit templates (the current one included),
	// oldest first; their numbers grow, and going back to an older template gives it the
	// next number, as Kubernetes does.
	Revisions []Revision `json:"revisions"`
	// Hash is the current template's hash (manifest.TemplateHash): what the fields below
	// are about.
	Hash string `json:"hash"`
	// Progress is what the rollout counted at its last progress.
	Progress RolloutCounts `json:"progress"`
	// LastProgress is when the rollout last progressed: a new template, a new pod
	// created, a new pod become available, an old pod removed.
	LastProgress time.Time `json:"lastProgress"`
	// State is where the rollout stands (the Progressing condition's reason).
	State RolloutState `json:"state"`
	// RolledBack says that the current template was put back by an automatic rollback,
	// and from where. A template a rollback put back is never rolled back itself.
	RolledBack *Rollback `json:"rolledBack,omitempty"`
	// CompletedHash is the template whose rollout last completed: while it is not Hash, a
	// rollout of the current template is under way (the events tell its steps).
	CompletedHash string `json:"completedHash,omitempty"`
	// Paused is the Deployment's spec.paused as the leader last planned it, so that its
	// pause and resume are events whatever the rollout's state.
	Paused bool `json:"paused,omitempty"`
}

// Revision is one template a Deployment ran.
type Revision struct {
	Number   int64                  `json:"number"`
	Hash     string                 `json:"hash"`
	Template corev1.PodTemplateSpec `json:"template"`
	// ChangeCause is the Deployment's kubernetes.io/change-cause annotation when the
	// template became this revision.
	ChangeCause string `json:"changeCause,omitempty"`
	// Created is when the template first became a revision, kept when it comes back: the
	// creationTimestamp of its ReplicaSet. Zero in a record older than it.
	Created time.Time `json:"created,omitzero"`
}

// RolloutCounts are the pods a rollout counts its progress by.
type RolloutCounts struct {
	Updated   int `json:"updated"`   // pods of the current template
	Available int `json:"available"` // of those, available (ready for minReadySeconds)
	Old       int `json:"old"`       // pods of older templates
	// AllAvailable counts the available pods of every template: the Deployment's
	// availableReplicas, which depends on minReadySeconds and thus on the leader's clock.
	AllAvailable int `json:"allAvailable"`
}

// RolloutState is where a rollout stands.
type RolloutState string

// The states of a rollout; each is the reason of the Progressing condition it shows.
const (
	RolloutNew      RolloutState = "NewReplicaSetCreated"     // a new template, nothing more yet
	RolloutUpdated  RolloutState = "ReplicaSetUpdated"        // progressing
	RolloutComplete RolloutState = "NewReplicaSetAvailable"   // every pod new and available, no old one left
	RolloutTimedOut RolloutState = "ProgressDeadlineExceeded" // no progress for progressDeadlineSeconds
	RolloutPaused   RolloutState = "DeploymentPaused"         // spec.paused: no deadline runs
)

// Rollback is an automatic rollback: the template that failed and the revision put back.
type Rollback struct {
	FromRevision int64     `json:"fromRevision"`
	FromHash     string    `json:"fromHash"`
	ToRevision   int64     `json:"toRevision"`
	At           time.Time `json:"at"`
}

// CurrentRevision is the number of the record's current template; 0 when unknown.
func (r Rollout) CurrentRevision() int64 {
	for _, rev := range r.Revisions {
		if rev.Hash == r.Hash {
			return rev.Number
		}
	}
	return 0
}
