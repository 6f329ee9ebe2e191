// Package api is the HTTP interface of Shoulders, on Gin: asking
// questions (JSON or Server-Sent Events), searching, managing documents,
// and health. Every error is a JSON body {"error": {"code", "message"}}.
//
// A question goes: handleAsk (ask.go) -> reader.Reader.Ask -> retriever ->
// reader.Pack -> reader.BuildPrompt -> reader.LM.
package api
