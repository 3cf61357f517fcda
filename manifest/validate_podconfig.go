package manifest

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fileModeMessage is the API server's words for a file mode out of range.
const fileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive"

// validateEnvSource checks an env[].valueFrom: one source, and a configMapKeyRef or
// secretKeyRef that names an object and a key.
func validateEnvSource(src *corev1.EnvVarSource, p *field.Path) field.ErrorList {
	if src == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	if src.FieldRef != nil {
		n++
	}
	if src.ResourceFieldRef != nil {
		n++
	}
	if src.FileKeyRef != nil {
		n++
	}
	if s := src.ConfigMapKeyRef; s != nil {
		n++
		errs = append(errs, validateKeySelector(s.Name, s.Key, p.Child("configMapKeyRef"))...)
	}
	if s := src.SecretKeyRef; s != nil {
		n++
		errs = append(errs, validateKeySelector(s.Name, s.Key, p.Child("secretKeyRef"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case n > 1:
		errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
	}
	return errs
}

func validateKeySelector(name, key string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, field.Invalid(p.Child("name"), name, msg))
		}
	}
	if key == "" {
		errs = append(errs, field.Required(p.Child("key"), ""))
	} else {
		for _, msg := range validation.IsConfigMapKey(key) {
			errs = append(errs, field.Invalid(p.Child("key"), key, msg))
		}
	}
	return errs
}

// validateEnvFrom checks a container's envFrom: one source each, naming an object, and a
// prefix that may begin a variable's name.
func validateEnvFrom(list []corev1.EnvFromSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ef := range list {
		ep := p.Child("envFrom").Index(i)
		if ef.Prefix != "" {
			for _, msg := range validation.IsRelaxedEnvVarName(ef.Prefix) {
				errs = append(errs, field.Invalid(ep.Child("prefix"), ef.Prefix, msg))
			}
		}
		n := 0
		if ef.ConfigMapRef != nil {
			n++
			errs = append(errs, validateRefName(ef.ConfigMapRef.Name, ep.Child("configMapRef", "name"))...)
		}
		if ef.SecretRef != nil {
			n++
			errs = append(errs, validateRefName(ef.SecretRef.Name, ep.Child("secretRef", "name"))...)
		}
		switch {
		case n == 0:
			errs = append(errs, field.Invalid(ep, "", "must specify one of: `configMapRef` or `secretRef`"))
		case n > 1:
			errs = append(errs, field.Invalid(ep, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

func validateRefName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

// validateConfigVolume checks a configMap or secret volume: the object's name, its items'
// keys and paths, and the file modes.
func validateConfigVolume(v *corev1.Volume, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	var items []corev1.KeyToPath
	var mode *int32
	switch {
	case v.ConfigMap != nil:
		p = p.Child("configMap")
		errs = append(errs, validateRefName(v.ConfigMap.Name, p.Child("name"))...)
		items, mode = v.ConfigMap.Items, v.ConfigMap.DefaultMode
	case v.Secret != nil:
		p = p.Child("secret")
		errs = append(errs, validateRefName(v.Secret.SecretName, p.Child("secretName"))...)
		items, mode = v.Secret.Items, v.Secret.DefaultMode
	default:
		return nil
	}
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		errs = append(errs, field.Invalid(p.Child("defaultMode"), *mode, fileModeMessage))
	}
	for i, it := range items {
		ip := p.Child("items").Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		}
		errs = append(errs, validateRelativePath(it.Path, ip.Child("path"))...)
		if it.Mode != nil && (*it.Mode > 0o777 || *it.Mode < 0) {
			errs = append(errs, field.Invalid(ip.Child("mode"), *it.Mode, fileModeMessage))
		}
	}
	return errs
}

// validateRelativePath is the API server's check of an item's path: relative, and never
// leaving the volume.
func validateRelativePath(path string, p *field.Path) field.ErrorList {
	if path == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	if strings.HasPrefix(path, "/") {
		errs = append(errs, field.Invalid(p, path, "must be a relative path"))
	}
	parts := strings.Split(path, "/")
	for _, item := range parts {
		if item == ".." {
			errs = append(errs, field.Invalid(p, path, "must not contain '..'"))
			break
		}
	}
	if strings.HasPrefix(parts[0], "..") {
		errs = append(errs, field.Invalid(p, path, "must not start with '..'"))
	}
	return errs
}
