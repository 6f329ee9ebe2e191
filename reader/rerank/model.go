package rerank

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
)

// FormatVersion is the version of the model file; a file of another
// version is refused.
const FormatVersion = 1

// Model is a trained re-ranker: feature standardization, optional hashed
// word vectors for kernel pooling, and one-hidden-layer MLPs whose scores
// are averaged.
type Model struct {
	Version  int      `json:"format_version"`
	Features []string `json:"features"`
	// Neural says whether the kernel-pooling component is part of the model.
	Neural   bool      `json:"neural"`
	HashSize int       `json:"hash_size"`
	EmbDim   int       `json:"embedding_dim"`
	Kernels  []float64 `json:"kernel_mu"`
	Emb      []float64 `json:"embeddings,omitempty"`

	// Member is the first network; its fields stay at the top level of
	// the file.
	Member
	// Ensemble holds further networks trained with other seeds (and
	// held-out splits): averaging them steadies the ranking.
	Ensemble []Member `json:"ensemble,omitempty"`

	// Lexicon names the word relations the features used: "wordnet", or
	// empty for none.
	Lexicon string `json:"lexicon,omitempty"`

	// ExcerptRecall is how often, in training, an answer-bearing
	// passage's excerpts held the answer too: the two-sentence excerpt,
	// then the single sentence. Packing weighs an excerpt by it.
	ExcerptRecall []float64 `json:"excerpt_recall,omitempty"`

	Training TrainingSummary `json:"training"`

	k *knrm
}

// A Member is one network of the model with its own standardization.
type Member struct {
	Mean []float64 `json:"feature_mean"`
	// Std is 0 for features that were constant in training; they are
	// left out of the input.
	Std []float64 `json:"feature_std"`

	W1 [][]float64 `json:"w1"` // hidden × inputs
	B1 []float64   `json:"b1"`
	W2 []float64   `json:"w2"`
	B2 float64     `json:"b2"`
}

// TrainingSummary records how a model was made and how it measured.
type TrainingSummary struct {
	Data       string             `json:"data"`
	Retriever  string             `json:"retriever"`
	Questions  int                `json:"questions"`
	Candidates int                `json:"candidates_per_question"`
	Positives  float64            `json:"mean_positives"`
	Epochs     int                `json:"epochs"`
	BestEpoch  int                `json:"best_epoch"`
	Seed       uint64             `json:"seed"`
	Members    int                `json:"members,omitempty"`
	Dev        map[string]float64 `json:"heldout_metrics"`
}

func (m *Model) inputs() int {
	n := len(m.Features)
	if m.Neural {
		n += len(m.Kernels)
	}
	return n
}

// input assembles the standardized input vector of one candidate.
func (p *Member) input(f, kern []float64) []float64 {
	return p.appendInput(make([]float64, 0, len(f)+len(kern)), f, kern)
}

// appendInput appends the standardized input vector of one candidate to x.
func (p *Member) appendInput(x, f, kern []float64) []float64 {
	for i, v := range f {
		if p.Std[i] == 0 {
			// A feature that never varied in training carries no learned
			// weight: seen now (dense scores over hybrid candidates), it
			// must not feed noise into the score.
			x = append(x, 0)
			continue
		}
		x = append(x, (v-p.Mean[i])/p.Std[i])
	}
	return append(x, kern...)
}

// score runs the MLP on x; h receives the hidden activations when set.
func (p *Member) score(x []float64, h []float64) float64 {
	s := p.B2
	for j, w := range p.W1 {
		a := p.B1[j]
		for i, v := range x {
			a += w[i] * v
		}
		if a < 0 {
			a = 0
		}
		if h != nil {
			h[j] = a
		}
		s += p.W2[j] * a
	}
	return s
}

// Score is the model's score of a candidate with features f (and kernel
// pooling outputs kern when Neural): the mean over its networks.
func (m *Model) Score(f, kern []float64) float64 {
	// One buffer for every network's input, on the stack while it fits:
	// re-ranking scores a hundred candidates a question.
	var buf [128]float64
	s := m.score(m.appendInput(buf[:0], f, kern), nil)
	for i := range m.Ensemble {
		e := &m.Ensemble[i]
		s += e.score(e.appendInput(buf[:0], f, kern), nil)
	}
	return s / float64(1+len(m.Ensemble))
}

// Save writes the model as JSON.
func (m *Model) Save(path string) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Load reads a model and checks that this build can run it: same format
// version and the same feature list, in order.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("re-ranker model %s: %w", path, err)
	}
	if m.Version != FormatVersion {
		return nil, fmt.Errorf("re-ranker model %s has format version %d; this build reads version %d (retrain it with 'shoulders train-reranker')", path, m.Version, FormatVersion)
	}
	if strings.Join(m.Features, ",") != strings.Join(FeatureNames, ",") {
		return nil, fmt.Errorf("re-ranker model %s was trained on features [%s]; this build computes [%s] (retrain it)", path, strings.Join(m.Features, ","), strings.Join(FeatureNames, ","))
	}
	for _, p := range append([]Member{m.Member}, m.Ensemble...) {
		if len(p.Mean) != len(m.Features) || len(p.Std) != len(m.Features) || len(p.W1) == 0 || len(p.W1[0]) != m.inputs() ||
			len(p.W2) != len(p.W1) || len(p.B1) != len(p.W1) {
			return nil, fmt.Errorf("re-ranker model %s: weights do not match its declared shape", path)
		}
	}
	if m.Neural && (len(m.Emb) != m.HashSize*m.EmbDim || !sameFloats(m.Kernels, kernelMu)) {
		return nil, fmt.Errorf("re-ranker model %s: kernel component does not match this build", path)
	}
	m.init()
	return &m, nil
}

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

func (m *Model) init() {
	if m.Neural {
		m.k = &knrm{dim: m.EmbDim, emb: m.Emb}
	}
}

// LexiconWordNet marks a model trained with WordNet relatives.
const LexiconWordNet = "wordnet"

// New returns a re-ranker running m with the lexicon m was trained with,
// loaded now. When that lexicon cannot be loaded the re-ranker still
// works, without synonym matches and so weaker than measured, and the
// error says why: measuring commands refuse it.
func New(m *Model) (*Reranker, error) {
	r := &Reranker{Model: m}
	return r, r.loadLexicon()
}

// NewLazy is New for a server or a command that may never re-rank: the
// lexicon is loaded at the first question, and a failure to load it goes
// to warn, once.
func NewLazy(m *Model, warn func(error)) *Reranker {
	return &Reranker{Model: m, lazy: true, warn: warn}
}

// Warm loads what a lazy re-ranker would load at its first question (see
// ForStore.Warm); for others it does nothing.
func (r *Reranker) Warm() {
	if !r.lazy {
		return
	}
	r.lexOnce.Do(func() {
		if err := r.loadLexicon(); err != nil && r.warn != nil {
			r.warn(err)
		}
	})
}

func (r *Reranker) loadLexicon() error {
	if r.Model.Lexicon != LexiconWordNet || r.Lexicon != nil {
		return nil
	}
	lex, err := WordNet()
	if err != nil {
		return fmt.Errorf("re-ranker without synonym features: %w", err)
	}
	r.Lexicon = lex
	return nil
}

// DefaultModelPath is where the shipped model lives in the repository.
const DefaultModelPath = "models/reranker.json"
