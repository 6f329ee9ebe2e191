package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/index"
)

// Backups need an admin key that reaches every collection, run one at a
// time, and hold what the server stored.
func TestBackupEndpoint(t *testing.T) {
	h, cli := authHarness(t)
	root := t.TempDir()
	release := make(chan struct{})
	taking := make(chan struct{}, 1)
	h.srv.Backups = &Backups{Take: func(context.Context) (index.BackupInfo, error) {
		select {
		case taking <- struct{}{}:
		default:
		}
		<-release
		return h.store.Backup(root, time.Now())
	}}
	h.h = h.srv.Handler()
	query, _, _ := cli.Create("reader", []Scope{ScopeQuery, ScopeIngest}, nil, 0, 0)
	scoped, _, _ := cli.Create("team-ops", []Scope{ScopeAdmin}, []string{"default"}, 0, 0)
	admin, _, _ := cli.Create("ops", []Scope{ScopeAdmin}, nil, 0, 0)
	time.Sleep(1100 * time.Millisecond) // the server rereads the key file at most once a second

	for _, c := range []struct {
		name, key string
		status    int
		code      string
	}{
		{"no key", "", 401, "unauthorized"},
		{"query and ingest are not enough", query, 403, "forbidden_scope"},
		{"an admin of one collection", scoped, 403, "forbidden_collection"},
	} {
		if status, e, _ := h.as(c.key, "POST", "/v1/admin/backups", nil); status != c.status || e.Code != c.code {
			t.Fatalf("%s: got %d %+v, want %d %s", c.name, status, e, c.status, c.code)
		}
	}

	// One backup at a time: a second request while the first is taken.
	done := make(chan *http.Response, 1)
	var body []byte
	go func() {
		w := h.do("POST", "/v1/admin/backups", "application/json", nil, "Authorization", "Bearer "+admin)
		body = w.Body.Bytes()
		done <- w.Result()
	}()
	<-taking
	if status, e, _ := h.as(admin, "POST", "/v1/admin/backups", nil); status != http.StatusConflict || e.Code != "backup_running" {
		t.Fatalf("a second backup at once: %d %+v", status, e)
	}
	close(release)
	if r := <-done; r.StatusCode != http.StatusCreated {
		t.Fatalf("backup: %d %s", r.StatusCode, body)
	}
	var info index.BackupInfo
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(info.Collections, []string{"default", "secret"}) {
		t.Fatalf("backup holds %v", info.Collections)
	}
	b, err := index.OpenStore(info.Path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := b.Collection("secret", false)
	if err != nil {
		t.Fatal(err)
	}
	if hits, err := c.Search(context.Background(), "launch date", 5); err != nil || len(hits) == 0 || hits[0].Passage.DocID != "plans" {
		t.Fatalf("the backup's secret collection does not find the plans: %v %v", hits, err)
	}

	h.srv.Backups = nil
	h.h = h.srv.Handler()
	if status, e, _ := h.as(admin, "POST", "/v1/admin/backups", nil); status != http.StatusNotImplemented || e.Code != "backups_off" {
		t.Fatalf("a server without backups: %d %+v", status, e)
	}
}
