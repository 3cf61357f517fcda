package kubeapi

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ConfigMaps: DATA counts the keys of data and binaryData.
var configMapColumns = columns([]string{"Name", "Data", "Age"})

func configMapCells(c *corev1.ConfigMap, now time.Time) (string, []string) {
	return c.Namespace, []string{c.Name, strconv.Itoa(len(c.Data) + len(c.BinaryData)), Age(c.CreationTimestamp.Time, now)}
}

// Secrets show no value.
var secretColumns = columns([]string{"Name", "Type", "Data", "Age"})

func secretCells(s *corev1.Secret, now time.Time) (string, []string) {
	return s.Namespace, []string{s.Name, orDefault(string(s.Type), string(corev1.SecretTypeOpaque)), strconv.Itoa(len(s.Data)), Age(s.CreationTimestamp.Time, now)}
}

// A claim is Terminating while it waits for its pods to go. Wide adds the volume mode, as
// kubectl does.
var claimColumns = columns([]string{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "Age"}, "VolumeMode")

func claimCells(c *corev1.PersistentVolumeClaim, now time.Time) (string, []string) {
	status := string(c.Status.Phase)
	if c.DeletionTimestamp != nil {
		status = "Terminating"
	}
	capacity := ""
	if q, ok := c.Status.Capacity[corev1.ResourceStorage]; ok {
		capacity = q.String()
	}
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	mode := string(corev1.PersistentVolumeFilesystem)
	if c.Spec.VolumeMode != nil {
		mode = string(*c.Spec.VolumeMode)
	}
	return c.Namespace, []string{c.Name, status, c.Spec.VolumeName, capacity, AccessModes(c.Status.AccessModes), class,
		Age(c.CreationTimestamp.Time, now), mode}
}

var namespaceColumns = columns([]string{"Name", "Status", "Age"})

func namespaceCells(n *corev1.Namespace, now time.Time) (string, []string) {
	return "", []string{n.Name, orDefault(string(n.Status.Phase), string(corev1.NamespaceActive)), Age(n.CreationTimestamp.Time, now)}
}
