package manifest

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// decodeSecret decodes a Secret and merges stringData into data as the API server does
// (a key in both takes stringData's value), so that only data is ever stored.
func decodeSecret(data []byte, o *Object) error {
	o.Secret = &corev1.Secret{}
	if err := decodeStrict(data, o.Secret); err != nil {
		return err
	}
	s := o.Secret
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	return nil
}

// secretRedacted stands for a Secret's value in an error message, as the API server writes it.
const secretRedacted = "<secret contents redacted>"

// validateSecret applies the API server's rules: a DNS-1123 subdomain as its name, keys
// that are file names, 1 MiB of data at most, and the keys its type requires. An error
// never shows a value.
func validateSecret(s *corev1.Secret) field.ErrorList {
	errs := validateMeta(&s.ObjectMeta, validation.IsDNS1123Subdomain, "DNS-1123 subdomain")
	data := field.NewPath("data")
	total := 0
	for _, key := range sortedKeys(s.Data) {
		for _, msg := range validation.IsConfigMapKey(key) {
			errs = append(errs, field.Invalid(data.Key(key), key, msg))
		}
		total += len(s.Data[key])
	}
	if total > MaxConfigBytes {
		errs = append(errs, field.TooLong(data, "", MaxConfigBytes))
	}
	switch s.Type {
	case corev1.SecretTypeTLS:
		for _, key := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
			if _, ok := s.Data[key]; !ok {
				errs = append(errs, field.Required(data.Key(key), ""))
			}
		}
	case corev1.SecretTypeDockerConfigJson:
		raw, ok := s.Data[corev1.DockerConfigJsonKey]
		if !ok {
			errs = append(errs, field.Required(data.Key(corev1.DockerConfigJsonKey), ""))
			break
		}
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			errs = append(errs, field.Invalid(data.Key(corev1.DockerConfigJsonKey), secretRedacted, err.Error()))
		}
	case corev1.SecretTypeServiceAccountToken:
		errs = append(errs, field.NotSupported(field.NewPath("type"), s.Type,
			[]corev1.SecretType{corev1.SecretTypeOpaque, corev1.SecretTypeTLS, corev1.SecretTypeDockerConfigJson}))
	}
	return errs
}

// ValidateSecretUpdate refuses what the API server refuses when a Secret is applied again:
// its type never changes, and an immutable one keeps its data and stays immutable.
func ValidateSecretUpdate(updated, old *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	if updated.Type != old.Type {
		errs = append(errs, field.Invalid(field.NewPath("type"), updated.Type, "field is immutable"))
	}
	if old.Immutable == nil || !*old.Immutable {
		return errs
	}
	if updated.Immutable == nil || !*updated.Immutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), "field is immutable when `immutable` is set"))
	}
	if !reflect.DeepEqual(emptyIsNil(updated.Data), emptyIsNil(old.Data)) {
		errs = append(errs, field.Forbidden(field.NewPath("data"), "field is immutable when `immutable` is set"))
	}
	return errs
}

// sortedKeys lists a map's keys in order, so that errors come in the same order every time.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
