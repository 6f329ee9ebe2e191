package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// Candidate counts and budgets that cannot work are refused, not
// replaced by defaults, and a retrieval mode that needs Weaviate says so
// when it is off.
func TestAskAndSearchRefuseBadSettings(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"ask", "-k", "0", "what is packing"}, "-k must be at least 1"},
		{[]string{"search", "-k", "-3", "packing"}, "-k must be at least 1"},
		{[]string{"ask", "--budget", "-5", "what is packing"}, "--budget must be a positive"},
		{[]string{"search", "--retrieval", "hybrid", "packing"}, `"hybrid": it needs Weaviate, which is off`},
		{[]string{"search", "--retrieval", "hybird", "packing"}, `unknown retrieval mode "hybird"`},
		// Nothing indexed yet, and no server: say how to fill the collection.
		{[]string{"ask", "--addr", "127.0.0.1:1", "what is packing"}, `in ` + data + `, and no server answers at 127.0.0.1:1; add documents with 'shoulders ingest PATH'`},
		{[]string{"search", "--addr", "127.0.0.1:1", "-c", "notes", "packing"}, `no such collection: "notes" in ` + data + `, and no server answers at 127.0.0.1:1; add documents with 'shoulders ingest PATH -c notes'`},
	}
	for _, c := range cases {
		err := run(t, data, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// A server without Weaviate tells a client asking for dense retrieval
// why it cannot have it.
func TestServerNamesWhyAModeIsMissing(t *testing.T) {
	bin, data, addr := shouldersBin(t), t.TempDir(), freeAddr(t)
	srv, _ := serveDocs(t, bin, data, addr, "SHOULDERS_RERANKER=none")
	defer func() { _ = srv.Process.Signal(syscall.SIGTERM); _ = srv.Wait() }()
	resp, err := http.Post("http://"+addr+"/v1/search", "application/json", strings.NewReader(`{"query": "packing", "retrieval": "dense"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || body.Error.Code != "unknown_retrieval" || !strings.Contains(body.Error.Message, "needs Weaviate") {
		t.Fatalf("dense search without Weaviate: %s %+v", resp.Status, body)
	}
}

// A server asked to listen on a taken address says so at once, before
// starting anything else.
func TestServeRefusesATakenAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	err = run(t, t.TempDir(), "serve", "--addr", addr, "--reranker", "none")
	if err == nil || !strings.Contains(err.Error(), addr+" is in use") || !strings.Contains(err.Error(), "SHOULDERS_ADDR") {
		t.Fatalf("serve on a taken address: %v", err)
	}
}
