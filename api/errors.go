package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/index/weaviate"
	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/retriever"
)

// An Error is the body of every failed request.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type errorBody struct {
	Error Error `json:"error"`
}

// apiError carries an HTTP status with an Error.
type apiError struct {
	status int
	body   Error
}

func (e *apiError) Error() string { return e.body.Message }

func badRequest(code, msg string) *apiError {
	return &apiError{http.StatusBadRequest, Error{code, msg}}
}

// fail writes err as a JSON error.
func fail(c *gin.Context, err error) {
	ae := classify(err)
	c.Set(errorKey, err.Error()) // for the request's log line
	c.AbortWithStatusJSON(ae.status, errorBody{ae.body})
}

// classify maps known errors to their status and code.
func classify(err error) *apiError {
	var ae *apiError
	var le *reader.LMError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, index.ErrNoCollection):
		ae = &apiError{http.StatusNotFound, Error{"collection_not_found", err.Error()}}
	case index.Deleted(err):
		ae = &apiError{http.StatusNotFound, Error{"collection_not_found", "the collection was deleted while the request ran"}}
	case errors.Is(err, index.ErrVectorsUnavailable):
		ae = &apiError{http.StatusServiceUnavailable, Error{"vectors_unavailable", err.Error()}}
	case errors.Is(err, index.ErrLocked):
		ae = &apiError{http.StatusConflict, Error{"collection_locked", err.Error()}}
	case errors.Is(err, index.ErrNotFound):
		ae = &apiError{http.StatusNotFound, Error{"not_found", err.Error()}}
	case errors.Is(err, reader.ErrNoPool):
		ae = &apiError{http.StatusNotFound, Error{"demo_pool_not_found", err.Error()}}
	case errors.Is(err, reader.ErrNoReranker):
		ae = &apiError{http.StatusServiceUnavailable, Error{"no_reranker", err.Error()}}
	case errors.Is(err, reader.ErrNeedsLM):
		ae = badRequest("lm_required", err.Error())
	case errors.Is(err, reader.ErrUnknownRetrieval):
		ae = badRequest("unknown_retrieval", err.Error())
	case errors.Is(err, retriever.ErrNoFilter):
		ae = badRequest("unsupported_filter", err.Error())
	case errors.Is(err, index.ErrReindexNeeded):
		ae = &apiError{http.StatusConflict, Error{"reindex_needed", err.Error()}}
	case errors.Is(err, weaviate.ErrNoKeywords):
		ae = badRequest("retrieval_unavailable", err.Error())
	case errors.As(err, &le):
		status := http.StatusBadGateway
		if le.Code == reader.CodeLMTimeout {
			status = http.StatusGatewayTimeout
		}
		ae = &apiError{status, Error{le.Code, err.Error()}} // names the pass of a recursion
	case errors.Is(err, context.Canceled):
		ae = &apiError{499, Error{"canceled", "the client went away"}}
	case errors.Is(err, context.DeadlineExceeded):
		ae = &apiError{http.StatusGatewayTimeout, Error{"timeout", err.Error()}}
	default:
		ae = &apiError{http.StatusInternalServerError, Error{"internal", err.Error()}}
	}
	return ae
}
