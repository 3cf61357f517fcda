package apiserver

import (
	"crypto/rand"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
)

// newUID is a random (version 4) UUID, the form of the uid the API server gives an object
// when it is created: unique in time and space, unlike its name, which may be used again.
func newUID() types.UID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}
