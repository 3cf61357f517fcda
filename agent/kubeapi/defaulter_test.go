package kubeapi

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaulterSharesTheDefaultsOfASharedSpec(t *testing.T) {
	var d Defaulter
	shared := bareSpec() // the one decoded spec of a template's replicas
	pod := func(name, node string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: shared}
		p.Spec.NodeName = node
		return p
	}
	a := d.Defaulted(pod("a", "n1")).(*corev1.Pod)
	b := d.Defaulted(pod("b", "n2")).(*corev1.Pod)
	for _, got := range []*corev1.Pod{a, b} {
		want := Pod(pod(got.Name, got.Spec.NodeName))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pod %s defaulted\n%+v\nwant as Pod defaults it\n%+v", got.Name, got.Spec, want.Spec)
		}
	}
	if a.Spec.NodeName != "n1" || b.Spec.NodeName != "n2" {
		t.Errorf("node names %q and %q, want n1 and n2", a.Spec.NodeName, b.Spec.NodeName)
	}
	if &a.Spec.Containers[0] != &b.Spec.Containers[0] {
		t.Error("two pods of one shared spec were given a defaulted copy each")
	}
	if &a.Spec.Containers[0] == &shared.Containers[0] || shared.RestartPolicy != "" || shared.Containers[0].Ports[0].Protocol != "" {
		t.Error("the shared spec itself was defaulted: the records must stay as applied")
	}

	// A spec of the same parts but one plain field changed is not taken for the shared one.
	other := pod("c", "n1")
	other.Spec.RestartPolicy = corev1.RestartPolicyNever
	if got := d.Defaulted(other).(*corev1.Pod); got.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q, want Never: a spec was taken for another with the same containers", got.Spec.RestartPolicy)
	}
	// Nor is an equal spec decoded apart, whose containers are other memory: it is
	// defaulted on its own, the same way.
	apart := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "d"}, Spec: bareSpec()}
	if got := d.Defaulted(apart).(*corev1.Pod); !reflect.DeepEqual(got, Pod(apart)) || &got.Spec.Containers[0] == &a.Spec.Containers[0] {
		t.Error("a spec decoded apart was not defaulted on its own")
	}
}

func TestDefaulterDefaultsOtherKindsAsDefaulted(t *testing.T) {
	var d Defaulter
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	if got, want := d.Defaulted(svc), Defaulted(svc); !reflect.DeepEqual(got, want) {
		t.Errorf("service %+v, want %+v", got, want)
	}
	empty := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "empty"}}
	if got, want := d.Defaulted(empty), Pod(empty); !reflect.DeepEqual(got, want) {
		t.Errorf("pod without containers %+v, want %+v", got, want)
	}
}
