package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/corpus"
)

// A backup taken while documents keep arriving holds every document
// acknowledged before it began, each document whole, and the files kept
// beside the index; the live collection loses nothing.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, c := openTest(t, dir)
	defer s.Close()
	ch := corpus.Chunker{Words: 20}
	var first []Entry
	for i := 0; i < 20; i++ {
		first = append(first, entry(ch, fmt.Sprintf("doc%02d", i), "Zebra", sentences(fmt.Sprintf("Zebra%d", i), 8)))
	}
	if err := c.Upsert(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Dir(), "lsa.model"), []byte("fitted"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "feedback.jsonl"), []byte(`{"vote":1}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Writes go on during the backup.
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := 0
	started := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 40; i++ {
			if i == 5 {
				close(started)
			}
			e := entry(ch, fmt.Sprintf("late%02d", i), "Okapi", sentences(fmt.Sprintf("Okapi%d", i), 6))
			if err := c.Upsert(ctx, []Entry{e}); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			acked++
			mu.Unlock()
		}
	}()
	<-started
	mu.Lock()
	before := acked
	mu.Unlock()
	root := filepath.Join(t.TempDir(), "backups")
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	info, err := s.Backup(root, now, "feedback.jsonl", "keys.json")
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if !slices.Equal(info.Collections, []string{"test"}) || !slices.Equal(info.Files, []string{"feedback.jsonl"}) || info.Bytes == 0 {
		t.Fatalf("backup info %+v", info)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 1 || ents[0].Name() != backupName(now) {
		t.Fatalf("backup folder holds %v, want only %s", ents, backupName(now))
	}

	// Taken again at the same moment: refused, the first left whole.
	if _, err := s.Backup(root, now); err == nil {
		t.Fatal("a second backup under the same name was accepted")
	}
	if ents, _ := os.ReadDir(root); len(ents) != 1 {
		t.Fatalf("a refused backup left %d entries", len(ents))
	}

	b, err := OpenStore(info.Path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	bc, err := b.Collection("test", false)
	if err != nil {
		t.Fatal(err)
	}
	recs, total, err := bc.Documents(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	late, passages := 0, 0
	for _, r := range recs {
		passages += r.Passages
		if r.Title == "Okapi" {
			late++
		}
	}
	if total != uint64(len(first)+late) || late < before || late > 40 {
		t.Fatalf("backup holds %d documents, %d of them late; %d were acknowledged before it began", total, late, before)
	}
	// Every document whole: the records' passage counts add up to the index.
	if n, _ := bc.PassageCount(); n != uint64(passages) {
		t.Fatalf("backup index holds %d passages, its records %d", n, passages)
	}
	if hits, _ := bc.Search(ctx, "zebra7", 10); len(hits) == 0 {
		t.Fatal("the backup does not answer a search")
	}
	if m, _ := os.ReadFile(filepath.Join(bc.Dir(), "lsa.model")); string(m) != "fitted" {
		t.Fatalf("lsa.model in the backup: %q", m)
	}
	if f, _ := os.ReadFile(filepath.Join(info.Path, "feedback.jsonl")); len(f) == 0 {
		t.Fatal("feedback log not in the backup")
	}

	// The live collection kept every write.
	if recs, total, _ := c.Documents(ctx, 0, 1000); total != 60 || len(recs) != 60 {
		t.Fatalf("live collection holds %d documents after the backup, want 60", total)
	}
}

// A collection deleted while a backup runs is left out of it, whether the
// delete comes before the backup reaches it or while it is being copied;
// the backup of the others goes on.
func TestBackupWhileCollectionsAreDeleted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, c := openTest(t, dir)
	defer s.Close()
	ch := corpus.Chunker{Words: 20}
	if err := c.Upsert(ctx, []Entry{entry(ch, "keep", "Keep", sentences("Kept", 4))}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := fmt.Sprintf("churn%d", i%3)
			churn, err := s.Collection(name, true)
			if err == nil {
				err = churn.Upsert(ctx, []Entry{entry(ch, "d", "Churn", sentences("Churn", 30))})
			}
			if err == nil {
				err = s.Drop(name, nil)
			}
			if err != nil && !Deleted(err) && !errors.Is(err, ErrNoCollection) {
				t.Error(err)
				return
			}
		}
	}()
	root := filepath.Join(t.TempDir(), "backups")
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 40; i++ {
		info, err := s.Backup(root, now.Add(time.Duration(i)*time.Second))
		if err != nil {
			close(stop)
			<-done
			t.Fatalf("backup %d: %v", i, err)
		}
		if !slices.Contains(info.Collections, "test") {
			t.Fatalf("backup %d lacks the kept collection: %+v", i, info)
		}
		// What it lists is what it holds.
		ents, _ := os.ReadDir(filepath.Join(info.Path, "collections"))
		if len(ents) != len(info.Collections) {
			t.Fatalf("backup %d holds %d collections, lists %v", i, len(ents), info.Collections)
		}
	}
	close(stop)
	<-done
}
