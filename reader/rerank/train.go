package rerank

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"

	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/retriever"
)

// A List is one training question with its candidates, analyzed: the
// unit of listwise training.
type List struct {
	feats [][]float64
	bags  []bag
	q     []int
	pos   []bool
	// excerpts counts, over the relevant candidates, the two-sentence
	// and one-sentence excerpts made and how many held the answer.
	excerpts [4]int
}

// Positives counts the list's answer-bearing candidates.
func (l *List) Positives() int {
	n := 0
	for _, p := range l.pos {
		if p {
			n++
		}
	}
	return n
}

// An Example is a question, its candidates, and which of them are
// relevant (by answer match or given passage IDs).
type Example struct {
	Question   string
	Collection string
	Candidates []retriever.Candidate
	Relevant   []bool
	// Holds, when the answers are known, says whether a text holds one:
	// training then measures how often excerpts keep the answer.
	Holds func(text string) bool
}

// BuildLists analyzes examples into training lists, in parallel. Lists
// without any relevant candidate teach nothing and are left out.
func BuildLists(ctx context.Context, stats func(collection string) (Stats, error), ex []Example, lex *Lexicon, hashSize int, progress func(done int)) ([]List, error) {
	out := make([]List, len(ex))
	keep := make([]bool, len(ex))
	var mu sync.Mutex
	var firstErr error
	done := 0
	jobs := make(chan int)
	var wg sync.WaitGroup
	cache := &Reranker{Lexicon: lex}
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				e := ex[i]
				l, err := buildList(ctx, cache, stats, e, hashSize)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out[i], keep[i] = l, err == nil && l.Positives() > 0
				done++
				if progress != nil {
					progress(done)
				}
				mu.Unlock()
			}
		}()
	}
	for i := range ex {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	var lists []List
	for i, k := range keep {
		if k {
			lists = append(lists, out[i])
		}
	}
	return lists, nil
}

func buildList(ctx context.Context, cache *Reranker, stats func(string) (Stats, error), e Example, hashSize int) (List, error) {
	st, err := stats(e.Collection)
	if err != nil {
		return List{}, err
	}
	qterms := index.Terms(e.Question)
	df, n, err := st.DocFreqs(ctx, qterms)
	if err != nil {
		return List{}, err
	}
	q := newQuery(e.Question, qterms, idfFunc(df, n), cache.Lexicon)
	l := List{q: hashTerms(q.terms, hashSize), pos: e.Relevant}
	docs := make([]*doc, len(e.Candidates))
	for i, c := range e.Candidates {
		docs[i] = cache.analyzed(e.Collection+"\x00"+c.Passage.ID, c.Passage)
		l.bags = append(l.bags, newBag(docs[i].terms, hashSize, bagLimit))
	}
	var hs []*hits
	l.feats, hs = listFeatures(q, docs, e.Candidates)
	if e.Holds != nil {
		for i, rel := range e.Relevant {
			if !rel {
				continue
			}
			ex := excerpts(q, docs[i], hs[i])
			for k, x := range ex {
				slot := 2 * excerptKind(k, len(ex))
				l.excerpts[slot]++
				if e.Holds(x) {
					l.excerpts[slot+1]++
				}
			}
		}
	}
	return l, nil
}

// TrainConfig sets the model's shape and the optimization.
type TrainConfig struct {
	Neural   bool
	Hidden   int     // hidden units (default 32)
	HashSize int     // hashed vocabulary (default 32768)
	EmbDim   int     // word vector size (default 16)
	Epochs   int     // at most (default 12)
	Patience int     // epochs without held-out improvement before stopping (default 3)
	LR       float64 // Adam step for the MLP (default 0.001)
	EmbLR    float64 // Adam step for word vectors (default 0.002)
	HeldOut  float64 // share of lists kept for early stopping (default 0.1)
	// Members is how many networks to train, each with the next seed (and
	// so its own held-out share), for the model to average (default 1;
	// kernel pooling trains one).
	Members  int
	Seed     uint64
	Progress func(epoch, done, total int, loss float64)
}

func (c *TrainConfig) defaults() {
	if c.Hidden <= 0 {
		c.Hidden = 32
	}
	if c.HashSize <= 0 {
		c.HashSize = 1 << 15
	}
	if c.EmbDim <= 0 {
		c.EmbDim = 16
	}
	if c.Epochs <= 0 {
		c.Epochs = 12
	}
	if c.Patience <= 0 {
		c.Patience = 3
	}
	if c.LR <= 0 {
		c.LR = 0.001
	}
	if c.EmbLR <= 0 {
		c.EmbLR = 0.002
	}
	if c.HeldOut <= 0 || c.HeldOut >= 1 {
		c.HeldOut = 0.1
	}
	if c.Members <= 0 || c.Neural {
		c.Members = 1
	}
}

// adam is one parameter vector's optimizer state.
type adam struct{ m, v []float64 }

func newAdam(n int) *adam { return &adam{make([]float64, n), make([]float64, n)} }

const beta1, beta2, eps = 0.9, 0.999, 1e-8

func (a *adam) step(p, g []float64, off int, lr float64, t int) {
	c1 := 1 - math.Pow(beta1, float64(t))
	c2 := 1 - math.Pow(beta2, float64(t))
	for i, gi := range g {
		j := off + i
		a.m[j] = beta1*a.m[j] + (1-beta1)*gi
		a.v[j] = beta2*a.v[j] + (1-beta2)*gi*gi
		p[i] -= lr * (a.m[j] / c1) / (math.Sqrt(a.v[j]/c2) + eps)
	}
}

// Train fits a model on lists, listwise: the loss of a list is minus the
// log of the softmax probability mass on its relevant candidates. The
// held-out lists (a seeded share) choose the epoch whose weights are kept.
// Training is single-threaded, so a seed gives the same model bit for bit.
func Train(lists []List, cfg TrainConfig) (*Model, error) {
	cfg.defaults()
	if len(lists) < 10 {
		return nil, fmt.Errorf("need at least 10 questions with a relevant candidate, have %d", len(lists))
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0xda942042e4dd58b5))
	order := rng.Perm(len(lists))
	nHeld := max(1, int(float64(len(lists))*cfg.HeldOut))
	held, train := order[:nHeld], order[nHeld:]

	m := &Model{Version: FormatVersion, Features: FeatureNames, Neural: cfg.Neural, HashSize: cfg.HashSize, EmbDim: cfg.EmbDim,
		Kernels: append([]float64(nil), kernelMu...)}
	m.Mean, m.Std = standardization(lists, train)
	if cfg.Neural {
		m.Emb = make([]float64, cfg.HashSize*cfg.EmbDim)
		for i := range m.Emb {
			m.Emb[i] = rng.NormFloat64()
		}
	} else {
		m.HashSize, m.EmbDim = 0, 0
	}
	m.init()
	in := m.inputs()
	m.W1 = make([][]float64, cfg.Hidden)
	for j := range m.W1 {
		m.W1[j] = make([]float64, in)
		for i := range m.W1[j] {
			m.W1[j][i] = rng.NormFloat64() * math.Sqrt(2/float64(in))
		}
	}
	m.B1 = make([]float64, cfg.Hidden)
	m.W2 = make([]float64, cfg.Hidden)
	for j := range m.W2 {
		m.W2[j] = rng.NormFloat64() * math.Sqrt(1/float64(cfg.Hidden))
	}

	opt := newAdam(cfg.Hidden*in + 2*cfg.Hidden + 1)
	var embOpt *adam
	var embT []int
	if cfg.Neural {
		embOpt = newAdam(len(m.Emb))
		embT = make([]int, cfg.HashSize)
	}
	best := evaluate(m, lists, held)
	bestModel := m.clone()
	bestEpoch, stale := 0, 0
	t := 0
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
		total := 0.0
		for n, li := range train {
			t++
			loss := m.trainStep(&lists[li], opt, embOpt, embT, cfg, t)
			total += loss
			if cfg.Progress != nil && (n%200 == 0 || n == len(train)-1) {
				cfg.Progress(epoch, n+1, len(train), total/float64(n+1))
			}
		}
		got := evaluate(m, lists, held)
		if better(got, best) {
			best, bestModel, bestEpoch, stale = got, m.clone(), epoch, 0
		} else if stale++; stale >= cfg.Patience {
			break
		}
	}
	// No wall-clock time in the file: a seed must give the same bytes.
	bestModel.Training = TrainingSummary{Questions: len(lists), Epochs: cfg.Epochs, BestEpoch: bestEpoch, Seed: cfg.Seed,
		Members: cfg.Members, Dev: best}
	for i := 1; i < cfg.Members; i++ {
		c := cfg
		c.Seed, c.Members = cfg.Seed+uint64(i), 1
		mi, err := Train(lists, c)
		if err != nil {
			return nil, err
		}
		bestModel.Ensemble = append(bestModel.Ensemble, mi.Member)
	}
	bestModel.ExcerptRecall = excerptRecall(lists)
	return bestModel, nil
}

// excerptRecall measures, over lists whose answers were known, the share
// of answer-bearing passages whose excerpts kept the answer; nil when
// nothing was measured.
func excerptRecall(lists []List) []float64 {
	var n [4]int
	for i := range lists {
		for k, v := range lists[i].excerpts {
			n[k] += v
		}
	}
	if n[0] == 0 || n[2] == 0 {
		return nil
	}
	return []float64{round4(float64(n[1]) / float64(n[0])), round4(float64(n[3]) / float64(n[2]))}
}

func (m *Model) clone() *Model {
	c := *m
	c.W1 = make([][]float64, len(m.W1))
	for j := range m.W1 {
		c.W1[j] = append([]float64(nil), m.W1[j]...)
	}
	c.B1 = append([]float64(nil), m.B1...)
	c.W2 = append([]float64(nil), m.W2...)
	if m.Emb != nil {
		c.Emb = append([]float64(nil), m.Emb...)
	}
	c.init()
	return &c
}

// standardization computes per-feature mean and standard deviation over
// the training lists' candidates.
func standardization(lists []List, idx []int) (mean, std []float64) {
	nf := len(FeatureNames)
	mean, std = make([]float64, nf), make([]float64, nf)
	n := 0.0
	for _, li := range idx {
		for _, f := range lists[li].feats {
			for i, v := range f {
				mean[i] += v
			}
			n++
		}
	}
	for i := range mean {
		mean[i] /= n
	}
	for _, li := range idx {
		for _, f := range lists[li].feats {
			for i, v := range f {
				std[i] += (v - mean[i]) * (v - mean[i])
			}
		}
	}
	for i := range std {
		std[i] = math.Sqrt(std[i] / n)
		if std[i] < 1e-9 {
			// Constant in training (dense features over BM25-only
			// candidates): the model cannot have learned anything from it.
			std[i] = 0
		} else {
			std[i] += 1e-6
		}
	}
	return mean, std
}

// trainStep runs forward and backward on one list and updates the weights.
func (m *Model) trainStep(l *List, opt, embOpt *adam, embT []int, cfg TrainConfig, t int) float64 {
	n := len(l.feats)
	xs := make([][]float64, n)
	hs := make([][]float64, n)
	traces := make([]knrmTrace, n)
	scores := make([]float64, n)
	for i := range l.feats {
		var kern []float64
		if m.Neural {
			kern = m.k.forward(l.q, l.bags[i], &traces[i])
		}
		xs[i] = m.input(l.feats[i], kern)
		hs[i] = make([]float64, len(m.W1))
		scores[i] = m.score(xs[i], hs[i])
	}
	// Softmax over the list; loss = -log P(relevant).
	mx := scores[0]
	for _, s := range scores {
		mx = math.Max(mx, s)
	}
	p := make([]float64, n)
	z, zpos := 0.0, 0.0
	for i, s := range scores {
		p[i] = math.Exp(s - mx)
		z += p[i]
		if l.pos[i] {
			zpos += p[i]
		}
	}
	loss := -math.Log(zpos / z)
	hidden, in := len(m.W1), len(xs[0])
	gW1 := make([]float64, hidden*in)
	gB1 := make([]float64, hidden)
	gW2 := make([]float64, hidden)
	gB2 := 0.0
	embGrad := map[int][]float64{}
	for i := 0; i < n; i++ {
		ds := p[i] / z
		if l.pos[i] {
			ds -= p[i] / zpos
		}
		if ds == 0 {
			continue
		}
		gB2 += ds
		var dx []float64
		if m.Neural {
			dx = make([]float64, in)
		}
		for j := 0; j < hidden; j++ {
			gW2[j] += ds * hs[i][j]
			if hs[i][j] <= 0 {
				continue
			}
			dh := ds * m.W2[j]
			gB1[j] += dh
			row := gW1[j*in : (j+1)*in]
			for k, v := range xs[i] {
				row[k] += dh * v
			}
			if dx != nil {
				for k, w := range m.W1[j] {
					dx[k] += dh * w
				}
			}
		}
		if m.Neural {
			m.k.backward(&traces[i], dx[len(m.Features):], embGrad)
		}
	}
	off := 0
	for j := range m.W1 {
		opt.step(m.W1[j], gW1[j*in:(j+1)*in], off, cfg.LR, t)
		off += in
	}
	opt.step(m.B1, gB1, off, cfg.LR, t)
	off += hidden
	opt.step(m.W2, gW2, off, cfg.LR, t)
	off += hidden
	b2 := []float64{m.B2}
	opt.step(b2, []float64{gB2}, off, cfg.LR, t)
	m.B2 = b2[0]
	if m.Neural {
		// Lazy Adam: only the rows this list touched move, each with its
		// own step count. Rows are visited in order for determinism.
		rows := make([]int, 0, len(embGrad))
		for r := range embGrad {
			rows = append(rows, r)
		}
		sort.Ints(rows)
		for _, r := range rows {
			embT[r]++
			d := m.EmbDim
			embOpt.step(m.Emb[r*d:(r+1)*d], embGrad[r], r*d, cfg.EmbLR, embT[r])
		}
	}
	return loss
}

// better orders held-out results: top-1 first, then MRR, then the loss,
// which keeps improving after the ranking metrics saturate.
func better(a, b map[string]float64) bool {
	if a["top1"] != b["top1"] {
		return a["top1"] > b["top1"]
	}
	if a["mrr"] != b["mrr"] {
		return a["mrr"] > b["mrr"]
	}
	return a["loss"] < b["loss"]
}

// evaluate measures top-1 accuracy, MRR and the mean loss over the given lists.
func evaluate(m *Model, lists []List, idx []int) map[string]float64 {
	top1, mrr, loss := 0.0, 0.0, 0.0
	for _, li := range idx {
		if r := m.firstRelevant(&lists[li]); r > 0 {
			if r == 1 {
				top1++
			}
			mrr += 1 / float64(r)
		}
		loss += m.listLoss(&lists[li])
	}
	n := float64(len(idx))
	return map[string]float64{"top1": round4(100 * top1 / n), "mrr": round4(mrr / n), "loss": round4(loss / n), "questions": n}
}

// firstRelevant is the 1-based rank at which the whole model (every
// network averaged, as in serving) puts l's first relevant candidate, or
// 0 when l has none.
func (m *Model) firstRelevant(l *List) int {
	scores := make([]float64, len(l.feats))
	for i := range l.feats {
		var kern []float64
		if m.Neural {
			kern = m.k.forward(l.q, l.bags[i], nil)
		}
		scores[i] = m.Score(l.feats[i], kern)
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	for r, i := range order {
		if l.pos[i] {
			return r + 1
		}
	}
	return 0
}

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// listLoss is the listwise loss of one list under the current weights.
func (m *Model) listLoss(l *List) float64 {
	mx := math.Inf(-1)
	scores := make([]float64, len(l.feats))
	for i := range l.feats {
		var kern []float64
		if m.Neural {
			kern = m.k.forward(l.q, l.bags[i], nil)
		}
		scores[i] = m.score(m.input(l.feats[i], kern), nil)
		mx = math.Max(mx, scores[i])
	}
	z, zpos := 0.0, 0.0
	for i, s := range scores {
		e := math.Exp(s - mx)
		z += e
		if l.pos[i] {
			zpos += e
		}
	}
	return -math.Log(zpos / z)
}
