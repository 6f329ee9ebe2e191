package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

// An Embedder turns texts into unit vectors of a fixed dimension.
type Embedder interface {
	// Name identifies the embedder and its model, for the index record.
	Name() string
	Dim() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// ErrNoEmbedder is returned by an EmbedderSource for a collection whose
// embedder is not ready yet (the built-in one before it is fitted).
var ErrNoEmbedder = errors.New("no embedder for this collection yet")

// ErrTooFewPassages is returned by an EmbedderSource that cannot learn an
// embedder from a collection this small (one passage, say). Such a
// collection has no vectors, and reconciliation counts that as in step:
// the next passages will let it learn one.
var ErrTooFewPassages = fmt.Errorf("%w: too few passages to learn it from", ErrNoEmbedder)

// An EmbedderSource gives each collection its embedder. With fit set it
// may learn one from the collection's passages.
type EmbedderSource interface {
	Embedder(ctx context.Context, c *Collection, fit bool) (Embedder, error)
}

// A VectorStore keeps the vector copy of collections (Weaviate).
type VectorStore interface {
	EnsureClass(ctx context.Context, collection string) error
	Upsert(ctx context.Context, collection string, ps []corpus.Passage, vecs [][]float32) error
	Delete(ctx context.Context, collection string, ids []string) error
	IDs(ctx context.Context, collection string) (map[string]struct{}, error)
	// DropClass deletes a collection's vectors altogether.
	DropClass(ctx context.Context, collection string) error
	// MoveLegacy moves a collection's vectors from where an earlier
	// release kept them, if it did; siblings are the data folder's other
	// collections. It returns how many it moved.
	MoveLegacy(ctx context.Context, collection string, siblings []string) (int, error)
	// Stamp ties the collection's vectors to one generation of it, and
	// reports false when they belong to another (see Collection.Generation).
	Stamp(ctx context.Context, collection, generation string) (bool, error)
}

// SyncState says how a collection's vector copy stands.
type SyncState struct {
	InSync         bool      `json:"in_sync"`
	Pending        int       `json:"pending"` // passages written to Bleve but not yet to the vector store
	LastError      string    `json:"last_error,omitempty"`
	LastReconciled time.Time `json:"last_reconciled,omitempty"`
	Note           string    `json:"note,omitempty"` // why an in-step collection has no vectors
}

// Synced keeps a vector store in step with the Bleve collections. Bleve is
// the record of what was acknowledged: a write returns once Bleve has it.
// The vector copy follows in the same call when it can; when it cannot
// (server down, embedder not fitted yet) the collection is marked out of
// step, the failure is logged, and Reconcile (run by Run in the background
// and on start) brings the two back to the same set of passages.
type Synced struct {
	Store     *Store
	Vectors   VectorStore
	Embedders EmbedderSource
	Log       *slog.Logger

	// vmu is held to write vectors, and exclusively to learn an embedder
	// again (see refitIfOutgrown).
	vmu   sync.RWMutex
	mu    sync.Mutex
	state map[string]*SyncState
	moved map[string]bool // collections whose earlier vectors were looked for
	kick  chan struct{}
	// starting is true while Run's first pass is under way: a restart, or
	// a data folder restored from a backup, may have left any collection's
	// vectors behind, so those not reached yet are reported out of step.
	starting bool
}

func (s *Synced) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Synced) st(name string) *SyncState {
	if s.state == nil {
		s.state = map[string]*SyncState{}
	}
	st, ok := s.state[name]
	if !ok {
		st = &SyncState{}
		s.state[name] = st
	}
	return st
}

func (s *Synced) markDirty(name string, n int, err error) {
	s.mu.Lock()
	st := s.st(name)
	st.InSync = false
	st.Pending += n
	if err != nil {
		st.LastError = err.Error()
	}
	s.mu.Unlock()
	if err != nil && !errors.Is(err, ErrNoEmbedder) {
		s.log().Warn("vector index out of step; will reconcile", "collection", name, "pending", n, "error", err)
	}
	select {
	case s.kickChan() <- struct{}{}:
	default:
	}
}

func (s *Synced) kickChan() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kick == nil {
		s.kick = make(chan struct{}, 1)
	}
	return s.kick
}

// Status reports the state of every collection seen, and while Run's
// first pass is under way, of those it has not reached yet (out of step).
func (s *Synced) Status() map[string]SyncState {
	s.mu.Lock()
	starting := s.starting
	s.mu.Unlock()
	var names []string
	if starting {
		names, _ = s.Store.Collections()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]SyncState{}
	for _, n := range names {
		out[n] = SyncState{LastError: "not reconciled since the start yet"}
	}
	for k, v := range s.state {
		out[k] = *v
	}
	return out
}

// Writer returns a Writer that stores into c and its vector copy.
func (s *Synced) Writer(c *Collection) Writer {
	return syncedWriter{s, c}
}

type syncedWriter struct {
	s *Synced
	c *Collection
}

func (w syncedWriter) Upsert(ctx context.Context, entries []Entry) error {
	// Taken before the collection's write lock, as Drop and a refit take
	// it exclusively before theirs.
	w.s.vmu.RLock()
	defer w.s.vmu.RUnlock()
	removed, mark, err := w.c.upsert(ctx, entries, true)
	if err != nil {
		return err
	}
	defer w.c.vorder.Unlock()
	var ps []corpus.Passage
	for _, e := range entries {
		ps = append(ps, e.Passages...)
	}
	if w.s.outgrown(ctx, w.c) {
		w.s.markDirty(w.c.Name, len(ps)+len(removed), errOutgrown)
		return nil
	}
	err = w.s.safely(w.c, func() error { return w.s.vectorWrite(ctx, w.c, ps, removed) })
	if err == nil {
		w.c.unmarkStale(mark)
		return nil
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	if serr := w.c.markStale(ids); serr != nil {
		w.s.log().Error("cannot record passages whose vectors are out of date; they keep their old ones until rewritten", "collection", w.c.Name, "passages", len(ids), "error", serr)
	}
	w.s.markDirty(w.c.Name, len(ps)+len(removed), err)
	return nil
}

// vectorWrite writes a write's vector copy; the caller holds s.vmu for
// reading and c.vorder.
func (s *Synced) vectorWrite(ctx context.Context, c *Collection, ps []corpus.Passage, removed []string) error {
	if c.dropped.Load() {
		return nil // its vectors went with it
	}
	if s.dirty(c.Name) {
		return fmt.Errorf("%w: reconciliation pending", ErrNoEmbedder)
	}
	emb, err := s.Embedders.Embedder(ctx, c, false)
	if err != nil {
		return err
	}
	if err := s.Vectors.EnsureClass(ctx, c.Name); err != nil {
		return err
	}
	if len(ps) > 0 {
		vecs, err := emb.Embed(ctx, texts(ps))
		if err != nil {
			return err
		}
		if err := s.Vectors.Upsert(ctx, c.Name, ps, vecs); err != nil {
			return err
		}
	}
	if len(removed) > 0 {
		return s.Vectors.Delete(ctx, c.Name, removed)
	}
	return nil
}

// dirty tells whether a collection awaits reconciliation; writes then go
// to Bleve only, since reconciliation will carry them over anyway.
func (s *Synced) dirty(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.state[name]
	return ok && !st.InSync && st.Pending > 0
}

// EmbedText is what a passage's vector is computed from.
func EmbedText(p corpus.Passage) string { return p.Title + "\n" + p.Text }

func texts(ps []corpus.Passage) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = EmbedText(p)
	}
	return out
}

// Delete removes a document from both indexes.
func (s *Synced) Delete(ctx context.Context, c *Collection, id string) (DocRecord, error) {
	s.vmu.RLock()
	defer s.vmu.RUnlock()
	r, err := c.delete(ctx, id, true)
	if err != nil {
		return r, err
	}
	defer c.vorder.Unlock()
	ids := make([]string, r.Passages)
	for i := range ids {
		ids[i] = corpus.PassageID(id, i)
	}
	if err := s.Vectors.Delete(ctx, c.Name, ids); err != nil {
		s.markDirty(c.Name, len(ids), err)
	}
	return r, nil
}

// A ReconcileReport says what reconciliation changed.
type ReconcileReport struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
}

// Reconcile makes the vector copy of c hold exactly Bleve's passages:
// missing ones are embedded and written, extra ones deleted. It fits the
// collection's embedder first if it has none. progress, when set, gets
// the passages added so far and the number missing.
func (s *Synced) Reconcile(ctx context.Context, c *Collection, progress func(done, total int)) (ReconcileReport, error) {
	var rep ReconcileReport
	err := s.safely(c, func() error { return s.reconcile(ctx, c, progress, &rep) })
	if _, gone := s.Store.Collection(c.Name, false); errors.Is(gone, ErrNoCollection) {
		// Deleted meanwhile: what this pass wrote must go too.
		if err := s.Vectors.DropClass(ctx, c.Name); err != nil {
			return rep, err
		}
		s.mu.Lock()
		delete(s.state, c.Name)
		s.mu.Unlock()
		return rep, gone
	}
	s.mu.Lock()
	st := s.st(c.Name)
	switch {
	case errors.Is(err, ErrTooFewPassages):
		// No vectors to hold until the embedder can be learned.
		*st = SyncState{InSync: true, LastReconciled: time.Now().UTC(), Note: err.Error()}
		err = nil
	case err != nil:
		st.InSync = false
		st.LastError = err.Error()
	default:
		*st = SyncState{InSync: true, LastReconciled: time.Now().UTC()}
	}
	s.mu.Unlock()
	return rep, err
}

// safely runs f, the vector half of a write or a pass, with a panic
// turned into its error. Vectors are a copy that reconciliation can make
// again: a bug in making them must neither take down the server that
// answers questions nor fail a write that Bleve has kept.
func (s *Synced) safely(c *Collection, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errPanic, p)
			s.log().Error("vector sync failed on a bug", "collection", c.Name, "panic", p, "stack", string(debug.Stack()))
		}
	}()
	return f()
}

// errPanic marks vector work stopped by a panic.
var errPanic = errors.New("internal error")

func (s *Synced) reconcile(ctx context.Context, c *Collection, progress func(done, total int), rep *ReconcileReport) error {
	if err := s.moveLegacy(ctx, c.Name); err != nil {
		return err
	}
	if err := s.refitIfOutgrown(ctx, c); err != nil {
		return err
	}
	s.vmu.RLock()
	defer s.vmu.RUnlock()
	emb, err := s.Embedders.Embedder(ctx, c, true)
	if err != nil {
		return err
	}
	if err := s.ensureOwnClass(ctx, c); err != nil {
		return err
	}
	// Passages rewritten while their vectors could not be are written
	// again, with those that have none. The list is read first: what a
	// write adds to it after this stays for the next pass.
	stale, staleLen, err := c.staleIDs()
	if err != nil {
		return err
	}
	want, err := c.PassageIDs(ctx)
	if err != nil {
		return err
	}
	have, err := s.Vectors.IDs(ctx, c.Name)
	if err != nil {
		return err
	}
	var missing, extra []string
	for id := range want {
		if _, ok := have[id]; !ok {
			missing = append(missing, id)
		}
	}
	for _, id := range stale {
		_, kept := want[id]
		_, stored := have[id]
		if kept && stored {
			missing = append(missing, id)
			delete(have, id) // once, however often it was listed
		}
	}
	for id := range have {
		if _, ok := want[id]; !ok {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	s.mu.Lock()
	s.st(c.Name).Pending = len(missing) + len(extra)
	s.mu.Unlock()
	if len(extra) > 0 {
		if err := s.Vectors.Delete(ctx, c.Name, extra); err != nil {
			return err
		}
		rep.Removed = len(extra)
	}
	// Reading and embedding the next chunk overlaps writing this one: the
	// vector server's indexing is the slow part, and it runs in its own
	// process.
	const chunk = 1000
	type prepared struct {
		ps   []corpus.Passage
		vecs [][]float32
		err  error
	}
	ready := make(chan prepared, 1)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(ready)
		// A panic here would escape the pass's recover.
		err := s.safely(c, func() error {
			for start := 0; start < len(missing); start += chunk {
				ps, err := c.Passages(pctx, missing[start:min(start+chunk, len(missing))])
				var vecs [][]float32
				if err == nil {
					vecs, err = emb.Embed(pctx, texts(ps))
				}
				select {
				case ready <- prepared{ps, vecs, err}:
				case <-pctx.Done():
					return nil
				}
				if err != nil {
					return nil
				}
			}
			return nil
		})
		if err != nil {
			select {
			case ready <- prepared{err: err}:
			case <-pctx.Done():
			}
		}
	}()
	for p := range ready {
		if p.err != nil {
			return p.err
		}
		if err := s.Vectors.Upsert(ctx, c.Name, p.ps, p.vecs); err != nil {
			return err
		}
		rep.Added += len(p.ps)
		s.mu.Lock()
		s.st(c.Name).Pending = len(missing) - rep.Added
		s.mu.Unlock()
		if progress != nil {
			progress(rep.Added, len(missing))
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.clearStale(staleLen)
}

// ensureOwnClass makes sure c has a vector class, and that it is c's own:
// a class left by an earlier collection of the same name (deleted while
// the vector server was out of reach, or from Bleve alone) holds vectors
// of another model, which reconciliation, comparing passage IDs only,
// would keep for every ID the two share.
func (s *Synced) ensureOwnClass(ctx context.Context, c *Collection) error {
	gen, err := c.Generation()
	if err != nil {
		return err
	}
	if err := s.Vectors.EnsureClass(ctx, c.Name); err != nil {
		return err
	}
	own, err := s.Vectors.Stamp(ctx, c.Name, gen)
	if err != nil || own {
		return err
	}
	s.log().Info("deleting the vectors an earlier collection of the same name left", "collection", c.Name)
	if err := s.Vectors.DropClass(ctx, c.Name); err != nil {
		return err
	}
	if err := s.Vectors.EnsureClass(ctx, c.Name); err != nil {
		return err
	}
	_, err = s.Vectors.Stamp(ctx, c.Name, gen)
	return err
}

// moveLegacy moves a collection's vectors from where an earlier release
// kept them, once per process: what it leaves missing, reconciliation
// embeds.
func (s *Synced) moveLegacy(ctx context.Context, name string) error {
	s.mu.Lock()
	done := s.moved[name]
	s.mu.Unlock()
	if done {
		return nil
	}
	names, err := s.Store.Collections()
	if err != nil {
		return err
	}
	n, err := s.Vectors.MoveLegacy(ctx, name, names)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log().Info("moved vectors from the class an earlier release kept them in", "collection", name, "passages", n)
	}
	s.mu.Lock()
	if s.moved == nil {
		s.moved = map[string]bool{}
	}
	s.moved[name] = true
	s.mu.Unlock()
	return nil
}

// ReconcileAll reconciles every collection of the store.
func (s *Synced) ReconcileAll(ctx context.Context) error {
	names, err := s.Store.Collections()
	if err != nil {
		return err
	}
	var first error
	for _, n := range names {
		c, err := s.Store.Collection(n, false)
		if err == nil {
			var rep ReconcileReport
			rep, err = s.Reconcile(ctx, c, nil)
			if err == nil && rep.Added+rep.Removed > 0 {
				s.log().Info("reconciled vector index", "collection", n, "added", rep.Added, "removed", rep.Removed)
			}
		}
		if errors.Is(err, ErrNoCollection) {
			continue // deleted since it was listed
		}
		if err != nil {
			s.log().Warn("reconciliation failed; will retry", "collection", n, "error", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// Start runs Run in the background; its first pass counts as under way
// from the moment Start returns, so that no status read in between
// reports a collection in step before it is reconciled.
func (s *Synced) Start(ctx context.Context, interval time.Duration) {
	s.mu.Lock()
	s.starting = true
	s.mu.Unlock()
	go s.Run(ctx, interval)
}

// Run reconciles on start, whenever a write leaves a collection out of
// step, and every interval while any is, with growing delays between
// failed attempts. It returns when ctx ends.
func (s *Synced) Run(ctx context.Context, interval time.Duration) {
	kick := s.kickChan()
	delay := interval
	s.mu.Lock()
	s.starting = true
	s.mu.Unlock()
	for {
		err := s.ReconcileAll(ctx)
		s.mu.Lock()
		s.starting = false
		s.mu.Unlock()
		if err == nil {
			delay = interval
		} else {
			delay = min(delay*2, 5*time.Minute)
		}
		var wait <-chan time.Time
		if err != nil || s.anyDirty() {
			wait = time.After(delay)
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
			// Let a burst of failing writes settle before retrying.
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
				return
			}
		case <-wait:
		}
	}
}

func (s *Synced) anyDirty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.state {
		if !st.InSync {
			return true
		}
	}
	return false
}
