package schedule

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/agent/store"
	"github.com/podman-swarm/podman-swarm/scheduler"
)

// A revision records when its template first became one (its ReplicaSet's creation
// time), and keeps it when a rollback brings the template back under the next number.
func TestRevisionCreated(t *testing.T) {
	v1, v2 := webDeployment("img:1", 2), webDeployment("img:2", 2)
	var rec store.Rollout
	for i, d := range []*appsv1.Deployment{v1, v2, v1} {
		rec = nextRollout(rec, d, nil, scheduler.DeploymentCounts{}, t0.Add(time.Duration(i)*time.Minute))
	}
	created := map[int64]time.Time{}
	for _, r := range rec.Revisions {
		created[r.Number] = r.Created
	}
	if len(created) != 2 || !created[2].Equal(t0.Add(time.Minute)) || !created[3].Equal(t0) {
		t.Errorf("created: %v", created)
	}
	// A record from before revisions kept the time: the template back is made now.
	rec.Revisions[0].Created, rec.Revisions[1].Created = time.Time{}, time.Time{}
	rec = nextRollout(rec, v2, nil, scheduler.DeploymentCounts{}, t0.Add(time.Hour))
	if last := rec.Revisions[len(rec.Revisions)-1]; last.Number != 4 || !last.Created.Equal(t0.Add(time.Hour)) {
		t.Errorf("back without a time: %+v", last)
	}
}
