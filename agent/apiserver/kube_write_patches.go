package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// The media types of Kubernetes' patches beside the strategic merge patch (see
// strategicMergePatch): RFC 6902's JSON patch, RFC 7386's merge patch, and a server-side
// apply's configuration.
const (
	jsonPatchType  = "application/json-patch+json"
	mergePatchType = "application/merge-patch+json"
	applyPatchType = "application/apply-patch+yaml"
)

// kubePatchTypes are the media types a PATCH of the compatible API takes.
var kubePatchTypes = []string{jsonPatchType, mergePatchType, strategicMergePatch, applyPatchType}

// maxJSONPatchOperations bounds a JSON patch, as the API server bounds it.
const maxJSONPatchOperations = 10000

// applyKubePatch applies patch, of media type patchType (a JSON, merge or strategic merge
// patch), to the JSON document doc, whose lists merge, for a strategic merge patch, as
// the Go type typed makes says. Its errors are the API server's: 400 for a patch that cannot be
// read, 422 for one that does not apply to doc.
func applyKubePatch(patchType string, doc, patch []byte, typed func() any) ([]byte, error) {
	switch patchType {
	case jsonPatchType:
		ops, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if len(ops) > maxJSONPatchOperations {
			return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf(
				"The allowed maximum operations in a JSON patch is %d, got %d", maxJSONPatchOperations, len(ops)))
		}
		out, err := ops.Apply(doc)
		if err != nil {
			return nil, unprocessable("the JSON patch does not apply: " + err.Error())
		}
		return out, nil
	case mergePatchType:
		out, err := jsonpatch.MergePatch(doc, patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	case strategicMergePatch:
		var patchMap, docMap map[string]any
		if err := json.Unmarshal(patch, &patchMap); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if patchMap == nil {
			return nil, apierrors.NewBadRequest(mergepatch.ErrBadJSONDoc.Error())
		}
		if err := json.Unmarshal(doc, &docMap); err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("decode the stored object: %w", err))
		}
		merged, err := strategicpatch.StrategicMergeMapPatch(docMap, patchMap, typed())
		if err != nil {
			return nil, strategicPatchError(err)
		}
		out, err := json.Marshal(merged)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("encode the patched object: %w", err))
		}
		return out, nil
	}
	return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "", schema.GroupResource{}, "",
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %v", kubePatchTypes), 0, false)
}

// strategicPatchError is the API server's answer to a strategic merge patch that failed:
// 400 for one whose form is wrong, 422 for one that cannot apply to the object (every
// other failure too: the patch, not the server, is at fault).
func strategicPatchError(err error) error {
	for _, bad := range []error{mergepatch.ErrBadJSONDoc, mergepatch.ErrBadPatchFormatForPrimitiveList,
		mergepatch.ErrBadPatchFormatForRetainKeys, mergepatch.ErrBadPatchFormatForSetElementOrderList,
		mergepatch.ErrUnsupportedStrategicMergePatchFormat} {
		if errors.Is(err, bad) {
			return apierrors.NewBadRequest(err.Error())
		}
	}
	return unprocessable("the strategic merge patch does not apply: " + err.Error())
}

// unprocessable is a 422 Invalid about a patch, with message.
func unprocessable(message string) *apierrors.StatusError {
	return codeError(http.StatusUnprocessableEntity, message)
}
