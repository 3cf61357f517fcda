package manifest

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KindStatefulSet is the Kind of a StatefulSet, and the OwnerKind of its pods.
const KindStatefulSet = "StatefulSet"

// The labels Kubernetes puts on every pod of a StatefulSet.
const (
	StatefulSetPodNameLabel  = "statefulset.kubernetes.io/pod-name"
	StatefulSetPodIndexLabel = "apps.kubernetes.io/pod-index"
	ControllerRevisionLabel  = "controller-revision-hash"
)

func decodeStatefulSet(data []byte, o *Object) error {
	o.StatefulSet = &appsv1.StatefulSet{}
	return decodeStrict(data, o.StatefulSet)
}

// StatefulSetReplicas returns the StatefulSet's replica count, with Kubernetes' default of 1.
func StatefulSetReplicas(s *appsv1.StatefulSet) int {
	if s.Spec.Replicas == nil {
		return 1
	}
	return int(*s.Spec.Replicas)
}

// StatefulSetPodName is the name of a StatefulSet's pod: <statefulset>-<ordinal>, the same
// for every template, so that a pod keeps its name, its claims and its DNS name for good.
func StatefulSetPodName(set string, ordinal int) string {
	return set + "-" + strconv.Itoa(ordinal)
}

// StatefulSetClaimName is the name of the claim a volumeClaimTemplate gives the pod with
// the ordinal: <template>-<statefulset>-<ordinal>, as Kubernetes names it.
func StatefulSetClaimName(template, set string, ordinal int) string {
	return template + "-" + StatefulSetPodName(set, ordinal)
}

// StatefulSetHash is the hash of a StatefulSet's current template together with the
// versions of the ConfigMaps and Secrets its pods take at creation (nil: none): the
// controller-revision-hash of its current pods.
func StatefulSetHash(s *appsv1.StatefulSet, have ConfigLookup) string {
	return PodTemplateHash(&s.Spec.Template, ConfigVersions(s.Namespace, &s.Spec.Template.Spec, have))
}

// StatefulSetPod returns the pod with the ordinal of a StatefulSet's current template,
// with the ConfigMaps and Secrets of have (nil: none): named <statefulset>-<ordinal>,
// its host name its own name and its subdomain the governing Service (so that it is
// <pod>.<service>.<namespace>.svc.cluster.local), and one volume per volumeClaimTemplate
// mounting that ordinal's claim in place of a pod volume of the same name, as Kubernetes
// does.
func StatefulSetPod(s *appsv1.StatefulSet, ordinal int, have ConfigLookup) Pod {
	versions := ConfigVersions(s.Namespace, &s.Spec.Template.Spec, have)
	hash := PodTemplateHash(&s.Spec.Template, versions)
	name := StatefulSetPodName(s.Name, ordinal)
	labels := make(map[string]string, len(s.Spec.Template.Labels)+3)
	for k, v := range s.Spec.Template.Labels {
		labels[k] = v
	}
	labels[ControllerRevisionLabel] = s.Name + "-" + hash
	labels[StatefulSetPodNameLabel] = name
	labels[StatefulSetPodIndexLabel] = strconv.Itoa(ordinal)
	spec := *s.Spec.Template.Spec.DeepCopy()
	spec.Hostname = name
	spec.Subdomain = s.Spec.ServiceName
	spec.Volumes = withClaimVolumes(spec.Volumes, s, ordinal)
	return Pod{
		Namespace:      s.Namespace,
		Name:           name,
		Labels:         labels,
		Annotations:    s.Spec.Template.Annotations,
		Owner:          s.Name,
		OwnerKind:      KindStatefulSet,
		TemplateHash:   hash,
		Spec:           spec,
		ConfigVersions: versions,
	}
}

// withClaimVolumes replaces, or adds, one volume per volumeClaimTemplate: the ordinal's
// claim, under the template's name.
func withClaimVolumes(vols []corev1.Volume, s *appsv1.StatefulSet, ordinal int) []corev1.Volume {
	out := make([]corev1.Volume, 0, len(vols)+len(s.Spec.VolumeClaimTemplates))
	templates := map[string]bool{}
	for _, t := range s.Spec.VolumeClaimTemplates {
		templates[t.Name] = true
	}
	for _, v := range vols {
		if !templates[v.Name] {
			out = append(out, v)
		}
	}
	for _, t := range s.Spec.VolumeClaimTemplates {
		out = append(out, corev1.Volume{Name: t.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: StatefulSetClaimName(t.Name, s.Name, ordinal)},
		}})
	}
	return out
}

// StatefulSetPods expands a StatefulSet into its replicas, ordinals 0..replicas-1.
func StatefulSetPods(s *appsv1.StatefulSet) []Pod {
	n := StatefulSetReplicas(s)
	pods := make([]Pod, 0, n)
	for i := 0; i < n; i++ {
		pods = append(pods, StatefulSetPod(s, i, nil))
	}
	return pods
}

// StatefulSetClaims are the claims the volumeClaimTemplates give the pod with the
// ordinal, as the controller makes them: named by StatefulSetClaimName, in the
// StatefulSet's namespace, labelled with its selector's matchLabels as Kubernetes labels
// them. They are kept when the pod goes (scale down, deletion of the StatefulSet), as
// Kubernetes' default persistentVolumeClaimRetentionPolicy (Retain) keeps them.
func StatefulSetClaims(s *appsv1.StatefulSet, ordinal int) []*corev1.PersistentVolumeClaim {
	out := make([]*corev1.PersistentVolumeClaim, 0, len(s.Spec.VolumeClaimTemplates))
	for _, t := range s.Spec.VolumeClaimTemplates {
		c := &corev1.PersistentVolumeClaim{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
			ObjectMeta: metav1.ObjectMeta{
				Name:        StatefulSetClaimName(t.Name, s.Name, ordinal),
				Namespace:   s.Namespace,
				Labels:      map[string]string{},
				Annotations: t.Annotations,
			},
			Spec: *t.Spec.DeepCopy(),
		}
		for k, v := range t.Labels {
			c.Labels[k] = v
		}
		if s.Spec.Selector != nil {
			for k, v := range s.Spec.Selector.MatchLabels {
				c.Labels[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// OrderedReady reports whether a StatefulSet creates its pods one at a time, in ordinal
// order, each once the one before is Running and Ready (the default), rather than all at
// once (Parallel).
func OrderedReady(s *appsv1.StatefulSet) bool {
	return s.Spec.PodManagementPolicy != appsv1.ParallelPodManagement
}

// StatefulSetPartition is the ordinal from which a RollingUpdate updates pods: those
// below keep their template (0 by default). It is 0 for OnDelete, which updates none.
func StatefulSetPartition(s *appsv1.StatefulSet) int {
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		return int(*ru.Partition)
	}
	return 0
}

// OnDelete reports whether a StatefulSet replaces a pod of an older template only once
// that pod is gone, rather than rolling its pods out.
func OnDelete(s *appsv1.StatefulSet) bool {
	return s.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType
}
