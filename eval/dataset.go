package eval

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shoulders-qa/shoulders/corpus"
	"github.com/shoulders-qa/shoulders/index"
)

// A Dataset is a corpus to index plus what to ask of it: questions with
// gold answers (QA), or queries with relevance judgments (BEIR).
type Dataset struct {
	Name      string
	Split     string
	Corpus    []index.Source
	Questions []corpus.Question
	Queries   map[string]string
	Qrels     map[string]map[string]int
}

// IsBEIR tells whether the dataset is scored by relevance judgments.
func (d *Dataset) IsBEIR() bool { return d.Qrels != nil }

// DatasetSpec names a dataset and where its files are.
type DatasetSpec struct {
	// Name: qamix, squad, nq, nq-open, dpr-nq, dpr-trivia, dpr-wq,
	// dpr-curated, dpr-squad, beir, scifact, docs (questions about the
	// project's own docs/, asked of them), or questions (your own
	// Questions file over your Corpus files).
	Name  string
	Split string // train, dev, test or all; "" means the dataset's evaluation split
	// Shared is the shared data folder, for the datasets it holds.
	Shared string
	// Corpus files override or supply the passages (needed for NQ-open and
	// the DPR sets, whose Wikipedia corpus is not in the shared data).
	Corpus []string
	// Questions, Queries and Qrels override the files of the dataset.
	Questions, Queries, Qrels string
}

// DatasetNames lists the datasets LoadDataset knows.
var DatasetNames = []string{"qamix", "squad", "nq", "nq-open", "dpr-nq", "dpr-trivia", "dpr-wq", "dpr-curated", "dpr-squad", "scifact", "beir", "docs", "questions"}

// The docs dataset: questions a user of Shoulders asks, with the answer
// strings its documentation gives, over that documentation. Paths are
// from the repository root. What the demo of make run serves is measured
// by them.
const (
	DocsQuestions = "eval/testdata/docs-questions.jsonl"
	DocsCorpus    = "docs"
)

var dprFiles = map[string]string{
	"dpr-nq": "nq.test", "dpr-trivia": "trivia.test", "dpr-wq": "wq.test", "dpr-curated": "curated.test", "dpr-squad": "squad.test",
}

// LoadDataset reads the questions or queries of a dataset and lists its
// corpus files.
func LoadDataset(ctx context.Context, spec DatasetSpec) (*Dataset, error) {
	d := &Dataset{Name: spec.Name, Split: spec.Split}
	shared := func(rel string) string { return filepath.Join(spec.Shared, rel) }
	pick := func(override, def string) string {
		if override != "" {
			return override
		}
		return def
	}
	var corpusFiles []string
	var corpusFormat corpus.Format
	switch spec.Name {
	case "qamix", "squad", "nq":
		if d.Split == "" {
			d.Split = corpus.SplitDev
		}
		add := func(q corpus.Question) error {
			if d.Split == "all" || q.Split == d.Split {
				d.Questions = append(d.Questions, q)
			}
			return nil
		}
		type part struct {
			file string
			read func(context.Context, io.Reader, string, func(corpus.Question) error) error
		}
		var parts []part
		if spec.Name != "nq" {
			parts = append(parts, part{pick(spec.Questions, shared(corpus.SQuADDevPath)), corpus.SQuADQuestions})
		}
		if spec.Name != "squad" {
			f := shared(corpus.NQOraclePath)
			if spec.Name == "nq" {
				f = pick(spec.Questions, f)
			}
			parts = append(parts, part{f, corpus.NQOracleQuestions})
		}
		for _, p := range parts {
			corpusFiles = append(corpusFiles, p.file)
			r, err := corpus.Open(p.file)
			if err != nil {
				return nil, err
			}
			err = p.read(ctx, r, p.file, add)
			r.Close()
			if err != nil {
				return nil, err
			}
		}
	case "questions", "docs", "nq-open", "dpr-nq", "dpr-trivia", "dpr-wq", "dpr-curated", "dpr-squad":
		if d.Split == "" {
			d.Split = "test"
		}
		def := shared("nq/NQ-open.dev.jsonl.gz")
		if spec.Name == "docs" {
			def = DocsQuestions
			if len(spec.Corpus) == 0 {
				spec.Corpus = []string{DocsCorpus}
			}
		}
		if spec.Name == "questions" || spec.Name == "docs" {
			if spec.Name == "questions" && spec.Questions == "" {
				return nil, fmt.Errorf("the questions dataset needs --questions (JSONL: question, with answers or passage_ids or doc_ids) and --corpus")
			}
			d.Split = "all" // a file of your own has no splits
		}
		if d.Split == "test" && spec.Name == "nq-open" {
			d.Split = "dev" // NQ-open's public evaluation questions are its dev set
		}
		if f, ok := dprFiles[spec.Name]; ok {
			def = shared(filepath.Join("dpr-questions", f+".txt.gz"))
		}
		path := pick(spec.Questions, def)
		fh, err := corpus.Open(path)
		if err != nil {
			if spec.Name == "docs" {
				return nil, fmt.Errorf("the docs dataset is read from the repository root: %w", err)
			}
			return nil, err
		}
		st, err := corpus.QuestionFile(ctx, fh, path, spec.Name, spec.Name == "dpr-curated", func(q corpus.Question) error {
			d.Questions = append(d.Questions, q)
			return nil
		})
		fh.Close()
		if err != nil {
			return nil, err
		}
		if st.Skipped > 0 {
			return nil, fmt.Errorf("%s: %d malformed questions, first %s", path, st.Skipped, st.Problems[0])
		}
		if len(spec.Corpus) == 0 && spec.Name == "questions" {
			return nil, fmt.Errorf("your questions need the corpus they are asked of (--corpus)")
		}
		if len(spec.Corpus) == 0 {
			return nil, fmt.Errorf("%s needs a passage corpus (--corpus), such as DPR's psgs_w100.tsv: its Wikipedia passages are not in the shared data", spec.Name)
		}
	case "scifact", "beir":
		if d.Split == "" {
			d.Split = "test"
		}
		if spec.Name == "scifact" {
			corpusFiles = []string{shared(corpus.SciFactCorpus)}
			spec.Queries = pick(spec.Queries, shared("scifact/queries.test.tsv.gz"))
			spec.Qrels = pick(spec.Qrels, shared("scifact/qrels.test.txt"))
		}
		if spec.Queries == "" || spec.Qrels == "" || (len(spec.Corpus) == 0 && len(corpusFiles) == 0) {
			return nil, fmt.Errorf("a BEIR dataset needs --corpus, --queries and --qrels")
		}
		corpusFormat = corpus.BEIR
		fh, err := os.Open(spec.Queries)
		if err != nil {
			return nil, err
		}
		d.Queries, _, err = corpus.BEIRQueries(ctx, fh, spec.Queries)
		fh.Close()
		if err != nil {
			return nil, err
		}
		fh, err = os.Open(spec.Qrels)
		if err != nil {
			return nil, err
		}
		d.Qrels, _, err = corpus.Qrels(ctx, fh, spec.Qrels)
		fh.Close()
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown dataset %q (known: %s)", spec.Name, strings.Join(DatasetNames, ", "))
	}
	if len(spec.Corpus) > 0 {
		corpusFiles = spec.Corpus
		corpusFormat = ""
		if spec.Name == "beir" || spec.Name == "scifact" {
			corpusFormat = corpus.BEIR
		}
	}
	srcs, _, err := index.FileSources(corpusFiles, corpusFormat)
	if err != nil {
		return nil, err
	}
	d.Corpus = srcs
	if !d.IsBEIR() && len(d.Questions) == 0 {
		return nil, fmt.Errorf("%s has no questions in split %q", spec.Name, d.Split)
	}
	return d, nil
}

// Sample keeps n questions (or queries) chosen by seed; n <= 0 keeps all.
func (d *Dataset) Sample(n int, seed uint64) {
	if n <= 0 {
		return
	}
	if d.IsBEIR() {
		ids := make([]string, 0, len(d.Qrels))
		for id := range d.Qrels {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		shuffle(len(ids), seed, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		keep := map[string]map[string]int{}
		for _, id := range ids[:min(n, len(ids))] {
			keep[id] = d.Qrels[id]
		}
		d.Qrels = keep
		return
	}
	shuffle(len(d.Questions), seed, func(i, j int) { d.Questions[i], d.Questions[j] = d.Questions[j], d.Questions[i] })
	if n < len(d.Questions) {
		d.Questions = d.Questions[:n]
	}
}

// shuffle is a seeded Fisher-Yates shuffle, so samples are reproducible.
func shuffle(n int, seed uint64, swap func(i, j int)) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	rng.Shuffle(n, swap)
}
