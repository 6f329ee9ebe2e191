package index

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoulders-qa/shoulders/corpus"
)

// seedDocs copies the project's own docs into a folder that the test can
// change, as a checkout changes between two starts of a server.
func seedDocs(t *testing.T) (string, []string) {
	t.Helper()
	names, err := filepath.Glob("../docs/*.md")
	if err != nil || len(names) < 5 {
		t.Fatalf("want the project's docs, found %d (%v)", len(names), err)
	}
	dir := t.TempDir()
	var ids []string
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(n))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, filepath.ToSlash(p))
	}
	return dir, ids
}

func seed(t *testing.T, c *Collection, dir string) SeedReport {
	t.Helper()
	srcs, _, err := FileSources([]string{dir}, "")
	if err != nil {
		t.Fatal(err)
	}
	s := Seeder{Collection: c, Ingester: &Ingester{Chunker: corpus.Chunker{}}}
	rep, err := s.Seed(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestSeedFollowsTheFiles(t *testing.T) {
	ctx := context.Background()
	dir, ids := seedDocs(t)
	data := t.TempDir()
	s, c := openTest(t, data)

	if rep := seed(t, c, dir); rep.Added != len(ids) || rep.Updated+rep.Removed+rep.Unchanged+rep.Kept != 0 {
		t.Fatalf("first seed: %+v, want %d added", rep, len(ids))
	}
	first, _ := c.Record(ids[0])
	if rep := seed(t, c, dir); rep.Unchanged != len(ids) || rep.Added+rep.Updated+rep.Removed+rep.Kept != 0 {
		t.Fatalf("second seed of the same files: %+v, want all %d unchanged", rep, len(ids))
	}
	if again, _ := c.Record(ids[0]); !again.Updated.Equal(first.Updated) {
		t.Fatal("an unchanged file was written again")
	}

	// Between two starts: one file gains a section, one is removed, one
	// is new; through the API, the user replaces one seeded document and
	// deletes another.
	changed, removed, replaced, deleted := ids[0], ids[1], ids[2], ids[3]
	appendFile(t, changed, "\n\n## Okapis\n\nThe okapi section was added after the first start.\n")
	must(t, os.Remove(removed))
	added := filepath.ToSlash(filepath.Join(dir, "zz-new.md"))
	must(t, os.WriteFile(added, []byte("# New\n\nA page about narwhals, new since the first start.\n"), 0o644))
	ch := corpus.Chunker{}
	must(t, c.Upsert(ctx, []Entry{entry(ch, replaced, "Mine", "The user's own text about capybaras.")}))
	if _, err := c.Delete(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	must(t, s.Close())

	s, c = openTest(t, data) // a restart
	rep := seed(t, c, dir)
	want := SeedReport{Added: 1, Updated: 1, Removed: 1, Kept: 2, Unchanged: len(ids) - 4}
	if rep.Added != want.Added || rep.Updated != want.Updated || rep.Removed != want.Removed || rep.Kept != want.Kept || rep.Unchanged != want.Unchanged {
		t.Fatalf("seed after changes: %+v, want %+v", rep, want)
	}
	for q, want := range map[string]string{"okapi": changed, "narwhals": added, "capybaras": replaced} {
		hits, err := c.Search(ctx, q, 5)
		if err != nil || len(hits) == 0 || hits[0].Passage.DocID != want {
			t.Errorf("%q: got %v (%v), want %s first", q, hits, err, want)
		}
	}
	for _, id := range []string{removed, deleted} {
		if _, err := c.Record(id); err == nil {
			t.Errorf("%s is still stored", id)
		}
	}

	// Once in step, the next start changes nothing, and still leaves the
	// user's documents alone.
	rep = seed(t, c, dir)
	if rep.Unchanged != len(ids)-2 || rep.Kept != 2 || rep.Added+rep.Updated+rep.Removed != 0 {
		t.Fatalf("seed once in step: %+v", rep)
	}
	if _, err := c.Record(deleted); err == nil {
		t.Error("a document the user deleted came back")
	}
	must(t, s.Close())
}

// A collection seeded by an older release has no record of what was
// seeded: documents from the same files are brought up to date, and a
// document of the user's under a file's ID is not.
func TestSeedWithoutARecordOfTheLastOne(t *testing.T) {
	ctx := context.Background()
	dir, ids := seedDocs(t)
	s, c := openTest(t, t.TempDir())
	defer s.Close()
	ch := corpus.Chunker{}
	old := entry(ch, ids[0], "Old", "An older version of the page, about wombats.")
	mine := Entry{Doc: corpus.Document{ID: ids[1], Title: "Mine", Text: "My notes on tapirs.", Source: "upload"}}
	mine.Passages = ch.Split(mine.Doc)
	must(t, c.Upsert(ctx, []Entry{old, mine}))

	rep := seed(t, c, dir)
	if rep.Updated != 1 || rep.Kept != 1 || rep.Added != len(ids)-2 {
		t.Fatalf("seed over an older release's collection: %+v", rep)
	}
	if hits, _ := c.Search(ctx, "wombats", 5); len(hits) != 0 {
		t.Error("the older version of a page is still found")
	}
	if hits, _ := c.Search(ctx, "tapirs", 5); len(hits) == 0 || hits[0].Passage.DocID != ids[1] {
		t.Error("the user's document under a file's ID was replaced")
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(path, []byte(strings.TrimRight(string(b), "\n")+text), 0o644))
}
