// Package reader owns what happens after retrieval: scoring candidates,
// packing the best of them into the frozen LM's context budget, the
// prompt, the call to the LM, and answers with citations mapped back to
// passages. Without an LM it answers with extracted evidence instead.
//
// The flow of one question is Reader.Ask: retrieve (retriever), pack
// (Pack), prompt (BuildPrompt), generate (LM), cite (Cite).
package reader
