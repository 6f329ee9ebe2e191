package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
)

// A CollectionInfo describes one collection of GET /v1/collections.
type CollectionInfo struct {
	Name      string `json:"name"`
	Documents uint64 `json:"documents"`
	Passages  uint64 `json:"passages"`
	Bytes     int64  `json:"bytes"`          // on disk, the keyword index and stored text
	Pool      bool   `json:"pool,omitempty"` // a demonstration pool, not asked questions of
}

func (s *Server) handleCollections(c *gin.Context) {
	infos, cols, pools, err := s.collections(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"collections": cols, "demo_pools": pools, "details": infos})
}

// collections lists the collections the request's key reaches, and their
// names split into passage collections and demonstration pools: one does
// not ask questions of a pool.
func (s *Server) collections(c *gin.Context) (infos []CollectionInfo, cols, pools []string, err error) {
	key := keyOf(c)
	infos, err = ListCollections(c.Request.Context(), s.Store, func(n string) bool { return key == nil || key.Reaches(n) })
	cols, pools = []string{}, []string{}
	for _, in := range infos {
		if in.Pool {
			pools = append(pools, in.Name)
		} else {
			cols = append(cols, in.Name)
		}
	}
	return infos, cols, pools, err
}

// ListCollections describes the store's collections that reaches lets
// through, sorted by name.
func ListCollections(ctx context.Context, store *index.Store, reaches func(string) bool) ([]CollectionInfo, error) {
	names, err := store.Collections()
	if err != nil {
		return nil, err
	}
	out := []CollectionInfo{}
	for _, n := range names {
		if !reaches(n) {
			continue
		}
		col, err := store.Collection(n, false)
		if errors.Is(err, index.ErrNoCollection) {
			continue // deleted since it was listed
		} else if err != nil {
			out = append(out, CollectionInfo{Name: n}) // there, but not readable now
			continue
		}
		info := CollectionInfo{Name: n, Pool: reader.IsPool(col)}
		info.Passages, _ = col.PassageCount()
		if _, total, err := col.Documents(ctx, 0, 1); err == nil {
			info.Documents = total
		}
		info.Bytes, _ = store.SizeOnDisk(n)
		out = append(out, info)
	}
	return out, nil
}

// handleDeleteCollection deletes a collection, its documents, passages
// and vectors, and says how much it held.
func (s *Server) handleDeleteCollection(c *gin.Context) {
	name, err := s.collectionName(c, c.Param("name"))
	if err != nil {
		fail(c, err)
		return
	}
	col, err := s.Store.Collection(name, false)
	if err != nil {
		fail(c, err)
		return
	}
	passages, _ := col.PassageCount()
	_, docs, _ := col.Documents(c.Request.Context(), 0, 1)
	if s.Synced != nil {
		err = s.Synced.Drop(c.Request.Context(), name)
	} else {
		err = s.Store.Drop(name, nil)
	}
	if err != nil {
		fail(c, err)
		return
	}
	s.log().Info("deleted collection", "collection", name, "documents", docs, "passages", passages)
	c.JSON(http.StatusOK, gin.H{"deleted": name, "documents": docs, "passages": passages})
}
