package quadlet

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// How Render treats a field of the pod that is set. Every field of the structs it reads has
// a rule (a test checks that against the Kubernetes types, so a field added to them fails
// the tests until someone decides), and a field without one is reported all the same.
type handling int

const (
	// handled: Render maps the field, or checks its value itself.
	handled handling = iota
	// warned: the field is ignored with a warning.
	warned
	// refused: the pod is refused, since ignoring the field would change what it does in
	// a way a user relies on.
	refused
	// elsewhere: another part of the cluster honours the field (the scheduler), so the
	// units have nothing to do and say nothing.
	elsewhere
)

type fieldRule struct {
	how  handling
	note string
}

var mapped = fieldRule{how: handled}

func ignore(note string) fieldRule { return fieldRule{warned, note} }
func refuse(note string) fieldRule { return fieldRule{refused, note} }

// rules are the rules for the fields of one struct, by JSON name; others applies to a field
// without a rule of its own.
type rules struct {
	fields map[string]fieldRule
	others fieldRule
}

// unsupportedIgnored is the message of every warning for a field that is ignored.
const unsupportedIgnored = "not supported, ignored"

// checkFields applies rs to the fields of struct v (a pointer to it) that are set: warns
// about the ignored ones and fails on the first refused one.
func (r *renderer) checkFields(path string, v any, rs rules) error {
	for _, f := range setFields(reflect.ValueOf(v)) {
		rule, ok := rs.fields[f]
		if !ok {
			rule = rs.others
		}
		p := path + "." + f
		switch rule.how {
		case warned:
			if rule.note == "" {
				r.warn(p, unsupportedIgnored)
			} else {
				r.warn(p, "%s (%s)", unsupportedIgnored, rule.note)
			}
		case refused:
			return fieldError(p, "not supported: %s", rule.note)
		}
	}
	return nil
}

// setFields lists the JSON names of the fields of a struct (or a pointer to one) that are
// set, following inline fields into their struct.
func setFields(v reflect.Value) []string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	var out []string
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		name, inline := jsonName(t.Field(i))
		switch {
		case inline:
			out = append(out, setFields(v.Field(i))...)
		case name != "" && !v.Field(i).IsZero():
			out = append(out, name)
		}
	}
	return out
}

// jsonName is a struct field's JSON name, or inline for a field whose fields are inlined:
// an embedded struct without a name of its own, as encoding/json reads it.
func jsonName(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("json")
	name, _, _ = strings.Cut(tag, ",")
	if tag == "-" || !f.IsExported() {
		return "", false
	}
	return name, name == "" && f.Anonymous
}

var podSpecRules = rules{fields: map[string]fieldRule{
	"volumes":                       mapped,
	"initContainers":                mapped,
	"containers":                    mapped,
	"restartPolicy":                 mapped,
	"terminationGracePeriodSeconds": mapped,
	"dnsPolicy":                     mapped,
	"dnsConfig":                     mapped,
	"hostAliases":                   mapped,
	"hostNetwork":                   mapped,
	"shareProcessNamespace":         mapped,
	"securityContext":               mapped,
	"hostname":                      mapped,
	"hostnameOverride":              mapped,
	"automountServiceAccountToken":  mapped,
	"enableServiceLinks":            mapped,
	"nodeName":                      {how: elsewhere},
	"nodeSelector":                  {how: elsewhere},
	"ephemeralContainers":           ignore("ephemeral containers are for debugging a running pod"),
	"activeDeadlineSeconds":         ignore("pods run until they are deleted"),
	"serviceAccountName":            ignore("there are no service accounts"),
	"serviceAccount":                ignore("there are no service accounts"),
	"imagePullSecrets":              ignore("images are pulled with the node's podman credentials"),
	"subdomain":                     mapped, // the cluster DNS names the pod <hostname>.<subdomain>.<namespace>.svc under the headless Service of that name
	"affinity":                      ignore("the scheduler honours nodeName and nodeSelector only"),
	"schedulerName":                 ignore("there is one scheduler"),
	"tolerations":                   ignore("nodes have no taints"),
	"priorityClassName":             ignore("there is no preemption"),
	"priority":                      ignore("there is no preemption"),
	"preemptionPolicy":              ignore("there is no preemption"),
	"readinessGates":                ignore("readiness comes from the probes only"),
	"runtimeClassName":              ignore("every pod runs with the node's podman runtime"),
	"overhead":                      ignore(""),
	"topologySpreadConstraints":     ignore("the scheduler spreads a Deployment's pods on its own"),
	"setHostnameAsFQDN":             ignore("pods get no DNS name of their own"),
	"os":                            ignore("pods run on Linux"),
	"hostUsers":                     ignore("rootless pods always run in a user namespace"),
	"schedulingGates":               ignore(""),
	"resources":                     ignore("set resources per container"),
	"schedulingGroup":               ignore(""),
	"evictionResponders":            ignore(""),
	"hostPID":                       refuse("a rootless pod cannot share the node's process namespace"),
	"hostIPC":                       refuse("a rootless pod cannot share the node's IPC namespace"),
	"resourceClaims":                refuse("dynamic resource claims cannot be allocated"),
}, others: ignore("")}

var containerRules = rules{fields: map[string]fieldRule{
	"name":                     mapped,
	"image":                    mapped,
	"command":                  mapped,
	"args":                     mapped,
	"workingDir":               mapped,
	"ports":                    mapped,
	"env":                      mapped,
	"resources":                mapped,
	"volumeMounts":             mapped,
	"livenessProbe":            mapped,
	"readinessProbe":           mapped,
	"startupProbe":             mapped,
	"imagePullPolicy":          mapped,
	"securityContext":          mapped,
	"lifecycle":                mapped,
	"restartPolicy":            mapped,
	"envFrom":                  mapped,
	"volumeDevices":            refuse("raw block devices are not supported"),
	"resizePolicy":             ignore("resources are fixed when the container starts"),
	"restartPolicyRules":       ignore("the pod's restartPolicy applies"),
	"terminationMessagePath":   ignore("the termination message is not collected"),
	"terminationMessagePolicy": ignore("the termination message is not collected"),
	"stdin":                    ignore("containers run without standard input"),
	"stdinOnce":                ignore("containers run without standard input"),
	"tty":                      ignore("containers run without a terminal"),
}, others: ignore("")}

var probeRules = rules{fields: map[string]fieldRule{
	"exec":                          mapped,
	"httpGet":                       mapped,
	"tcpSocket":                     mapped,
	"initialDelaySeconds":           mapped,
	"timeoutSeconds":                mapped,
	"periodSeconds":                 mapped,
	"successThreshold":              mapped,
	"failureThreshold":              mapped,
	"grpc":                          refuse("gRPC probes are not supported; use exec, httpGet or tcpSocket"),
	"terminationGracePeriodSeconds": ignore("the pod's terminationGracePeriodSeconds applies"),
}, others: ignore("")}

var httpGetRules = rules{fields: map[string]fieldRule{
	"path":        mapped,
	"port":        mapped,
	"host":        mapped,
	"scheme":      mapped,
	"httpHeaders": mapped,
	"protocol":    mapped,
}, others: ignore("")}

var tcpSocketRules = rules{fields: map[string]fieldRule{
	"port": mapped,
	"host": mapped,
}, others: ignore("")}

var volumeMountRules = rules{fields: map[string]fieldRule{
	"name":              mapped,
	"readOnly":          mapped,
	"mountPath":         mapped,
	"subPath":           mapped,
	"bindMountOptions":  mapped,
	"recursiveReadOnly": ignore("readOnly applies to the mount itself"),
	"mountPropagation":  ignore("mounts are private"),
	"subPathExpr":       refuse("subPathExpr is not supported; use subPath"),
}, others: ignore("")}

var envVarRules = rules{fields: map[string]fieldRule{
	"name":      mapped,
	"value":     mapped,
	"valueFrom": mapped,
}, others: ignore("")}

var envVarSourceRules = rules{fields: map[string]fieldRule{
	"fieldRef":        mapped,
	"configMapKeyRef": mapped,
	"secretKeyRef":    mapped,
}, others: refuse("only fieldRef, configMapKeyRef and secretKeyRef can be resolved on the node")}

var resourcesRules = rules{fields: map[string]fieldRule{
	"limits":   mapped,
	"requests": ignore("requests only inform scheduling"),
	"claims":   ignore(""),
}, others: ignore("")}

// volumeRules refuse every volume type but emptyDir, hostPath, configMap, secret and
// persistentVolumeClaim, including types that Kubernetes adds later.
var volumeRules = rules{fields: map[string]fieldRule{
	"name":      mapped,
	"emptyDir":  mapped,
	"hostPath":  mapped,
	"configMap": mapped,
	"secret":    mapped,

	"persistentVolumeClaim": mapped,
}, others: refuse("only emptyDir, hostPath, configMap, secret and persistentVolumeClaim volumes are supported")}

var emptyDirRules = rules{fields: map[string]fieldRule{
	"medium":    mapped,
	"sizeLimit": mapped,
	"mode":      ignore("podman creates the volume with its own mode"),
}, others: ignore("")}

var hostPathRules = rules{fields: map[string]fieldRule{
	"path": mapped,
	"type": mapped,
}, others: ignore("")}

var securityContextRules = rules{fields: map[string]fieldRule{
	"runAsUser":                mapped,
	"runAsGroup":               mapped,
	"runAsNonRoot":             mapped,
	"readOnlyRootFilesystem":   mapped,
	"allowPrivilegeEscalation": mapped,
	"capabilities":             mapped,
	"privileged":               mapped,
	"seLinuxOptions":           ignore("podman's default SELinux labels apply"),
	"windowsOptions":           ignore("pods run on Linux"),
	"procMount":                ignore(""),
	"seccompProfile":           ignore("podman's default seccomp profile applies"),
	"appArmorProfile":          ignore("podman's default AppArmor profile applies"),
}, others: ignore("")}

var podSecurityContextRules = rules{fields: map[string]fieldRule{
	"runAsUser":                mapped,
	"runAsGroup":               mapped,
	"runAsNonRoot":             mapped,
	"supplementalGroups":       mapped,
	"seLinuxOptions":           ignore("podman's default SELinux labels apply"),
	"windowsOptions":           ignore("pods run on Linux"),
	"supplementalGroupsPolicy": ignore(""),
	"fsGroup":                  ignore("volumes keep their owner"),
	"fsGroupChangePolicy":      ignore("volumes keep their owner"),
	"sysctls":                  ignore("the node's sysctls apply"),
	"seccompProfile":           ignore("podman's default seccomp profile applies"),
	"appArmorProfile":          ignore("podman's default AppArmor profile applies"),
	"seLinuxChangePolicy":      ignore(""),
}, others: ignore("")}

var lifecycleRules = rules{fields: map[string]fieldRule{
	"stopSignal": mapped,
	"postStart":  ignore("postStart hooks are not run"),
	"preStop":    mapped,
}, others: ignore("")}

var lifecycleHandlerRules = rules{fields: map[string]fieldRule{
	"exec":      mapped,
	"httpGet":   mapped,
	"tcpSocket": mapped,
	"sleep":     mapped,
}, others: ignore("")}

var dnsConfigRules = rules{fields: map[string]fieldRule{
	"nameservers": mapped,
	"searches":    mapped,
	"options":     mapped,
}, others: ignore("")}

// fieldTables lists every rules table with the type it is for, for the coverage test.
var fieldTables = []struct {
	t  reflect.Type
	rs rules
}{
	{reflect.TypeOf(corev1.PodSpec{}), podSpecRules},
	{reflect.TypeOf(corev1.Container{}), containerRules},
	{reflect.TypeOf(corev1.Probe{}), probeRules},
	{reflect.TypeOf(corev1.HTTPGetAction{}), httpGetRules},
	{reflect.TypeOf(corev1.TCPSocketAction{}), tcpSocketRules},
	{reflect.TypeOf(corev1.VolumeMount{}), volumeMountRules},
	{reflect.TypeOf(corev1.EnvVar{}), envVarRules},
	{reflect.TypeOf(corev1.EnvVarSource{}), envVarSourceRules},
	{reflect.TypeOf(corev1.ResourceRequirements{}), resourcesRules},
	{reflect.TypeOf(corev1.Volume{}), volumeRules},
	{reflect.TypeOf(corev1.EmptyDirVolumeSource{}), emptyDirRules},
	{reflect.TypeOf(corev1.HostPathVolumeSource{}), hostPathRules},
	{reflect.TypeOf(corev1.PersistentVolumeClaimVolumeSource{}), claimSourceRules},
	{reflect.TypeOf(corev1.SecurityContext{}), securityContextRules},
	{reflect.TypeOf(corev1.PodSecurityContext{}), podSecurityContextRules},
	{reflect.TypeOf(corev1.Lifecycle{}), lifecycleRules},
	{reflect.TypeOf(corev1.LifecycleHandler{}), lifecycleHandlerRules},
	{reflect.TypeOf(corev1.SleepAction{}), sleepActionRules},
	{reflect.TypeOf(corev1.PodDNSConfig{}), dnsConfigRules},
	{reflect.TypeOf(corev1.ContainerPort{}), containerPortRules},
	{reflect.TypeOf(corev1.HostAlias{}), hostAliasRules},
	{reflect.TypeOf(corev1.HTTPHeader{}), httpHeaderRules},
	{reflect.TypeOf(corev1.ExecAction{}), execActionRules},
	{reflect.TypeOf(corev1.ObjectFieldSelector{}), fieldSelectorRules},
	{reflect.TypeOf(corev1.Capabilities{}), capabilitiesRules},
	{reflect.TypeOf(corev1.PodDNSConfigOption{}), dnsConfigOptionRule},
	{reflect.TypeOf(corev1.EnvFromSource{}), envFromRules},
	{reflect.TypeOf(corev1.ConfigMapEnvSource{}), configMapEnvRules},
	{reflect.TypeOf(corev1.SecretEnvSource{}), secretEnvRules},
	{reflect.TypeOf(corev1.ConfigMapKeySelector{}), configMapKeyRules},
	{reflect.TypeOf(corev1.SecretKeySelector{}), secretKeyRules},
	{reflect.TypeOf(corev1.ConfigMapVolumeSource{}), configMapVolumeRules},
	{reflect.TypeOf(corev1.SecretVolumeSource{}), secretVolumeRules},
	{reflect.TypeOf(corev1.KeyToPath{}), keyToPathRules},
}

// The rules for the small structs that Render reads whole; they exist so that a field added
// to one of them is noticed.
var (
	containerPortRules   = allMapped("name", "hostPort", "containerPort", "protocol", "hostIP")
	hostAliasRules       = allMapped("ip", "hostnames")
	httpHeaderRules      = allMapped("name", "value")
	execActionRules      = allMapped("command")
	sleepActionRules     = allMapped("seconds")
	fieldSelectorRules   = allMapped("apiVersion", "fieldPath")
	capabilitiesRules    = allMapped("add", "drop")
	dnsConfigOptionRule  = allMapped("name", "value")
	envFromRules         = allMapped("prefix", "configMapRef", "secretRef")
	configMapEnvRules    = allMapped("name", "optional")
	secretEnvRules       = allMapped("name", "optional")
	configMapKeyRules    = allMapped("name", "key", "optional")
	secretKeyRules       = allMapped("name", "key", "optional")
	configMapVolumeRules = withIgnored(allMapped("name", "items", "defaultMode", "optional"), "defaultUser")
	secretVolumeRules    = withIgnored(allMapped("secretName", "items", "defaultMode", "optional"), "defaultUser")
	keyToPathRules       = withIgnored(allMapped("key", "path", "mode"), "user")
	claimSourceRules     = allMapped("claimName", "readOnly")
)

// withIgnored adds fields that are ignored with a warning to rs.
func withIgnored(rs rules, names ...string) rules {
	for _, n := range names {
		rs.fields[n] = ignore("the files belong to the container's root user")
	}
	return rs
}

func allMapped(names ...string) rules {
	rs := rules{fields: map[string]fieldRule{}, others: ignore("")}
	for _, n := range names {
		rs.fields[n] = mapped
	}
	return rs
}
