package quadlet

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Every key of [Container] becomes words of podman's command line in ExecStart=: Linux
// refuses a word longer than 128 KiB (MAX_ARG_STRLEN) and systemd a line longer than
// 1 MiB. The values as written here are a little longer than the words (quotes, escapes),
// so the limits keep some room.
const (
	maxWord        = 128<<10 - 1
	maxCommandLine = 1<<20 - 64<<10
)

// order is where a container starts among the others of its pod: after the init container
// before it, and only if every plain init container before it succeeded.
type order struct {
	after    string
	requires []string
}

// isSidecar tells whether an init container keeps running beside the containers (a
// Kubernetes sidecar: restartPolicy Always on an init container).
func (ca containerAt) isSidecar() bool {
	return ca.init && isSidecar(*ca.c)
}

// containerUnit writes the .container unit of one container or init container.
func (r *renderer) containerUnit(ca containerAt, o order) (Unit, error) {
	c, p := ca.c, ca.path
	if err := r.checkFields(p, c, containerRules); err != nil {
		return Unit{}, err
	}
	ns, pod := r.pod.Namespace, r.pod.Name
	role := "container"
	if ca.init {
		role = "init container"
	}
	u := r.newUnit(fmt.Sprintf("pod %s, %s %s", r.pod.Key(), role, c.Name))
	for _, req := range o.requires {
		u.add("Unit", "Requires", req)
	}
	if o.after != "" {
		u.add("Unit", "After", o.after)
	}
	// Restarts back off (below) instead of giving up after five quick ones.
	u.add("Unit", "StartLimitIntervalSec", "0")

	u.add("Container", "ContainerName", ContainerName(ns, pod, c.Name))
	u.add("Container", "Pod", PodUnitName(ns, pod))
	pull, err := r.image(u, c, p)
	if err != nil {
		return Unit{}, err
	}
	// journald is podman's usual default, but containers.conf can change it; the unit's
	// journal is where `journalctl --user -u` and the agent look.
	u.add("Container", "LogDriver", "journald")
	env, err := r.environment(c, p)
	if err != nil {
		return Unit{}, err
	}
	if err := r.command(u, c, p, env); err != nil {
		return Unit{}, err
	}
	if c.WorkingDir != "" {
		v, err := rawValue(c.WorkingDir)
		if err == nil && !strings.HasPrefix(c.WorkingDir, "/") {
			err = fmt.Errorf("is not an absolute path")
		}
		if err != nil {
			return Unit{}, fieldError(p+".workingDir", "%q %v", c.WorkingDir, err)
		}
		u.add("Container", "WorkingDir", v)
	}
	for _, kv := range env.ordered() {
		if kv.secret != "" {
			// The value stays in podman's secret store; the unit names it only.
			u.add("Container", "Secret", kv.secret+",type=env,target="+kv.key)
			continue
		}
		v, err := quoteWord(kv.key + "=" + kv.value)
		if err != nil {
			return Unit{}, fieldError(kv.path, "%q %v", kv.value, err)
		}
		u.add("Container", "Environment", v)
	}
	labels, err := labelArgs("metadata.labels", r.pod.Labels)
	if err != nil {
		return Unit{}, err
	}
	for _, l := range labels {
		v, err := quoteWord(l)
		if err != nil {
			return Unit{}, fieldError("metadata.labels", "%q %v", l, err)
		}
		u.add("Container", "Label", v)
	}
	if err := r.security(u, c, p); err != nil {
		return Unit{}, err
	}
	if err := r.mounts(u, c, p); err != nil {
		return Unit{}, err
	}
	health, probes, err := r.probes(u, ca, env)
	if err != nil {
		return Unit{}, err
	}
	preStop, err := r.lifecycle(u, ca)
	if err != nil {
		return Unit{}, err
	}
	args, err := r.resourceArgs(c, p)
	if err != nil {
		return Unit{}, err
	}
	if len(args) > 0 {
		v, err := quoteWords(args...)
		if err != nil {
			return Unit{}, fieldError(p+".resources", "%v", err)
		}
		u.add("Container", "PodmanArgs", v)
	}
	if longest, total := u.sectionSize("Container"); longest > maxWord || total > maxCommandLine {
		return Unit{}, fieldError(p, "too large to run: podman's command line would hold a word of about %d bytes (Linux takes %d) and %d bytes in all (systemd reads %d in a line)", longest, maxWord, total, maxCommandLine)
	}
	restart, init := r.service(u, ca)
	return Unit{
		UnitRef: containerRef(ns, pod, c.Name), Text: u.text(),
		Init: init, Restart: restart, Health: health, Image: c.Image, Pull: pull,
		Liveness: probes.liveness, Readiness: probes.readiness, Startup: probes.startup,
		PreStop: preStop,
	}, nil
}

// image writes Image= and Pull=, with Kubernetes' default pull policy, and returns the
// value of Pull=.
func (r *renderer) image(u *unitFile, c *corev1.Container, p string) (string, error) {
	if c.Image == "" {
		return "", fieldError(p+".image", "a container needs an image")
	}
	v, err := rawValue(c.Image)
	switch {
	case err != nil:
	case strings.ContainsFunc(c.Image, func(r rune) bool { return r == ' ' || r > 0x7e }):
		err = fmt.Errorf("is not an image reference")
	case strings.HasSuffix(c.Image, ".image") || strings.HasSuffix(c.Image, ".build"):
		err = fmt.Errorf("ends like a Quadlet .image or .build unit, which Quadlet would look for instead")
	}
	if err != nil {
		return "", fieldError(p+".image", "%q %v", c.Image, err)
	}
	u.add("Container", "Image", v)
	policy := c.ImagePullPolicy
	if policy == "" {
		policy = DefaultPullPolicy(c.Image)
	}
	pull, ok := map[corev1.PullPolicy]string{
		corev1.PullAlways:       "always",
		corev1.PullIfNotPresent: "missing",
		corev1.PullNever:        "never",
	}[policy]
	if !ok {
		return "", fieldError(p+".imagePullPolicy", "%q is not one of Always, IfNotPresent, Never", c.ImagePullPolicy)
	}
	u.add("Container", "Pull", pull)
	return pull, nil
}

// DefaultPullPolicy is Kubernetes' default: Always for the tag latest or no tag (unless
// there is a digest), IfNotPresent otherwise.
func DefaultPullPolicy(image string) corev1.PullPolicy {
	name, digest, _ := strings.Cut(image, "@")
	last := name[strings.LastIndexByte(name, '/')+1:]
	_, tag, hasTag := strings.Cut(last, ":")
	if tag == "latest" || !hasTag && digest == "" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// command writes the container's command and arguments, after Kubernetes' $(VAR)
// expansion. With a command, command and args together become the JSON Entrypoint=, which
// carries every word (an empty one, or a lone ";") exactly; with args alone, they become
// Exec=, after the image's entrypoint.
func (r *renderer) command(u *unitFile, c *corev1.Container, p string, env *envList) error {
	if len(c.Command) > 0 {
		words := make([]string, 0, len(c.Command)+len(c.Args))
		for _, w := range c.Command {
			words = append(words, expand(w, env.lookup))
		}
		for _, w := range c.Args {
			words = append(words, expand(w, env.lookup))
		}
		if words[0] == "" {
			return fieldError(p+".command[0]", "the program to run is empty")
		}
		j, err := jsonArray(words)
		if err != nil {
			return fieldError(p+".command", "%v", err)
		}
		v, err := rawValue(j)
		if err != nil {
			return fieldError(p+".command", "%v", err)
		}
		u.add("Container", "Entrypoint", v)
		return nil
	}
	if len(c.Args) == 0 {
		return nil
	}
	words := make([]string, len(c.Args))
	for i, a := range c.Args {
		w, err := quoteWord(expand(a, env.lookup))
		if err != nil {
			return fieldError(fmt.Sprintf("%s.args[%d]", p, i), "%q %v; set command too, then every argument is carried exactly", a, err)
		}
		words[i] = w
	}
	u.add("Container", "Exec", strings.Join(words, " "))
	return nil
}

var capabilityName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// security writes the user, the groups and the privileges from the container's and the
// pod's securityContext.
func (r *renderer) security(u *unitFile, c *corev1.Container, p string) error {
	sc := c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	} else if err := r.checkFields(p+".securityContext", sc, securityContextRules); err != nil {
		return err
	}
	psc := r.pod.Spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	user, group, nonRoot := sc.RunAsUser, sc.RunAsGroup, sc.RunAsNonRoot
	if user == nil {
		user = psc.RunAsUser
	}
	if group == nil {
		group = psc.RunAsGroup
	}
	if nonRoot == nil {
		nonRoot = psc.RunAsNonRoot
	}
	switch {
	case user != nil:
		u.add("Container", "User", strconv.FormatInt(*user, 10))
		if group != nil {
			u.add("Container", "Group", strconv.FormatInt(*group, 10))
		}
	case group != nil:
		// Quadlet refuses Group= without User=, and the image's user is not known here.
		r.warn(p+".securityContext.runAsGroup", "%s (podman needs runAsUser with it)", unsupportedIgnored)
	}
	if nonRoot != nil && *nonRoot {
		switch {
		case user != nil && *user == 0:
			return fieldError(p+".securityContext.runAsNonRoot", "the container runs as user 0")
		case user == nil:
			r.warn(p+".securityContext.runAsNonRoot", "not checked (the image's user is not known before it runs; set runAsUser)")
		}
	}
	if sc.Privileged != nil && *sc.Privileged {
		return fieldError(p+".securityContext.privileged", "not supported: rootless pods cannot run privileged containers")
	}
	if sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
		u.add("Container", "ReadOnly", "true")
	}
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		u.add("Container", "NoNewPrivileges", "true")
	}
	if caps := sc.Capabilities; caps != nil {
		if err := r.checkFields(p+".securityContext.capabilities", caps, capabilitiesRules); err != nil {
			return err
		}
		for _, set := range []struct {
			key, field string
			caps       []corev1.Capability
		}{{"DropCapability", "drop", caps.Drop}, {"AddCapability", "add", caps.Add}} {
			for i, name := range set.caps {
				if !capabilityName.MatchString(string(name)) {
					return fieldError(fmt.Sprintf("%s.securityContext.capabilities.%s[%d]", p, set.field, i), "%q is not a capability name", name)
				}
				u.add("Container", set.key, string(name))
			}
		}
	}
	for _, g := range psc.SupplementalGroups {
		u.add("Container", "GroupAdd", strconv.FormatInt(g, 10))
	}
	return nil
}

// restartMaxDelay bounds the delay between restarts, as Kubernetes' crash loop back-off.
const restartMaxDelay = "5min"

// service writes the [Service] section: how systemd restarts the container, and how an
// init container runs to its end before the containers after it start. It returns the
// value of Restart=, and whether the service is a oneshot that runs to its end.
func (r *renderer) service(u *unitFile, ca containerAt) (restart string, oneshot bool) {
	policy := r.pod.Spec.RestartPolicy
	restart = map[corev1.RestartPolicy]string{
		"":                            "always",
		corev1.RestartPolicyAlways:    "always",
		corev1.RestartPolicyOnFailure: "on-failure",
		corev1.RestartPolicyNever:     "no",
	}[policy]
	switch {
	case ca.isSidecar():
		restart = "always"
	case ca.init:
		// An init container runs once to its end; Kubernetes retries a failed one
		// unless the policy is Never.
		if restart == "always" {
			restart = "on-failure"
		}
		oneshot = true
		u.add("Service", "Type", "oneshot")
		u.add("Service", "RemainAfterExit", "yes")
		u.add("Service", "TimeoutStartSec", "infinity")
		if ca.c.RestartPolicy != nil {
			r.warn(ca.path+".restartPolicy", "%s (only Always, for a sidecar, is supported on an init container)", unsupportedIgnored)
		}
	case ca.c.RestartPolicy != nil:
		r.warn(ca.path+".restartPolicy", "%s (the pod's restartPolicy applies)", unsupportedIgnored)
	}
	u.add("Service", "Restart", restart)
	if restart != "no" {
		u.add("Service", "RestartSec", "1s")
		u.add("Service", "RestartSteps", "10")
		u.add("Service", "RestartMaxDelaySec", restartMaxDelay)
	}
	// podman stops the container within StopTimeout=; systemd waits a little longer, so
	// that it never kills podman's stop first.
	u.add("Service", "TimeoutStopSec", strconv.FormatInt(stopTimeout(&r.pod.Spec)+stopTimeoutMargin, 10))
	return restart, oneshot
}
