package manifest

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxConfigBytes bounds the data of one ConfigMap or Secret, as Kubernetes does (1 MiB):
// every node keeps every one of them, and a pod's units carry the values it takes as
// environment.
const MaxConfigBytes = 1 << 20

func decodeConfigMap(data []byte, o *Object) error {
	o.ConfigMap = &corev1.ConfigMap{}
	return decodeStrict(data, o.ConfigMap)
}

// validateConfigMap applies the API server's rules: a DNS-1123 subdomain as its name, keys
// that are file names, no key both in data and binaryData, 1 MiB of data at most.
func validateConfigMap(c *corev1.ConfigMap) field.ErrorList {
	errs := validateMeta(&c.ObjectMeta, validation.IsDNS1123Subdomain, "DNS-1123 subdomain")
	total := 0
	for _, key := range sortedKeys(c.Data) {
		p := field.NewPath("data").Key(key)
		for _, msg := range validation.IsConfigMapKey(key) {
			errs = append(errs, field.Invalid(p, key, msg))
		}
		if _, dup := c.BinaryData[key]; dup {
			errs = append(errs, field.Invalid(p, key, "duplicate of key present in binaryData"))
		}
		total += len(c.Data[key])
	}
	for _, key := range sortedKeys(c.BinaryData) {
		p := field.NewPath("binaryData").Key(key)
		for _, msg := range validation.IsConfigMapKey(key) {
			errs = append(errs, field.Invalid(p, key, msg))
		}
		if _, dup := c.Data[key]; dup {
			errs = append(errs, field.Invalid(p, key, "duplicate of key present in data"))
		}
		total += len(c.BinaryData[key])
	}
	if total > MaxConfigBytes {
		errs = append(errs, field.TooLong(field.NewPath(""), "", MaxConfigBytes))
	}
	return errs
}

// ValidateConfigMapUpdate refuses what the API server refuses when a ConfigMap is applied
// again: an immutable one keeps its data and stays immutable.
func ValidateConfigMapUpdate(updated, old *corev1.ConfigMap) field.ErrorList {
	if old.Immutable == nil || !*old.Immutable {
		return nil
	}
	var errs field.ErrorList
	if updated.Immutable == nil || !*updated.Immutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
	}
	if !reflect.DeepEqual(emptyIsNil(updated.Data), emptyIsNil(old.Data)) {
		errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
	}
	if !reflect.DeepEqual(emptyIsNil(updated.BinaryData), emptyIsNil(old.BinaryData)) {
		errs = append(errs, field.Forbidden(field.NewPath("binaryData"), "field is immutable when `immutable` is set"))
	}
	return errs
}

// emptyIsNil makes an empty map compare equal to a missing one, as JSON stores both alike.
func emptyIsNil[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}
