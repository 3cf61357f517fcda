package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/podman-swarm/podman-swarm/api"
)

// statefulSetRolloutState says where a StatefulSet's rollout stands, in the words of
// kubectl rollout status; done when every pod is ready at the current revision. A
// StatefulSet that is not updated with RollingUpdate has no rollout to follow.
func statefulSetRolloutState(s *appsv1.StatefulSet) (string, bool, error) {
	if t := s.Spec.UpdateStrategy.Type; t != "" && t != appsv1.RollingUpdateStatefulSetStrategyType {
		return "", false, errors.New("rollout status is only available for RollingUpdate strategy type")
	}
	st := s.Status
	if want := replicasOr1(s.Spec.Replicas); st.ReadyReplicas < want {
		return fmt.Sprintf("Waiting for %d pods to be ready...", want-st.ReadyReplicas), false, nil
	}
	if st.UpdateRevision != st.CurrentRevision {
		return fmt.Sprintf("waiting for statefulset rolling update to complete %d pods at revision %s...", st.UpdatedReplicas, st.UpdateRevision), false, nil
	}
	return fmt.Sprintf("statefulset rolling update complete %d pods at revision %s...", st.CurrentReplicas, st.CurrentRevision), true, nil
}

// daemonSetRolloutState is statefulSetRolloutState for a DaemonSet.
func daemonSetRolloutState(ds *appsv1.DaemonSet) (string, bool, error) {
	if t := ds.Spec.UpdateStrategy.Type; t != "" && t != appsv1.RollingUpdateDaemonSetStrategyType {
		return "", false, errors.New("rollout status is only available for RollingUpdate strategy type")
	}
	st := ds.Status
	prefix := fmt.Sprintf("Waiting for daemon set %q rollout to finish: ", ds.Name)
	switch {
	case st.UpdatedNumberScheduled < st.DesiredNumberScheduled:
		return prefix + fmt.Sprintf("%d out of %d new pods have been updated...", st.UpdatedNumberScheduled, st.DesiredNumberScheduled), false, nil
	case st.NumberAvailable < st.DesiredNumberScheduled:
		return prefix + fmt.Sprintf("%d of %d updated pods are available...", st.NumberAvailable, st.DesiredNumberScheduled), false, nil
	}
	return fmt.Sprintf("daemon set %q successfully rolled out", ds.Name), true, nil
}

// runWorkloadStatus follows the rollout of a StatefulSet or a DaemonSet until it is done,
// printing each new state, as kubectl rollout status does.
func runWorkloadStatus(ctx context.Context, c *client, resource, ns, name string, interval time.Duration, out io.Writer) error {
	start, last := time.Now(), ""
	for {
		msg, done, err := workloadState(c, resource, ns, name)
		var apiErr *api.ResponseError
		switch {
		case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound && time.Since(start) < appearGrace:
			// Applied through another node a moment ago, it may not be here yet.
		case err != nil:
			return err
		case msg != last:
			fmt.Fprintln(out, msg)
			last = msg
		}
		if done {
			return nil
		}
		if err := sleepCtx(ctx, interval); err != nil {
			if err == context.DeadlineExceeded {
				return fmt.Errorf("timed out waiting for the rollout of %s %q", workloadKinds[resource].printed, name)
			}
			return fmt.Errorf("stopped waiting for the rollout of %s %q", workloadKinds[resource].printed, name)
		}
	}
}

func workloadState(c *client, resource, ns, name string) (string, bool, error) {
	if resource == "statefulsets" {
		var s appsv1.StatefulSet
		if err := getWorkload(c, resource, ns, name, &s); err != nil {
			return "", false, err
		}
		return statefulSetRolloutState(&s)
	}
	var ds appsv1.DaemonSet
	if err := getWorkload(c, resource, ns, name, &ds); err != nil {
		return "", false, err
	}
	return daemonSetRolloutState(&ds)
}
