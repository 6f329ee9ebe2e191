package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// IngestRequest is the JSON body of POST /v1/documents.
type IngestRequest struct {
	Collection string            `json:"collection,omitempty"`
	Documents  []corpus.Document `json:"documents"`
}

// FileReport says what became of one uploaded file.
type FileReport struct {
	Name      string           `json:"name"`
	Format    string           `json:"format,omitempty"`
	Documents int              `json:"documents"`
	Passages  int              `json:"passages"`
	Skipped   int              `json:"skipped"`
	Problems  []corpus.Problem `json:"problems,omitempty"`
	Error     string           `json:"error,omitempty"`
}

// IngestResponse acknowledges stored documents: everything it counts is
// durable when it is sent.
type IngestResponse struct {
	Collection string       `json:"collection"`
	Documents  int          `json:"documents"`
	Passages   int          `json:"passages"`
	Skipped    int          `json:"skipped"`
	Files      []FileReport `json:"files,omitempty"`
	DocIDs     []string     `json:"doc_ids"`
}

// handleIngest stores JSON documents, or files uploaded as multipart form
// data (field "file", any number of them; optional fields "collection"
// and "format").
func (s *Server) handleIngest(c *gin.Context) {
	if strings.HasPrefix(c.ContentType(), "multipart/") {
		s.ingestFiles(c)
		return
	}
	var body IngestRequest
	if err := decodeJSON(c, s.limits().MaxBody, &body); err != nil {
		fail(c, err)
		return
	}
	col, err := s.collectionName(c, body.Collection)
	if err != nil {
		fail(c, err)
		return
	}
	if len(body.Documents) == 0 {
		fail(c, badRequest("no_documents", `"documents" is empty`))
		return
	}
	resp := IngestResponse{Collection: col, DocIDs: []string{}}
	for i := range body.Documents {
		d := &body.Documents[i]
		if strings.TrimSpace(d.Text) == "" {
			fail(c, badRequest("empty_text", fmt.Sprintf("documents[%d] has no text", i)))
			return
		}
		if d.ID == "" {
			d.ID = corpus.ContentID(d.Title, d.Text)
		}
		if err := corpus.ValidateDocID(d.ID); err != nil {
			fail(c, badRequest("invalid_id", fmt.Sprintf("documents[%d]: %v", i, err)))
			return
		}
		if d.Source == "" {
			d.Source = "api"
		}
	}
	entries := s.Ingester.Entries(body.Documents)
	if err := s.writer(col).Upsert(c.Request.Context(), entries); err != nil {
		fail(c, err)
		return
	}
	for _, e := range entries {
		resp.Documents++
		resp.Passages += len(e.Passages)
		resp.DocIDs = append(resp.DocIDs, e.Doc.ID)
	}
	c.JSON(http.StatusCreated, resp)
}

func (s *Server) ingestFiles(c *gin.Context) {
	l := s.limits()
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, l.MaxUpload)
	form, err := c.MultipartForm()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(c, &apiError{http.StatusRequestEntityTooLarge, Error{"upload_too_large", fmt.Sprintf("upload is larger than %d bytes", l.MaxUpload)}})
			return
		}
		fail(c, badRequest("bad_multipart", err.Error()))
		return
	}
	defer form.RemoveAll()
	col, err := s.collectionName(c, first(form.Value["collection"], c.Query("collection")))
	if err != nil {
		fail(c, err)
		return
	}
	var format corpus.Format
	if f := first(form.Value["format"], c.Query("format")); f != "" {
		if format, err = corpus.ParseFormat(f); err != nil {
			fail(c, badRequest("unknown_format", err.Error()))
			return
		}
	}
	var tags map[string]string
	if m := first(form.Value["metadata"], ""); m != "" {
		if err := json.Unmarshal([]byte(m), &tags); err != nil {
			fail(c, badRequest("invalid_metadata", `form field "metadata" must be a JSON object of strings, such as {"team": "hr"}: `+err.Error()))
			return
		}
		for k := range tags {
			if strings.TrimSpace(k) == "" {
				fail(c, badRequest("invalid_metadata", "metadata has an empty key"))
				return
			}
		}
	}
	files := form.File["file"]
	if len(files) == 0 {
		fail(c, badRequest("no_files", `no file in form field "file"`))
		return
	}
	resp := IngestResponse{Collection: col, DocIDs: []string{}}
	target := s.writer(col)
	for _, fh := range files {
		rep := FileReport{Name: path.Base(fh.Filename)}
		f := format
		if f == "" {
			if f, err = corpus.DetectFormat(rep.Name); err != nil {
				rep.Error = err.Error()
				resp.Files = append(resp.Files, rep)
				continue
			}
		}
		rep.Format = string(f)
		ids := []string{}
		in := *s.Ingester
		in.Progress, in.Metadata = nil, tags
		capture := writerFunc(func(ctx context.Context, entries []index.Entry) error {
			if err := target.Upsert(ctx, entries); err != nil {
				return err
			}
			for _, e := range entries {
				ids = append(ids, e.Doc.ID)
			}
			return nil
		})
		src := index.Source{Name: rep.Name, Format: f, Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }}
		r, err := in.Ingest(c.Request.Context(), capture, []index.Source{src})
		rep.Documents, rep.Passages, rep.Skipped, rep.Problems = r.Documents, r.Passages, r.Skipped, r.Problems
		if err != nil {
			// What was written before the failure stays, and is reported.
			rep.Error = err.Error()
		} else if rep.Documents == 0 && len(rep.Problems) > 0 && rep.Problems[0].Line == 0 {
			rep.Error = rep.Problems[0].Err // the file as a whole was refused
		}
		resp.Documents += rep.Documents
		resp.Passages += rep.Passages
		resp.Skipped += rep.Skipped
		resp.DocIDs = append(resp.DocIDs, ids...)
		resp.Files = append(resp.Files, rep)
	}
	status := http.StatusCreated
	if resp.Documents == 0 {
		status = http.StatusUnprocessableEntity
	}
	c.JSON(status, resp)
}

// writerFunc adapts a function to index.Writer.
type writerFunc func(context.Context, []index.Entry) error

func (f writerFunc) Upsert(ctx context.Context, e []index.Entry) error { return f(ctx, e) }

func first(vals []string, fallback string) string {
	if len(vals) > 0 && vals[0] != "" {
		return vals[0]
	}
	return fallback
}

// docID reads the document ID from the wildcard path.
func docID(c *gin.Context) (string, error) {
	id := strings.TrimPrefix(c.Param("id"), "/")
	if id == "" {
		return "", badRequest("missing_id", "no document id in the path")
	}
	return id, corpus.ValidateDocID(id)
}

// DocumentResponse is a stored document with its passages.
type DocumentResponse struct {
	index.DocRecord
	Collection string           `json:"collection"`
	Text       string           `json:"text"`
	Passages   []corpus.Passage `json:"passage_list"`
}

func (s *Server) handleGetDocument(c *gin.Context) {
	if strings.TrimPrefix(c.Param("id"), "/") == "" {
		s.handleListDocuments(c)
		return
	}
	id, err := docID(c)
	if err != nil {
		fail(c, badRequest("invalid_id", err.Error()))
		return
	}
	col, err := s.collection(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	doc, err := GetDocument(c.Request.Context(), col, id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, doc)
}

// GetDocument reads document id of col with its passages and its text,
// rebuilt from them.
func GetDocument(ctx context.Context, col *index.Collection, id string) (DocumentResponse, error) {
	rec, err := col.Record(id)
	if err != nil {
		return DocumentResponse{}, err
	}
	ps, err := col.DocumentPassages(ctx, id)
	if err != nil {
		return DocumentResponse{}, err
	}
	return DocumentResponse{DocRecord: rec, Collection: col.Name, Text: joinPassages(ps), Passages: ps}, nil
}

// joinPassages rebuilds the document text from its passages, using their
// offsets so that overlapping passages are not repeated.
func joinPassages(ps []corpus.Passage) string {
	var b bytes.Buffer
	end := 0
	for _, p := range ps {
		text := p.Text
		if p.Start < end {
			cut := end - p.Start
			if cut >= len(text) {
				continue
			}
			text = text[cut:]
		} else if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(text)
		end = p.End
	}
	return b.String()
}

func (s *Server) handleDeleteDocument(c *gin.Context) {
	id, err := docID(c)
	if err != nil {
		fail(c, badRequest("invalid_id", err.Error()))
		return
	}
	col, err := s.collection(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	var rec index.DocRecord
	if s.Synced != nil {
		rec, err = s.Synced.Delete(c.Request.Context(), col, id)
	} else {
		rec, err = col.Delete(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"deleted": rec.ID, "collection": col.Name, "passages": rec.Passages})
}

func (s *Server) handleListDocuments(c *gin.Context) {
	offset, err1 := strconv.Atoi(c.DefaultQuery("offset", "0"))
	limit, err2 := strconv.Atoi(c.DefaultQuery("limit", "50"))
	if err1 != nil || err2 != nil || offset < 0 || limit < 1 || limit > 1000 {
		fail(c, badRequest("invalid_paging", "offset must be >= 0 and limit between 1 and 1000"))
		return
	}
	col, err := s.collection(c, false)
	if err != nil {
		fail(c, err)
		return
	}
	docs, total, err := col.Documents(c.Request.Context(), offset, limit)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collection": col.Name, "total": total, "offset": offset, "documents": docs})
}

// collection opens the collection named by the "collection" query parameter.
func (s *Server) collection(c *gin.Context, create bool) (*index.Collection, error) {
	name, err := s.collectionName(c, c.Query("collection"))
	if err != nil {
		return nil, err
	}
	return s.Store.Collection(name, create)
}
