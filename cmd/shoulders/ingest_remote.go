package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shoulders-qa/shoulders/api"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// defaultMaxBody is the request limit assumed of a server that does not
// say its own.
const defaultMaxBody = 8 << 20

// maxBatchDocs bounds the documents of one request, so that each answer
// comes soon and the progress bar moves.
const maxBatchDocs = 1000

// A remoteIngest sends documents read here to a running server, which
// cuts them into passages and stores them as it does its own uploads.
// Files are read and parsed on this side, so a file of any size goes in
// requests within the server's limit.
type remoteIngest struct {
	base       string
	collection string
	ingester   index.Ingester // reads the files; its chunker is unused
	progress   func(bytes int64, passages int)
}

// batch is one request's worth of documents, already encoded.
type batch struct {
	docs  []encoded
	bytes int64 // input consumed when the batch was cut
}

// encoded is a document as it is sent, with what names it in a problem.
type encoded struct {
	raw        json.RawMessage
	id, source string
}

// run reads srcs and sends their documents in batches, reading the next
// batch while the server stores the last. The report counts what the
// server acknowledged, and so stored.
func (r *remoteIngest) run(ctx context.Context, srcs []index.Source) (index.Report, error) {
	start := time.Now()
	limit, err := r.maxBody(ctx)
	if err != nil {
		return index.Report{}, err
	}
	// Room for the envelope around the documents.
	room := limit - 512 - len(r.collection)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	var rep index.Report
	var stats corpus.Stats
	var tooLarge, refused []corpus.Problem // by the reader, and by the server
	var readErr error
	go func() {
		defer close(batches)
		var cur batch
		size := 0
		flush := func() error {
			if len(cur.docs) == 0 {
				return nil
			}
			select {
			case batches <- cur:
			case <-ctx.Done():
				return ctx.Err()
			}
			cur, size = batch{}, 0
			return nil
		}
		stats, readErr = r.ingester.Documents(ctx, srcs, func(d corpus.Document, read int64) error {
			if strings.TrimSpace(d.Text) == "" {
				return nil // no passage to store, as in a local ingest
			}
			raw, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if len(raw)+1 > room {
				tooLarge = append(tooLarge, tooLargeProblem(d.Source, d.ID, len(raw), limit))
				return nil
			}
			if size+len(raw)+1 > room || len(cur.docs) >= maxBatchDocs {
				if err := flush(); err != nil {
					return err
				}
			}
			cur.docs = append(cur.docs, encoded{raw, d.ID, d.Source})
			cur.bytes = read
			size += len(raw) + 1
			return nil
		})
		if readErr == nil {
			readErr = flush()
		}
	}()
	var sendErr error
	for b := range batches {
		if sendErr != nil {
			continue // drain so the reader can finish
		}
		docs, passages, ref, err := r.send(ctx, b.docs)
		rep.Documents += docs
		rep.Passages += passages
		refused = append(refused, ref...)
		if err != nil {
			sendErr = err
			cancel()
			continue
		}
		if r.progress != nil {
			r.progress(b.bytes, rep.Passages)
		}
	}
	rep.Skipped = stats.Skipped + len(tooLarge) + len(refused)
	rep.Problems = append(append(stats.Problems, tooLarge...), refused...)
	rep.Elapsed = time.Since(start)
	if sendErr != nil {
		return rep, sendErr
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return rep, readErr
	}
	return rep, nil
}

// maxBody asks the server for its request limit. A key that may ingest
// but not query cannot read it: the default is assumed, and a smaller
// limit is met by splitting (see send).
func (r *remoteIngest) maxBody(ctx context.Context) (int, error) {
	var cfg struct {
		Limits struct {
			MaxBody int `json:"max_body"`
		}
	}
	err := callJSON(ctx, http.MethodGet, r.base+"/v1/config", nil, &cfg)
	var se *serverError
	switch {
	case errors.As(err, &se) && se.Status == http.StatusForbidden:
		return defaultMaxBody, nil
	case err != nil:
		return 0, fmt.Errorf("the server at %s: %w", r.base, err)
	case cfg.Limits.MaxBody <= 0:
		return defaultMaxBody, nil
	}
	return cfg.Limits.MaxBody, nil
}

// send stores docs on the server and counts what it acknowledged. A body
// the server finds too large goes again in halves, and a document too
// large alone is returned as a problem rather than stopping the ingest.
func (r *remoteIngest) send(ctx context.Context, docs []encoded) (documents, passages int, refused []corpus.Problem, err error) {
	raws := make([]json.RawMessage, len(docs))
	size := 0
	for i, d := range docs {
		raws[i] = d.raw
		size += len(d.raw)
	}
	res, err := r.post(ctx, raws)
	var se *serverError
	if !errors.As(err, &se) || se.Status != http.StatusRequestEntityTooLarge {
		return res.Documents, res.Passages, nil, err
	}
	if len(docs) == 1 {
		return 0, 0, []corpus.Problem{tooLargeProblem(docs[0].source, docs[0].id, size, 0)}, nil
	}
	half := len(docs) / 2
	for _, part := range [][]encoded{docs[:half], docs[half:]} {
		d, p, ref, err := r.send(ctx, part)
		documents, passages, refused = documents+d, passages+p, append(refused, ref...)
		if err != nil {
			return documents, passages, refused, err
		}
	}
	return documents, passages, refused, nil
}

// post sends one request, waiting and trying again while the server asks
// for it (rate limits, not ready yet). A batch sent twice is stored once:
// a document replaces its earlier version.
func (r *remoteIngest) post(ctx context.Context, docs []json.RawMessage) (api.IngestResponse, error) {
	body := struct {
		Collection string            `json:"collection"`
		Documents  []json.RawMessage `json:"documents"`
	}{r.collection, docs}
	var res api.IngestResponse
	wait := time.Second
	for attempt := 1; ; attempt++ {
		err := callJSON(ctx, http.MethodPost, r.base+"/v1/documents", body, &res)
		var se *serverError
		if err == nil || !errors.As(err, &se) || !se.temporary() || attempt == 6 {
			return res, err
		}
		if se.RetryAfter > 0 {
			wait = min(se.RetryAfter, 30*time.Second)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return res, ctx.Err()
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// tooLargeProblem reports a document no request to the server can hold;
// limit is 0 when the server did not say its own.
func tooLargeProblem(source, id string, size, limit int) corpus.Problem {
	took := "the server takes in one request"
	if limit > 0 {
		took = fmt.Sprintf("%s (%d bytes)", took, limit)
	}
	return corpus.Problem{File: source, Err: fmt.Sprintf(
		"document %s is larger (%d bytes) than %s: raise its --max-body, or stop it and ingest here", id, size, took)}
}
