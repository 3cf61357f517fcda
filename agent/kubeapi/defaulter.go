package kubeapi

import (
	"reflect"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/podman-swarm/podman-swarm/agent/view"
)

// Defaulter is Defaulted with a memory for pods. A node's view decodes the replicas of
// one template into one shared spec (store.SharedSpecs) and shapes a pod of each, only
// its node name differing; defaulting each pod anew cost a deep copy of the spec per pod,
// a tenth of the view's work on 5,000 new pods, and the memory to keep every copy. The
// pods a Defaulter sees with one shared spec share one defaulted copy instead: the specs
// it returns are to be read only, as the view's objects are. Safe for concurrent use.
type Defaulter struct {
	mu    sync.Mutex
	specs map[*corev1.Container]*sharedDefaults // by the shared spec's first container
}

// sharedDefaults is a spec as shaped (its node name cleared) and its defaulted copy.
type sharedDefaults struct{ in, out corev1.PodSpec }

// maxDefaultedSpecs bounds the specs remembered, as store's maxSharedSpecs does.
const maxDefaultedSpecs = 1024

// Defaulted is obj with Kubernetes' defaults, as Defaulted returns it, but for a pod: a
// pod is given its defaults itself rather than a copy (the view hands over each pod it has
// just shaped, whose spec alone it shares), and its spec is then shared too.
func (d *Defaulter) Defaulted(obj view.Value) view.Value {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return Defaulted(obj)
	}
	d.defaultSpec(&p.Spec)
	return p
}

// defaultSpec gives spec, a shaped pod's, its defaults: those of the pods
// shaped of the same decoded spec when the Defaulter saw one.
func (d *Defaulter) defaultSpec(spec *corev1.PodSpec) {
	if len(spec.Containers) == 0 {
		*spec = *spec.DeepCopy()
		defaultPodSpec(spec)
		return
	}
	node := spec.NodeName
	spec.NodeName = ""
	key := &spec.Containers[0]
	d.mu.Lock()
	defer d.mu.Unlock()
	known, ok := d.specs[key]
	if !ok || !sameParts(&known.in, spec) {
		known = &sharedDefaults{in: *spec, out: *spec.DeepCopy()}
		defaultPodSpec(&known.out)
		if d.specs == nil || len(d.specs) >= maxDefaultedSpecs {
			d.specs = make(map[*corev1.Container]*sharedDefaults)
		}
		d.specs[key] = known
	}
	*spec = known.out
	spec.NodeName = node
}

// sameParts reports whether a and b are made of the same parts: the same values in their
// plain fields, the same memory behind their slices, maps and pointers. Two such specs are
// equal as long as that memory is only read, which a shared spec's is; two equal specs
// decoded apart are not the same parts, and are defaulted each on its own.
func sameParts(a, b *corev1.PodSpec) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := range va.NumField() {
		fa, fb := va.Field(i), vb.Field(i)
		switch fa.Kind() {
		case reflect.Slice:
			if fa.UnsafePointer() != fb.UnsafePointer() || fa.Len() != fb.Len() {
				return false
			}
		case reflect.Map, reflect.Pointer:
			if fa.UnsafePointer() != fb.UnsafePointer() {
				return false
			}
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64:
			if !fa.Equal(fb) {
				return false
			}
		default:
			// No other kind is in a PodSpec today; one added is taken as different.
			return false
		}
	}
	return true
}
