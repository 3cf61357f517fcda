package quadlet

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{PodName("default", "web"), "swarm-default_web"},
		{PodUnitName("default", "web"), "swarm-default_web.pod"},
		{PodServiceName("default", "web"), "swarm-default_web.service"},
		{ContainerName("default", "web", "app"), "swarm-default_web_app"},
		{ContainerUnitName("default", "web", "app"), "swarm-default_web_app.container"},
		{ContainerServiceName("default", "web", "app"), "swarm-default_web_app.service"},
		{VolumeName("default", "web", "cache"), "swarm-default_web_cache"},
		{VolumeUnitName("default", "web", "cache"), "swarm-default_web_cache.volume"},
		{VolumeServiceName("default", "web", "cache"), "swarm-default_web_cache_volume.service"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// A volume's service never takes the name of a container's service in the same pod.
func TestVolumeServiceNeverClashesWithContainer(t *testing.T) {
	if VolumeServiceName("ns", "p", "data") == ContainerServiceName("ns", "p", "data-volume") {
		t.Error("volume data and container data-volume share a service name")
	}
}

func TestParseUnitName(t *testing.T) {
	for _, tc := range []struct {
		file string
		want UnitRef
		ok   bool
	}{
		{"swarm-default_web.pod", UnitRef{Name: "swarm-default_web.pod", Kind: KindPod,
			Namespace: "default", Pod: "web", Service: "swarm-default_web.service"}, true},
		{"swarm-default_web.v2_app.container", UnitRef{Name: "swarm-default_web.v2_app.container", Kind: KindContainer,
			Namespace: "default", Pod: "web.v2", Container: "app", Service: "swarm-default_web.v2_app.service"}, true},
		{"swarm-kube-system_dns-1_cache.volume", UnitRef{Name: "swarm-kube-system_dns-1_cache.volume", Kind: KindVolume,
			Namespace: "kube-system", Pod: "dns-1", Volume: "cache", Service: "swarm-kube-system_dns-1_cache_volume.service",
			PodmanVolume: "swarm-kube-system_dns-1_cache"}, true},
		{"swarm-default_web_app.pod", UnitRef{}, false},
		{"swarm-default_web.container", UnitRef{}, false},
		{"swarm-default_web.service", UnitRef{}, false},
		{"swarm-default__app.container", UnitRef{}, false},
		{"web.pod", UnitRef{}, false},
		{"swarm-default_web_app_x.container", UnitRef{}, false},
	} {
		got, ok := ParseUnitName(tc.file)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseUnitName(%q) = %+v, %v; want %+v, %v", tc.file, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseUnitNameRoundTrip(t *testing.T) {
	for _, file := range []string{
		PodUnitName("a", "b.c"),
		ContainerUnitName("a", "b.c", "d"),
		VolumeUnitName("a", "b", "e-f"),
	} {
		ref, ok := ParseUnitName(file)
		if !ok {
			t.Fatalf("ParseUnitName(%q) failed", file)
		}
		var back string
		switch ref.Kind {
		case KindPod:
			back = PodUnitName(ref.Namespace, ref.Pod)
		case KindContainer:
			back = ContainerUnitName(ref.Namespace, ref.Pod, ref.Container)
		case KindVolume:
			back = VolumeUnitName(ref.Namespace, ref.Pod, ref.Volume)
		}
		if back != file || ref.Name != file {
			t.Errorf("%q parsed to %+v, which names %q", file, ref, back)
		}
	}
}

func TestCheckNames(t *testing.T) {
	long := strings.Repeat("a", 63)
	longPod := strings.Repeat("p", 200)
	for _, tc := range []struct {
		names podNames
		want  string
	}{
		{podNames{namespace: "default", pod: "web", containers: []namedAt{{"app", "spec.containers[0]"}}}, ""},
		{podNames{namespace: "Default", pod: "web"}, `metadata.namespace: "Default" is not a valid namespace name`},
		{podNames{namespace: "default", pod: "web_1"}, `metadata.name: "web_1" is not a valid pod name`},
		{podNames{namespace: "default", pod: "web", containers: []namedAt{{"a_b", "spec.containers[1]"}}}, `spec.containers[1].name: "a_b" is not a valid container name`},
		{podNames{namespace: "default", pod: "web", volumes: []namedAt{{"v.1", "spec.volumes[0]"}}}, `spec.volumes[0].name: "v.1" is not a valid volume name`},
		{podNames{namespace: long, pod: longPod, containers: []namedAt{{long, "spec.containers[0]"}}}, "spec.containers[0].name: the unit name swarm-"},
	} {
		err := checkNames(tc.names)
		if tc.want == "" {
			if err != nil {
				t.Errorf("checkNames(%+v) = %v", tc.names, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("checkNames(%+v) = %v, want an error starting with %q", tc.names, err, tc.want)
		}
	}
}
