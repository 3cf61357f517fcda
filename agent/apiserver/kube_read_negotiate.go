package apiserver

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// readForm is what a read of the compatible API answers, as its Accept header asks.
type readForm int

const (
	// formObjects: the objects, a list of them for a list.
	formObjects readForm = iota
	// formTable: a metav1.Table, one row an object, as kubectl get asks.
	formTable
	// formMetadata: a PartialObjectMetadata, or a PartialObjectMetadataList.
	formMetadata
)

// negotiated is a readForm and the version of meta.k8s.io its document is in.
type negotiated struct {
	form    readForm
	version string // "v1" or "v1beta1" for a Table or metadata
}

// accepted are the forms a read answers, for the 406 that refuses an Accept header none of
// them fits.
const accepted = "application/json, application/json;as=Table;v=v1;g=meta.k8s.io, " +
	"application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"

// negotiate picks the first form of the Accept header that the API answers, as the API
// server does: kubectl get asks for a Table, then plain JSON. No header is plain JSON.
func negotiate(accept string) (negotiated, error) {
	if strings.TrimSpace(accept) == "" {
		return negotiated{}, nil
	}
	for _, part := range strings.Split(accept, ",") {
		typ, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (typ != "application/json" && typ != "application/*" && typ != "*/*") {
			continue
		}
		as, g, v := params["as"], params["g"], params["v"]
		switch {
		case as == "":
			return negotiated{}, nil
		case g != "meta.k8s.io" || (v != "v1" && v != "v1beta1"):
		case as == "Table":
			return negotiated{form: formTable, version: v}, nil
		case as == "PartialObjectMetadata" || as == "PartialObjectMetadataList":
			return negotiated{form: formMetadata, version: v}, nil
		}
	}
	return negotiated{}, newStatusError(http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
		fmt.Sprintf("only the following media types are accepted: %s", accepted))
}

// newStatusError is a Status error of code, reason and message, for the answers that
// apimachinery has no constructor of.
func newStatusError(code int, reason metav1.StatusReason, msg string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: int32(code), Reason: reason, Message: msg}}
}
