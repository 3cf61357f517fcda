package main

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRolloutState(t *testing.T) {
	three := int32(3)
	deploy := func(total, updated, available int32) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec:       appsv1.DeploymentSpec{Replicas: &three},
			Status:     appsv1.DeploymentStatus{Replicas: total, UpdatedReplicas: updated, AvailableReplicas: available, ReadyReplicas: available},
		}
	}
	stuck := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-b", OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "web"}}},
		Spec: corev1.PodSpec{NodeName: "n2"}, Status: corev1.PodStatus{Message: `image "localhost/web:2" not found and pull policy is Never`}}
	other := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "api-a", OwnerReferences: []metav1.OwnerReference{{Kind: "Deployment", Name: "api"}}},
		Status: corev1.PodStatus{Message: "not ours"}}
	tests := []struct {
		d    *appsv1.Deployment
		pods []corev1.Pod
		want string
		done bool
	}{
		{deploy(3, 1, 3), nil, `Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...`, false},
		{deploy(4, 3, 3), nil, `Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...`, false},
		{deploy(3, 3, 2), []corev1.Pod{stuck, other}, `Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...
  pod web-b on n2: image "localhost/web:2" not found and pull policy is Never`, false},
		{deploy(3, 3, 3), []corev1.Pod{stuck}, `deployment "web" successfully rolled out`, true},
	}
	for _, tc := range tests {
		got, done := rolloutState(tc.d, tc.pods)
		if got != tc.want || done != tc.done {
			t.Errorf("status %+v:\n got %q %v\nwant %q %v", tc.d.Status, got, done, tc.want, tc.done)
		}
	}
}
