package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
		case errors.As(err, &ute):
			return badRequest("invalid_field", fmt.Sprintf("field %q must be %s, not %s", ute.Field, ute.Type, ute.Value))
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
