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
// word vectors for kernel pooling, and a one-hidden-layer MLP.
type Model struct {
	Version  int      `json:"format_version"`
	Features []string `json:"features"`
	// Neural says whether the kernel-pooling component is part of the model.
	Neural   bool      `json:"neural"`
	HashSize int       `json:"hash_size"`
	EmbDim   int       `json:"embedding_dim"`
	Kernels  []float64 `json:"kernel_mu"`
	Mean     []float64 `json:"feature_mean"`
	// Std is 0 for features that were constant in training; they are
	// left out of the input.
	Std []float64 `json:"feature_std"`
	Emb []float64 `json:"embeddings,omitempty"`

	W1 [][]float64 `json:"w1"` // hidden × inputs
	B1 []float64   `json:"b1"`
	W2 []float64   `json:"w2"`
	B2 float64     `json:"b2"`

	Training TrainingSummary `json:"training"`

	k *knrm
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
func (m *Model) input(f, kern []float64) []float64 {
	x := make([]float64, 0, m.inputs())
	for i, v := range f {
		if m.Std[i] == 0 {
			// A feature that never varied in training carries no learned
			// weight: seen now (dense scores over hybrid candidates), it
			// must not feed noise into the score.
			x = append(x, 0)
			continue
		}
		x = append(x, (v-m.Mean[i])/m.Std[i])
	}
	if m.Neural {
		x = append(x, kern...)
	}
	return x
}

// score runs the MLP on x; h receives the hidden activations when set.
func (m *Model) score(x []float64, h []float64) float64 {
	s := m.B2
	for j, w := range m.W1 {
		a := m.B1[j]
		for i, v := range x {
			a += w[i] * v
		}
		if a < 0 {
			a = 0
		}
		if h != nil {
			h[j] = a
		}
		s += m.W2[j] * a
	}
	return s
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
	if len(m.Mean) != len(m.Features) || len(m.Std) != len(m.Features) || len(m.W1) == 0 || len(m.W1[0]) != m.inputs() || len(m.W2) != len(m.W1) {
		return nil, fmt.Errorf("re-ranker model %s: weights do not match its declared shape", path)
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

// DefaultModelPath is where the shipped model lives in the repository.
const DefaultModelPath = "models/reranker.json"
