package apiserver

import (
	"encoding/json"
	"fmt"
	"mime"
	"strings"

	"github.com/labstack/echo/v4"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// protobufType is the media type of Kubernetes' protobuf encoding, which kubectl's typed
// clients send their objects in (kubectl create configmap, secret, namespace, ...).
const protobufType = "application/vnd.kubernetes.protobuf"

// protobufDecoder decodes the objects of the served kinds, and DeleteOptions, from
// protobuf: a scheme of those types alone.
var protobufDecoder = func() runtime.Decoder {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme,
		networkingv1.AddToScheme, autoscalingv1.AddToScheme} {
		if err := add(s); err != nil {
			panic("register the served types: " + err.Error())
		}
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	info, ok := runtime.SerializerInfoForMediaType(serializer.NewCodecFactory(s).SupportedMediaTypes(), protobufType)
	if !ok {
		panic("no protobuf serializer")
	}
	return info.Serializer
}()

// bodyAsJSON is a request's body as JSON (or YAML, which the JSON readers take too): a
// protobuf body is decoded and encoded again as JSON, with its apiVersion and kind; any
// other is as it came. A protobuf body that does not decode is a 400.
func bodyAsJSON(c echo.Context, body []byte) ([]byte, error) {
	media, _, _ := mime.ParseMediaType(c.Request().Header.Get("Content-Type"))
	if !strings.EqualFold(media, protobufType) {
		return body, nil
	}
	obj, gvk, err := protobufDecoder.Decode(body, nil, nil)
	if err != nil {
		return nil, apierrors.NewBadRequest("the body does not decode as protobuf: " + err.Error())
	}
	obj.GetObjectKind().SetGroupVersionKind(*gvk)
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("encode %s as JSON: %w", gvk.Kind, err))
	}
	return out, nil
}
