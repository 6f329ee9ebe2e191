package corpus

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
)

// DefaultCollection is the collection used when none is named.
const DefaultCollection = "default"

// A Document is a unit of ingestion: a file, a JSONL record, a SQuAD
// paragraph. Re-ingesting a document with the same ID replaces it.
type Document struct {
	ID       string            `json:"id"`
	Title    string            `json:"title"`
	Text     string            `json:"text"`
	Source   string            `json:"source,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`

	// Prechunked marks documents that already are retrieval passages
	// (DPR, SQuAD, NQ, BEIR records); the chunker leaves them whole.
	Prechunked bool `json:"prechunked,omitempty"`
}

// A Passage is the unit of retrieval: a span of one document's text.
type Passage struct {
	ID      string `json:"id"`
	DocID   string `json:"doc_id"`
	Ordinal int    `json:"ordinal"`
	Title   string `json:"title"`
	Text    string `json:"text"`
	Source  string `json:"source,omitempty"`
	// Start and End are byte offsets of Text within the document text.
	Start int `json:"start"`
	End   int `json:"end"`
}

// PassageID derives the stable ID of a document's ordinal-th passage, so
// that re-ingesting a document overwrites the same IDs in every index.
func PassageID(docID string, ordinal int) string {
	return docID + "#" + strconv.Itoa(ordinal)
}

// ContentID derives a document ID from its source and text when the input
// carries none (plain files use their path instead).
func ContentID(parts ...string) string {
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

var collectionRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidateCollection reports whether name can be used as a collection
// name: lower-case letters, digits, '-' and '_', at most 64 characters.
// Names end up in paths and in Weaviate class names, hence the strictness.
func ValidateCollection(name string) error {
	if !collectionRE.MatchString(name) {
		return fmt.Errorf("invalid collection name %q: use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit", name)
	}
	return nil
}

// ValidateDocID reports whether id can be used as a document ID.
func ValidateDocID(id string) error {
	if id == "" {
		return fmt.Errorf("document id is empty")
	}
	if len(id) > 512 {
		return fmt.Errorf("document id is longer than 512 bytes")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("document id %q contains a control character", id)
		}
	}
	return nil
}
