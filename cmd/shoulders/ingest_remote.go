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

// remoteReport is what a remote ingest did: the counts are those the
// server acknowledged, and so are stored.
type remoteReport struct {
	Documents, Passages, Skipped int
	Problems                     []corpus.Problem
	Elapsed                      time.Duration
}

// batch is one request's worth of documents, already encoded.
type batch struct {
	docs  []json.RawMessage
	bytes int64 // input consumed when the batch was cut
}

// run reads srcs and sends their documents in batches, reading the next
// batch while the server stores the last.
func (r *remoteIngest) run(ctx context.Context, srcs []index.Source) (remoteReport, error) {
	start := time.Now()
	limit, err := r.maxBody(ctx)
	if err != nil {
		return remoteReport{}, err
	}
	// Room for the envelope around the documents.
	room := limit - 512 - len(r.collection)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	var rep remoteReport
	var stats corpus.Stats
	var tooLarge []corpus.Problem
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
				tooLarge = append(tooLarge, corpus.Problem{File: d.Source, Err: fmt.Sprintf(
					"document %s is larger (%d bytes) than the server takes in one request (%d bytes): raise its --max-body, or stop it and ingest here", d.ID, len(raw), limit)})
				return nil
			}
			if size+len(raw)+1 > room || len(cur.docs) >= maxBatchDocs {
				if err := flush(); err != nil {
					return err
				}
			}
			cur.docs = append(cur.docs, raw)
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
		res, err := r.send(ctx, b.docs)
		if err != nil {
			sendErr = err
			cancel()
			continue
		}
		rep.Documents += res.Documents
		rep.Passages += res.Passages
		if r.progress != nil {
			r.progress(b.bytes, rep.Passages)
		}
	}
	rep.Skipped = stats.Skipped + len(tooLarge)
	rep.Problems = append(stats.Problems, tooLarge...)
	rep.Elapsed = time.Since(start)
	if sendErr != nil {
		return rep, sendErr
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) {
		return rep, readErr
	}
	return rep, nil
}

// maxBody asks the server for its request limit.
func (r *remoteIngest) maxBody(ctx context.Context) (int, error) {
	var cfg struct {
		Limits struct {
			MaxBody int `json:"max_body"`
		}
	}
	if err := callJSON(ctx, http.MethodGet, r.base+"/v1/config", nil, &cfg); err != nil {
		return 0, fmt.Errorf("the server at %s: %w", r.base, err)
	}
	if cfg.Limits.MaxBody <= 0 {
		return defaultMaxBody, nil
	}
	return cfg.Limits.MaxBody, nil
}

// send posts one batch, waiting and trying again while the server asks
// for it (rate limits, not ready yet). A batch sent twice is stored once:
// a document replaces its earlier version.
func (r *remoteIngest) send(ctx context.Context, docs []json.RawMessage) (api.IngestResponse, error) {
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
