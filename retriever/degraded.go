package retriever

import (
	"fmt"
	"strings"
)

// Degraded is returned with usable candidates when part of a retriever
// failed (the vector index down or too slow): the caller answers with
// what it has and says which parts are missing.
type Degraded struct {
	Parts []string // "dense"
	Err   error
}

func (d *Degraded) Error() string {
	return fmt.Sprintf("retrieval degraded (%s unavailable): %v", strings.Join(d.Parts, ", "), d.Err)
}

func (d *Degraded) Unwrap() error { return d.Err }
