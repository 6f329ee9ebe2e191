package openai_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shoulders-qa/shoulders/reader"
	"github.com/shoulders-qa/shoulders/reader/openai"
	"github.com/shoulders-qa/shoulders/reader/openai/openaitest"
)

var prompt = reader.Prompt{Messages: []reader.Message{
	{Role: "system", Content: "Answer."},
	{Role: "user", Content: "Passages:\n<passage id=\"1\" title=\"T\">\nThe sky is blue. It is day.\n</passage>\n\nQuestion: What colour is the sky?"},
}}

func client(t *testing.T, url, model string, api openai.API, timeout time.Duration) *openai.Client {
	t.Helper()
	c, err := openai.New(openai.Config{URL: url, Model: model, API: api, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func lmCode(err error) string {
	var le *reader.LMError
	if errors.As(err, &le) {
		return le.Code
	}
	return ""
}

func TestGenerateBothAPIs(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	for _, api := range []openai.API{openai.Chat, openai.Completions} {
		g, err := client(t, srv.URL, "m", api, 5*time.Second).Generate(context.Background(), reader.Generation{Prompt: prompt, MaxTokens: 20})
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		if g.Text != "The sky is blue. [1]" || g.CompletionTokens == 0 || g.FinishReason != "stop" {
			t.Fatalf("%s: got %+v", api, g)
		}
	}
}

func TestStreaming(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	for _, api := range []openai.API{openai.Chat, openai.Completions} {
		var deltas []string
		g, err := client(t, srv.URL+"/v1/", "m", api, 5*time.Second).Generate(context.Background(), reader.Generation{
			Prompt: prompt, OnDelta: func(d string) error { deltas = append(deltas, d); return nil }})
		if err != nil {
			t.Fatalf("%s: %v", api, err)
		}
		if len(deltas) < 3 || strings.Join(deltas, "") != g.Text || g.Text != "The sky is blue. [1]" {
			t.Fatalf("%s: deltas %q, text %q", api, deltas, g.Text)
		}
		if g.PromptTokens == 0 {
			t.Errorf("%s: usage not read from the stream", api)
		}
	}
}

func TestRetriesOn429And5xx(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	srv.Fail(2, http.StatusServiceUnavailable, `{"error":{"message":"overloaded"}}`)
	g, err := client(t, srv.URL, "m", openai.Chat, 10*time.Second).Generate(context.Background(), reader.Generation{Prompt: prompt})
	if err != nil || g.Text == "" || srv.Requests.Load() != 3 {
		t.Fatalf("after two 503s: err %v, %d requests", err, srv.Requests.Load())
	}
	srv.Fail(5, http.StatusTooManyRequests, `{"error":{"message":"slow down"}}`)
	_, err = client(t, srv.URL, "m", openai.Chat, 10*time.Second).Generate(context.Background(), reader.Generation{Prompt: prompt})
	if lmCode(err) != reader.CodeLMRateLimited {
		t.Fatalf("persistent 429: %v", err)
	}
	if got := srv.Requests.Load(); got != 6 { // 3 before, then 1 + 2 retries
		t.Fatalf("%d requests in all; retries are not bounded to 2", got)
	}
}

func TestErrorsAreClassified(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	ctx := context.Background()
	g := reader.Generation{Prompt: prompt}

	if _, err := client(t, srv.URL, "other", openai.Chat, 5*time.Second).Generate(ctx, g); lmCode(err) != reader.CodeLMUnknownModel {
		t.Errorf("unknown model: %v", err)
	}
	srv.Fail(1, http.StatusBadRequest, `{"error":{"message":"This model's maximum context length is 4096 tokens. However, you requested 5000 tokens."}}`)
	if _, err := client(t, srv.URL, "m", openai.Chat, 5*time.Second).Generate(ctx, g); lmCode(err) != reader.CodeLMContextOverflow {
		t.Errorf("context overflow: %v", err)
	}
	srv.SetMalformed(true)
	if _, err := client(t, srv.URL, "m", openai.Chat, 5*time.Second).Generate(ctx, g); lmCode(err) != reader.CodeLMBadResponse {
		t.Errorf("malformed: %v", err)
	}
	srv.SetMalformed(false)

	srv.SetCutStream(true)
	g.OnDelta = func(string) error { return nil }
	if _, err := client(t, srv.URL, "m", openai.Chat, 5*time.Second).Generate(ctx, g); lmCode(err) != reader.CodeLMBadResponse {
		t.Errorf("cut stream: %v", err)
	}
	srv.SetCutStream(false)

	srv.SetDelay(2 * time.Second)
	start := time.Now()
	_, err := client(t, srv.URL, "m", openai.Chat, 200*time.Millisecond).Generate(ctx, reader.Generation{Prompt: prompt})
	if lmCode(err) != reader.CodeLMTimeout || time.Since(start) > time.Second {
		t.Errorf("timeout: %v after %s", err, time.Since(start))
	}
}

func TestUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	_, err := client(t, "http://"+addr, "m", openai.Chat, 5*time.Second).Generate(context.Background(), reader.Generation{Prompt: prompt})
	if lmCode(err) != reader.CodeLMUnreachable || !strings.Contains(err.Error(), addr) {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []openai.Config{{Model: "m"}, {URL: "http://x"}, {URL: "http://x", Model: "m", API: "rpc"}} {
		if _, err := openai.New(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

func TestSeveralChoices(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	srv.SetResponder(func(_ string, i int) string { return []string{"blue", "azure", "grey"}[i] })
	for _, api := range []openai.API{openai.Chat, openai.Completions} {
		g, err := client(t, srv.URL, "m", api, 5*time.Second).Generate(context.Background(), reader.Generation{Prompt: prompt, N: 3, Temperature: 0.7})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(g.Choices, ",") != "blue,azure,grey" || g.Text != "blue" || srv.LastN() != 3 || g.CompletionTokens != 3 {
			t.Fatalf("%s: choices %q, n sent %d, usage %d", api, g.Choices, srv.LastN(), g.CompletionTokens)
		}
	}
	_, err := client(t, srv.URL, "m", openai.Chat, 5*time.Second).Generate(context.Background(),
		reader.Generation{Prompt: prompt, N: 2, OnDelta: func(string) error { return nil }})
	if err == nil {
		t.Fatal("a stream carries one sample; asking for two must fail")
	}
}

// While an answer streams, the timeout bounds each wait for its next
// piece, not the whole answer: a slow LM that keeps writing is read to the
// end, and one that stops mid-answer times out.
func TestTimeoutBoundsEachWaitOfAStream(t *testing.T) {
	srv := openaitest.New("m")
	defer srv.Close()
	var deltas []string
	g := reader.Generation{Prompt: prompt, OnDelta: func(d string) error { deltas = append(deltas, d); return nil }}

	srv.SetPace(150 * time.Millisecond) // five pieces: longer than the timeout in all
	start := time.Now()
	out, err := client(t, srv.URL, "m", openai.Chat, 400*time.Millisecond).Generate(context.Background(), g)
	if err != nil || out.Text != "The sky is blue. [1]" || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("slow stream: %v, %q after %s", err, out.Text, time.Since(start))
	}

	deltas = nil
	srv.SetPace(2 * time.Second)
	out, err = client(t, srv.URL, "m", openai.Chat, 300*time.Millisecond).Generate(context.Background(), g)
	if lmCode(err) != reader.CodeLMTimeout || !strings.Contains(err.Error(), "stopped") || len(deltas) == 0 || out.Text == "" {
		t.Fatalf("stalled stream: %v, %d pieces, %q", err, len(deltas), out.Text)
	}
}
