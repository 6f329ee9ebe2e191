package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
)

// decodeJSON reads the request body into v strictly: JSON content type,
// at most max bytes, no unknown fields, nothing after the object.
func decodeJSON(c *gin.Context, max int64, v any) error {
	if ct := c.ContentType(); ct != "application/json" && ct != "" {
		return &apiError{http.StatusUnsupportedMediaType, Error{"unsupported_media_type", fmt.Sprintf("want application/json, got %q", ct)}}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{http.StatusRequestEntityTooLarge, Error{"body_too_large", fmt.Sprintf("request body is larger than %d bytes", max)}}
		}
		return badRequest("bad_body", err.Error())
	}
	return unmarshalStrict(body, v)
}

func unmarshalStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("empty_body", "request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &ute) && ute.Field == "":
			return badRequest("invalid_json", fmt.Sprintf("the request body must be %s, not %s", jsonKind(ute.Type), ute.Value))
		case errors.As(err, &ute):
			return badRequest("invalid_field", fmt.Sprintf("field %q must be %s, not %s", ute.Field, jsonKind(ute.Type), ute.Value))
		case errors.As(err, &se):
			return badRequest("invalid_json", fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return badRequest("unknown_field", strings.TrimPrefix(err.Error(), "json: ")+" is not accepted")
		}
		return badRequest("invalid_json", err.Error())
	}
	if dec.More() {
		return badRequest("invalid_json", "unexpected data after the JSON object")
	}
	return nil
}

// jsonKind names what a JSON value of Go type t looks like, for clients
// that know JSON rather than Go.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "an "), "a ") + "s"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another type"
}
