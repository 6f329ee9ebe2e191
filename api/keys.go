package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

// A Scope is what a key may do.
type Scope string

// Scopes. Admin includes the others.
const (
	ScopeQuery  Scope = "query"  // ask, search, read documents, feedback
	ScopeIngest Scope = "ingest" // add and delete documents
	ScopeAdmin  Scope = "admin"  // everything, metrics included
)

// ParseScopes reads scope names.
func ParseScopes(names []string) ([]Scope, error) {
	var out []Scope
	for _, n := range names {
		s := Scope(strings.TrimSpace(n))
		switch s {
		case ScopeQuery, ScopeIngest, ScopeAdmin:
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		default:
			return nil, fmt.Errorf("unknown scope %q (want query, ingest or admin)", n)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("a key needs at least one scope")
	}
	return out, nil
}

// A Key is an API key as stored: its secret is kept only as a hash.
type Key struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Hash   string  `json:"hash"`
	Scopes []Scope `json:"scopes"`
	// Collections, when set, are the only collections (and demonstration
	// pools) the key may use.
	Collections []string `json:"collections,omitempty"`
	// Rate is the requests per second allowed, with bursts of Burst;
	// 0 means the server's default.
	Rate    float64    `json:"rate,omitempty"`
	Burst   int        `json:"burst,omitempty"`
	Created time.Time  `json:"created"`
	Revoked *time.Time `json:"revoked,omitempty"`
}

// Can reports whether the key holds scope.
func (k *Key) Can(s Scope) bool {
	return slices.Contains(k.Scopes, ScopeAdmin) || slices.Contains(k.Scopes, s)
}

// Reaches reports whether the key may use a collection.
func (k *Key) Reaches(collection string) bool {
	return len(k.Collections) == 0 || slices.Contains(k.Collections, collection)
}

// Errors of key lookup.
var (
	ErrBadKey     = errors.New("invalid API key")
	ErrRevokedKey = errors.New("API key revoked")
)

// KeyStore keeps API keys in one JSON file, replaced atomically on every
// change. A server notices keys created or revoked by the CLI within a
// second.
type KeyStore struct {
	path string

	mu      sync.Mutex
	keys    []Key
	modTime time.Time
	checked time.Time
}

// OpenKeyStore reads the keys at path; a missing file holds none.
func OpenKeyStore(path string) (*KeyStore, error) {
	s := &KeyStore{path: path}
	return s, s.load()
}

func (s *KeyStore) load() error {
	st, err := os.Stat(s.path)
	if errors.Is(err, os.ErrNotExist) {
		s.keys, s.modTime = nil, time.Time{}
		return nil
	}
	if err != nil {
		return err
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return err
	}
	var keys []Key
	if err := json.Unmarshal(b, &keys); err != nil {
		return fmt.Errorf("keys file %s: %w", s.path, err)
	}
	s.keys, s.modTime = keys, st.ModTime()
	return nil
}

// refresh rereads the file when it changed, at most once a second.
func (s *KeyStore) refresh() {
	if time.Since(s.checked) < time.Second {
		return
	}
	s.checked = time.Now()
	if st, err := os.Stat(s.path); err == nil && st.ModTime().Equal(s.modTime) {
		return
	}
	_ = s.load() // a half-written file cannot happen (rename); keep the old keys on error
}

func (s *KeyStore) save() error {
	b, err := json.MarshalIndent(s.keys, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, b, 0o600); err != nil {
		return err
	}
	if st, err := os.Stat(s.path); err == nil {
		s.modTime = st.ModTime()
	}
	return nil
}

// Create makes a key and returns its secret, which is shown once and
// never stored.
func (s *KeyStore) Create(name string, scopes []Scope, collections []string, rate float64, burst int) (string, Key, error) {
	for _, c := range collections {
		if err := corpus.ValidateCollection(c); err != nil {
			return "", Key{}, err
		}
	}
	if rate < 0 || burst < 0 {
		return "", Key{}, errors.New("rate and burst cannot be negative")
	}
	idb := make([]byte, 6)
	secret := make([]byte, 32)
	if _, err := rand.Read(idb); err != nil {
		return "", Key{}, err
	}
	if _, err := rand.Read(secret); err != nil {
		return "", Key{}, err
	}
	id := hex.EncodeToString(idb)
	token := "shk_" + id + "_" + base64.RawURLEncoding.EncodeToString(secret)
	k := Key{ID: id, Name: name, Hash: hashToken(token), Scopes: scopes, Collections: collections,
		Rate: rate, Burst: burst, Created: time.Now().UTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return "", Key{}, err
	}
	s.keys = append(s.keys, k)
	return token, k, s.save()
}

// List returns every key, revoked ones included.
func (s *KeyStore) List() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh()
	return slices.Clone(s.keys)
}

// Active reports whether any key is usable.
func (s *KeyStore) Active() bool {
	for _, k := range s.List() {
		if k.Revoked == nil {
			return true
		}
	}
	return false
}

// Revoke marks a key revoked; it stays listed.
func (s *KeyStore) Revoke(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return err
	}
	for i := range s.keys {
		if s.keys[i].ID == id {
			if s.keys[i].Revoked == nil {
				now := time.Now().UTC()
				s.keys[i].Revoked = &now
			}
			return s.save()
		}
	}
	return fmt.Errorf("no key with id %q", id)
}

// Authenticate returns the key a token belongs to.
func (s *KeyStore) Authenticate(token string) (*Key, error) {
	parts := strings.SplitN(token, "_", 3)
	if len(parts) != 3 || parts[0] != "shk" {
		return nil, ErrBadKey
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh()
	h := hashToken(token)
	for i := range s.keys {
		k := &s.keys[i]
		if k.ID != parts[1] || subtle.ConstantTimeCompare([]byte(k.Hash), []byte(h)) != 1 {
			continue
		}
		if k.Revoked != nil {
			return nil, ErrRevokedKey
		}
		kc := *k
		return &kc, nil
	}
	return nil, ErrBadKey
}

// hashToken is SHA-256: keys are 256 random bits, so a slow password hash
// would add cost and no safety.
func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// writeFileAtomic replaces path with data durably: a temporary file in
// the same folder, synced, renamed over path, and the folder synced.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
