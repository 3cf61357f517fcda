package manifest

import (
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateIngress checks an Ingress with the networking.k8s.io/v1 rules.
func validateIngress(in *networkingv1.Ingress) field.ErrorList {
	errs := validateMeta(&in.ObjectMeta, validation.IsDNS1123Subdomain, "DNS-1123 subdomain")
	spec := field.NewPath("spec")
	if in.Spec.DefaultBackend == nil && len(in.Spec.Rules) == 0 {
		errs = append(errs, field.Invalid(spec, "", "either `defaultBackend` or `rules` must be specified"))
	}
	if in.Spec.DefaultBackend != nil {
		errs = append(errs, validateBackend(in.Spec.DefaultBackend, spec.Child("defaultBackend"))...)
	}
	for i, r := range in.Spec.Rules {
		rp := spec.Child("rules").Index(i)
		errs = append(errs, validateIngressHost(r.Host, rp.Child("host"))...)
		if r.HTTP == nil {
			continue
		}
		if len(r.HTTP.Paths) == 0 {
			errs = append(errs, field.Required(rp.Child("http", "paths"), "a rule needs at least one path"))
		}
		for j, p := range r.HTTP.Paths {
			pp := rp.Child("http", "paths").Index(j)
			errs = append(errs, validateIngressPath(p, pp)...)
			errs = append(errs, validateBackend(&p.Backend, pp.Child("backend"))...)
		}
	}
	for i, t := range in.Spec.TLS {
		for j, h := range t.Hosts {
			errs = append(errs, validateIngressHost(h, spec.Child("tls").Index(i).Child("hosts").Index(j))...)
		}
	}
	return errs
}

func validateIngressHost(host string, p *field.Path) field.ErrorList {
	if host == "" {
		return nil
	}
	var msgs []string
	if strings.HasPrefix(host, "*.") {
		msgs = validation.IsWildcardDNS1123Subdomain(host)
	} else {
		msgs = validation.IsDNS1123Subdomain(host)
	}
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(p, host, msg))
	}
	return errs
}

func validateIngressPath(p networkingv1.HTTPIngressPath, pp *field.Path) field.ErrorList {
	if p.PathType == nil {
		return field.ErrorList{field.Required(pp.Child("pathType"), "pathType must be specified")}
	}
	switch *p.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		if !strings.HasPrefix(p.Path, "/") {
			return field.ErrorList{field.Invalid(pp.Child("path"), p.Path, "must be an absolute path")}
		}
		if strings.Contains(p.Path, "//") {
			return field.ErrorList{field.Invalid(pp.Child("path"), p.Path, "must not contain '//'")}
		}
	case networkingv1.PathTypeImplementationSpecific:
		if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
			return field.ErrorList{field.Invalid(pp.Child("path"), p.Path, "must be an absolute path")}
		}
	default:
		return field.ErrorList{field.NotSupported(pp.Child("pathType"), *p.PathType, []string{"Exact", "Prefix", "ImplementationSpecific"})}
	}
	return nil
}

func validateBackend(b *networkingv1.IngressBackend, p *field.Path) field.ErrorList {
	if b.Resource != nil {
		return field.ErrorList{field.Forbidden(p.Child("resource"), "resource backends are not supported; use a service backend")}
	}
	if b.Service == nil {
		return field.ErrorList{field.Required(p.Child("service"), "a backend needs a service")}
	}
	var errs field.ErrorList
	sp := p.Child("service")
	for _, msg := range validation.IsDNS1035Label(b.Service.Name) {
		errs = append(errs, field.Invalid(sp.Child("name"), b.Service.Name, msg))
	}
	port := b.Service.Port
	switch {
	case port.Name != "" && port.Number != 0:
		errs = append(errs, field.Invalid(sp.Child("port"), port.Name, "cannot set both port name & port number"))
	case port.Name != "":
		for _, msg := range validation.IsValidPortName(port.Name) {
			errs = append(errs, field.Invalid(sp.Child("port", "name"), port.Name, msg))
		}
	default:
		for _, msg := range validation.IsValidPortNum(int(port.Number)) {
			errs = append(errs, field.Invalid(sp.Child("port", "number"), port.Number, msg))
		}
	}
	return errs
}
