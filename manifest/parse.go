package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Input is one manifest file: its name, shown in errors, and its bytes.
type Input struct {
	Name string
	Data []byte
}

// Object is one object of a manifest, typed, with its namespace defaulted.
// Exactly one of the typed pointers is set, the one that Kind names.
type Object struct {
	Source      Source
	Kind        string
	Deployment  *appsv1.Deployment
	Service     *corev1.Service
	Ingress     *networkingv1.Ingress
	Pod         *corev1.Pod
	Claim       *corev1.PersistentVolumeClaim
	ConfigMap   *corev1.ConfigMap
	Secret      *corev1.Secret
	DaemonSet   *appsv1.DaemonSet
	Namespace   *corev1.Namespace
	StatefulSet *appsv1.StatefulSet
	Job         *batchv1.Job
	CronJob     *batchv1.CronJob
}

// Meta returns the object's metadata.
func (o Object) Meta() *metav1.ObjectMeta {
	switch {
	case o.Deployment != nil:
		return &o.Deployment.ObjectMeta
	case o.Service != nil:
		return &o.Service.ObjectMeta
	case o.Ingress != nil:
		return &o.Ingress.ObjectMeta
	case o.Claim != nil:
		return &o.Claim.ObjectMeta
	case o.ConfigMap != nil:
		return &o.ConfigMap.ObjectMeta
	case o.Secret != nil:
		return &o.Secret.ObjectMeta
	case o.DaemonSet != nil:
		return &o.DaemonSet.ObjectMeta
	case o.Namespace != nil:
		return &o.Namespace.ObjectMeta
	case o.StatefulSet != nil:
		return &o.StatefulSet.ObjectMeta
	case o.Job != nil:
		return &o.Job.ObjectMeta
	case o.CronJob != nil:
		return &o.CronJob.ObjectMeta
	default:
		return &o.Pod.ObjectMeta
	}
}

// Set is a whole manifest, parsed and validated: the objects in the order they were written.
type Set struct {
	Objects []Object
}

// Pods expands the Set into the pods the cluster would run: every replica of every
// Deployment, named as the cluster names them, then the bare Pods.
func (s *Set) Pods() []Pod {
	var pods []Pod
	for _, o := range s.Objects {
		switch {
		case o.Deployment != nil:
			pods = append(pods, DeploymentPods(o.Deployment)...)
		case o.Pod != nil:
			pods = append(pods, BarePod(o.Pod))
		case o.StatefulSet != nil:
			pods = append(pods, StatefulSetPods(o.StatefulSet)...)
		}
	}
	return pods
}

// DefaultNamespace is the namespace of an object that names none.
const DefaultNamespace = "default"

// kind describes one supported kind: its apiVersion and how to decode it.
type kind struct {
	apiVersion string
	decode     func(data []byte, o *Object) error
}

var kinds = map[string]kind{
	"Deployment": {"apps/v1", func(data []byte, o *Object) error {
		o.Deployment = &appsv1.Deployment{}
		return decodeStrict(data, o.Deployment)
	}},
	"Service": {"v1", func(data []byte, o *Object) error {
		o.Service = &corev1.Service{}
		return decodeStrict(data, o.Service)
	}},
	"Ingress": {"networking.k8s.io/v1", func(data []byte, o *Object) error {
		o.Ingress = &networkingv1.Ingress{}
		return decodeStrict(data, o.Ingress)
	}},
	"Pod": {"v1", func(data []byte, o *Object) error {
		o.Pod = &corev1.Pod{}
		return decodeStrict(data, o.Pod)
	}},
	"ConfigMap":             {"v1", decodeConfigMap},
	"Secret":                {"v1", decodeSecret},
	"PersistentVolumeClaim": {"v1", decodeClaim},
	"DaemonSet":             {"apps/v1", decodeDaemonSet},
	"Namespace":             {"v1", decodeNamespace},
	KindStatefulSet:         {"apps/v1", decodeStatefulSet},
	"Job":                   {"batch/v1", decodeJob},
	"CronJob":               {"batch/v1", decodeCronJob},
}

// SupportedKinds names the kinds a manifest may hold, for error messages and help.
const SupportedKinds = "Deployment (apps/v1), StatefulSet (apps/v1), DaemonSet (apps/v1), Job (batch/v1), CronJob (batch/v1), Service (v1), Ingress (networking.k8s.io/v1), Pod (v1), ConfigMap (v1), Secret (v1), PersistentVolumeClaim (v1), Namespace (v1), and List (v1) of those"

// Parse reads manifests: YAML or JSON documents separated by `---`, possibly `kind: List`.
// It returns every object, validated, or Errors listing every problem found; one bad
// document refuses the whole manifest.
func Parse(inputs ...Input) (*Set, error) {
	var set Set
	var errs Errors
	for _, in := range inputs {
		for _, doc := range splitDocuments(in.Data) {
			objs, docErrs := parseDocument(in.Name, doc)
			errs = append(errs, docErrs...)
			set.Objects = append(set.Objects, objs...)
		}
	}
	for _, o := range set.Objects {
		errs = append(errs, validateObject(o)...)
	}
	errs = append(errs, checkUnique(set.Objects)...)
	if len(errs) > 0 {
		return nil, errs
	}
	if len(set.Objects) == 0 {
		return nil, Errors{{Source: Source{File: inputNames(inputs), Index: 1},
			Reason: "the manifest holds no objects; expected one or more of " + SupportedKinds}}
	}
	return &set, nil
}

func inputNames(inputs []Input) string {
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.Name
	}
	if len(names) == 0 {
		return "<no input>"
	}
	return strings.Join(names, ", ")
}

// typeHead is the part of every document that says what it is.
type typeHead struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

// parseDocument decodes one YAML document into objects (several for a List, none for a
// document of only comments).
func parseDocument(file string, doc document) ([]Object, Errors) {
	src := Source{File: file, Index: doc.index}
	if len(bytes.TrimSpace(doc.data)) == 0 {
		return nil, nil
	}
	data, err := yaml.YAMLToJSONStrict(doc.data)
	if err != nil {
		return nil, Errors{{Source: src, Reason: yamlReason(err, doc.line), Malformed: true}}
	}
	if string(data) == "null" {
		return nil, nil // comments only
	}
	var head typeHead
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, Errors{{Source: src, Reason: "not a Kubernetes object: expected a mapping with apiVersion, kind and metadata", Malformed: true}}
	}
	if head.Kind == "List" || head.Kind == "DeploymentList" || head.Kind == "ServiceList" || head.Kind == "IngressList" || head.Kind == "PodList" ||
		head.Kind == "ConfigMapList" || head.Kind == "SecretList" || head.Kind == "PersistentVolumeClaimList" ||
		head.Kind == "DaemonSetList" || head.Kind == "NamespaceList" || head.Kind == "StatefulSetList" ||
		head.Kind == "JobList" || head.Kind == "CronJobList" {
		return parseList(src, head)
	}
	o, err := decodeObject(src, head, data)
	if err != nil {
		return nil, Errors{err.(*Error)}
	}
	return []Object{o}, nil
}

func parseList(src Source, head typeHead) ([]Object, Errors) {
	src.Kind = head.Kind
	if head.APIVersion != "v1" {
		return nil, Errors{{Source: src, Field: "apiVersion",
			Reason: fmt.Sprintf("Unsupported value: %q: a %s must have apiVersion v1", head.APIVersion, head.Kind)}}
	}
	var objs []Object
	var errs Errors
	for i, raw := range head.Items {
		item := src
		item.Kind, item.Item = "", i+1
		var h typeHead
		if err := json.Unmarshal(raw, &h); err != nil {
			errs = append(errs, &Error{Source: item, Reason: "not a Kubernetes object: expected a mapping with apiVersion, kind and metadata", Malformed: true})
			continue
		}
		if h.Kind == "List" || strings.HasSuffix(h.Kind, "List") {
			item.Kind = h.Kind
			errs = append(errs, &Error{Source: item, Field: "kind", Reason: "a List cannot contain another List"})
			continue
		}
		o, err := decodeObject(item, h, raw)
		if err != nil {
			errs = append(errs, err.(*Error))
			continue
		}
		objs = append(objs, o)
	}
	return objs, errs
}

// decodeObject decodes one object of a supported kind, strictly: an unknown or duplicate
// field is an error, as kubectl's strict field validation makes it.
func decodeObject(src Source, head typeHead, data []byte) (Object, error) {
	src.Kind, src.Name = head.Kind, head.Metadata.Name
	if head.Kind == "" {
		return Object{}, &Error{Source: src, Field: "kind", Reason: "Required value: every document needs a kind; supported: " + SupportedKinds}
	}
	k, ok := kinds[head.Kind]
	if !ok {
		return Object{}, &Error{Source: src, Field: "kind",
			Reason: fmt.Sprintf("Unsupported value: %q: supported kinds are %s", head.Kind, SupportedKinds)}
	}
	if head.APIVersion != k.apiVersion {
		reason := fmt.Sprintf("Unsupported value: %q: a %s must have apiVersion %s", head.APIVersion, head.Kind, k.apiVersion)
		if head.APIVersion == "" {
			reason = fmt.Sprintf("Required value: a %s must have apiVersion %s", head.Kind, k.apiVersion)
		}
		return Object{}, &Error{Source: src, Field: "apiVersion", Reason: reason}
	}
	o := Object{Source: src, Kind: head.Kind}
	if err := k.decode(data, &o); err != nil {
		var de *decodeError
		if errors.As(err, &de) {
			return Object{}, &Error{Source: src, Field: de.field, Reason: de.reason}
		}
		return Object{}, &Error{Source: src, Reason: err.Error()}
	}
	switch {
	case o.Namespace != nil:
		o.Namespace.Namespace = "" // cluster-scoped: the API server clears it too
	case o.Meta().Namespace == "":
		o.Meta().Namespace = DefaultNamespace
	}
	return o, nil
}

// decodeError is a decoding failure tied to a field.
type decodeError struct{ field, reason string }

func (e *decodeError) Error() string { return e.field + ": " + e.reason }

func decodeStrict(data []byte, into any) error {
	strict, err := kjson.UnmarshalStrict(data, into)
	if err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return &decodeError{field: te.Field, reason: fmt.Sprintf("Invalid value: expected %s, got a JSON %s", typeName(te.Type.String()), te.Value)}
		}
		// Values with their own syntax (quantities like "512Mi", int-or-strings) say what is wrong.
		return &decodeError{reason: "Invalid value: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if len(strict) > 0 {
		var fe kjson.FieldError
		if errors.As(strict[0], &fe) {
			return &decodeError{field: fe.FieldPath(), reason: strictReason(strict[0].Error())}
		}
		return &decodeError{reason: strict[0].Error()}
	}
	return nil
}

// strictReason turns `unknown field "spec.replica"` into words that say what to do.
func strictReason(msg string) string {
	switch {
	case strings.HasPrefix(msg, "unknown field"):
		return "Unknown field: not part of this kind's schema (check spelling and indentation)"
	case strings.HasPrefix(msg, "duplicate field"):
		return "Duplicate value: the field is set twice"
	}
	return msg
}

func typeName(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping"
	}
	return "a mapping"
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlReason cleans up a YAML syntax error and makes its line number count from the top of
// the file rather than from the top of the document.
func yamlReason(err error, firstLine int) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	msg = yamlLine.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(m[len("line "):])
		return fmt.Sprintf("line %d", n+firstLine-1)
	})
	return "invalid YAML: " + msg
}
