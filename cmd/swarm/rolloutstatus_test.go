package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStatefulSetAndDaemonSetRolloutState(t *testing.T) {
	three := int32(3)
	sts := func(ready, updated, current int32, update, cur string) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"}, Spec: appsv1.StatefulSetSpec{Replicas: &three},
			Status: appsv1.StatefulSetStatus{ReadyReplicas: ready, UpdatedReplicas: updated, CurrentReplicas: current, UpdateRevision: update, CurrentRevision: cur}}
	}
	for _, tc := range []struct {
		s    *appsv1.StatefulSet
		want string
		done bool
	}{
		{sts(1, 3, 3, "db-b", "db-b"), "Waiting for 2 pods to be ready...", false},
		{sts(3, 1, 2, "db-b", "db-a"), "waiting for statefulset rolling update to complete 1 pods at revision db-b...", false},
		{sts(3, 3, 3, "db-b", "db-b"), "statefulset rolling update complete 3 pods at revision db-b...", true},
	} {
		got, done, err := statefulSetRolloutState(tc.s)
		if err != nil || got != tc.want || done != tc.done {
			t.Errorf("statefulset %+v: %q %v %v, want %q %v", tc.s.Status, got, done, err, tc.want, tc.done)
		}
	}
	onDelete := sts(3, 3, 3, "db-b", "db-b")
	onDelete.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType
	if _, _, err := statefulSetRolloutState(onDelete); err == nil || err.Error() != "rollout status is only available for RollingUpdate strategy type" {
		t.Errorf("OnDelete: %v", err)
	}

	ds := func(desired, updated, available int32) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "logs"},
			Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: desired, UpdatedNumberScheduled: updated, NumberAvailable: available}}
	}
	for _, tc := range []struct {
		d    *appsv1.DaemonSet
		want string
		done bool
	}{
		{ds(3, 1, 3), `Waiting for daemon set "logs" rollout to finish: 1 out of 3 new pods have been updated...`, false},
		{ds(3, 3, 2), `Waiting for daemon set "logs" rollout to finish: 2 of 3 updated pods are available...`, false},
		{ds(3, 3, 3), `daemon set "logs" successfully rolled out`, true},
	} {
		got, done, err := daemonSetRolloutState(tc.d)
		if err != nil || got != tc.want || done != tc.done {
			t.Errorf("daemonset %+v: %q %v %v, want %q %v", tc.d.Status, got, done, err, tc.want, tc.done)
		}
	}
}

// Against a live agent that runs nothing: the rollout status of a StatefulSet and of a
// DaemonSet waits for pods that never turn ready, says so, and times out; a restart of
// either sets its template's restartedAt.
func TestWorkloadRolloutAgainstAnAgent(t *testing.T) {
	c := startAgent(t)
	dir := t.TempDir()
	for name, text := range map[string]string{"db.yaml": parallelSet, "logs.yaml": daemonSetManifest} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := applyFile(c, file, false, nil, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ resource, name, want string }{
		{"statefulsets", "db", "Waiting for 2 pods to be ready...\n"},
		{"daemonsets", "logs", "Waiting for daemon set \"logs\" rollout to finish: 0 of 1 updated pods are available...\n"},
	} {
		var out bytes.Buffer
		var err error
		waitUntil(t, tc.name+"'s status", func() bool {
			out.Reset()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err = runWorkloadStatus(ctx, c, tc.resource, "default", tc.name, 20*time.Millisecond, &out)
			return strings.HasSuffix(out.String(), tc.want)
		})
		if err == nil || !strings.Contains(err.Error(), "timed out waiting for the rollout of") {
			t.Errorf("%s: %v", tc.name, err)
		}
		target := tc.resource[:len(tc.resource)-1] + "/" + tc.name
		printed, err := runCLI(t, "rollout", "status", target, "--timeout", "200ms", "--interval", "20ms", "--server", c.cfg.Server, "--token", c.cfg.Token)
		if err == nil || exitStatus(err) != 1 || !strings.HasSuffix(printed, tc.want) {
			t.Errorf("swarm rollout status %s: %v %q", target, err, printed)
		}
		out.Reset()
		at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
		if err := runRolloutRestart(c, "default", target, at, &out); err != nil ||
			out.String() != workloadKinds[tc.resource].printed+"/"+tc.name+" restarted\n" {
			t.Errorf("restart %s: %v %q", tc.name, err, out.String())
		}
		var obj struct {
			Spec struct {
				Template struct{ Metadata metav1.ObjectMeta }
			}
		}
		if err := getWorkload(c, tc.resource, "default", tc.name, &obj); err != nil {
			t.Fatal(err)
		}
		if got := obj.Spec.Template.Metadata.Annotations[annotationRestartedAt]; got != "2026-12-05T09:00:00Z" {
			t.Errorf("%s: restartedAt %q", tc.name, got)
		}
	}
}
