package apiserver

import (
	"strings"
	"testing"
)

func TestIngressClassWarnings(t *testing.T) {
	set := parseSet(t, `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a}
spec: {ingressClassName: nginx, defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: b}
spec: {ingressClassName: swarm, defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: c, annotations: {kubernetes.io/ingress.class: traefik}}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: d}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
`)
	got := ingressClassWarnings(set)
	want := []string{
		`app.yaml: document 1 (Ingress a): spec.ingressClassName: class "nginx" is not "swarm", the class swarm ingress serves by default: only a swarm ingress started with --class nginx routes it`,
		`app.yaml: document 3 (Ingress c): metadata.annotations[kubernetes.io/ingress.class]: class "traefik" is not "swarm", the class swarm ingress serves by default: only a swarm ingress started with --class traefik routes it`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
