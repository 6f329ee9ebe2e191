package rerank

import (
	"bufio"
	"fmt"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/shoulders-qa/shoulders/index"
)

// A Lexicon relates analyzed terms to the analyzed terms of words with
// the same or a derived meaning, from WordNet: the synonyms of a word's
// most frequent senses and its derivationally related forms ("built" and
// "construction", "founded" and "established"), and the phrases among
// those synonyms ("last name" and "surname"). It lets a question match a
// passage that says the same thing in other words.
type Lexicon struct {
	// Relations are held as indexes into names, each term spelled once:
	// half a million strings would each be a pointer for the garbage collector
	// to trace in every cycle, while re-ranking allocates fast enough to
	// run one every few dozen questions.
	names []string
	rel   map[string][]int32
	// defs relates a term to the terms of its definition and to the
	// terms whose definition uses it, synonyms left out.
	defs map[string][]int32
	// phrases relates term sequences of which one has several terms
	// ("last name" and "surname", "uk" and "united kingdom"), by the
	// first term of the side a question holds.
	phrases map[string][]phrase
}

// A phrase relates the analyzed terms from, as a question holds them in
// order, to the terms to, as a passage would.
type phrase struct{ from, to []string }

// Phrases returns the relations whose question side starts with t.
func (l *Lexicon) Phrases(t string) []phrase {
	if l == nil {
		return nil
	}
	return l.phrases[t]
}

// Related returns the terms related to t, without t itself.
func (l *Lexicon) Related(t string) iter.Seq[string] {
	if l == nil {
		return l.each(nil)
	}
	return l.each(l.rel[t])
}

// Defined returns the terms related to t through WordNet's definitions:
// those of the definition of t's most frequent sense ("surgeon": "a
// physician who specializes in surgery"), and the words whose
// definition uses t. They relate more
// loosely than Related, and the re-ranker counts them apart.
func (l *Lexicon) Defined(t string) iter.Seq[string] {
	if l == nil {
		return l.each(nil)
	}
	return l.each(l.defs[t])
}

// each yields the names of ids, in order.
func (l *Lexicon) each(ids []int32) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, id := range ids {
			if !yield(l.names[id]) {
				return
			}
		}
	}
}

// intern returns the indexes of ts in l.names, adding those missing.
func (l *Lexicon) intern(ids map[string]int32, ts []string) []int32 {
	out := make([]int32, len(ts))
	for i, t := range ts {
		id, ok := ids[t]
		if !ok {
			id = int32(len(l.names))
			ids[t] = id
			l.names = append(l.names, t)
		}
		out[i] = id
	}
	return out
}

// defMaxUses is how many definitions a term may appear in and still
// relate words: "act", "person" or "make" define thousands of words and
// would relate them all.
const defMaxUses = 100

// Size is the number of terms with relations.
func (l *Lexicon) Size() int { return len(l.rel) }

// wordnetSenses is how many of a word's senses, most frequent first,
// contribute synonyms: rarer senses mostly add noise ("bank" the tilt).
const wordnetSenses = 2

// DefaultWordNetDir is where Debian's wordnet-base package puts the
// WordNet 3.0 database.
const DefaultWordNetDir = "/usr/share/wordnet"

type synset struct {
	words  []string
	derivs []pointer
	def    string // the definition, without its examples
}

type pointer struct {
	pos      byte
	offset   int64
	src, dst int // 1-based word numbers; src 0 means the whole synset
}

// LoadWordNet reads a WordNet 3.0 database (index.*, data.* and *.exc
// files) from dir.
func LoadWordNet(dir string) (*Lexicon, error) {
	poses := []struct {
		name string
		pos  byte
	}{{"noun", 'n'}, {"verb", 'v'}, {"adj", 'a'}, {"adv", 'r'}}
	synsets := map[byte]map[int64]*synset{}
	for _, p := range poses {
		m, err := readData(filepath.Join(dir, "data."+p.name))
		if err != nil {
			return nil, err
		}
		synsets[p.pos] = m
	}
	stems := map[string]string{}
	stem := func(w string) string {
		if s, ok := stems[w]; ok {
			return s
		}
		s := ""
		if ts := index.TermsOnce(w); len(ts) == 1 {
			s = ts[0]
		}
		stems[w] = s
		return s
	}
	rel := map[string]map[string]bool{}
	add := func(from, to string) {
		a, b := stem(from), stem(to)
		if a == "" || b == "" || a == b {
			return
		}
		if rel[a] == nil {
			rel[a] = map[string]bool{}
		}
		rel[a][b] = true
	}
	phrases := map[string][]phrase{}
	seen := map[string]bool{}
	terms := map[string][]string{}
	addPhrase := func(from, to string) {
		for _, w := range []string{from, to} {
			if _, ok := terms[w]; !ok {
				terms[w] = index.TermsOnce(w)
			}
		}
		f, t := terms[from], terms[to]
		// Single terms relate through rel; a side whose terms the other
		// holds ("natural gas" and "gas") would count a match the
		// passage does not make.
		if len(f) == 0 || len(t) == 0 || len(f) == 1 && len(t) == 1 || within(f, t) || within(t, f) {
			return
		}
		if k := strings.Join(f, " ") + "|" + strings.Join(t, " "); !seen[k] {
			seen[k] = true
			phrases[f[0]] = append(phrases[f[0]], phrase{from: f, to: t})
		}
	}
	related := map[string][]string{} // lemma -> related words, for exceptions
	defs := newDefinitions()
	for _, p := range poses {
		err := eachLine(filepath.Join(dir, "index."+p.name), func(line string) error {
			f := strings.Fields(line)
			if len(f) < 6 || strings.HasPrefix(line, "  ") {
				return nil // license header
			}
			lemma := f[0]
			multi := strings.Contains(lemma, "_")
			nptr, err := strconv.Atoi(f[3])
			if err != nil || len(f) < 6+nptr {
				return fmt.Errorf("index.%s: bad line %q", p.name, line)
			}
			offs := f[6+nptr:]
			for i, o := range offs {
				if i >= wordnetSenses {
					break
				}
				off, err := strconv.ParseInt(o, 10, 64)
				if err != nil {
					return fmt.Errorf("index.%s: bad offset in %q", p.name, line)
				}
				ss := synsets[p.pos][off]
				if ss == nil {
					continue
				}
				if multi {
					name := strings.ReplaceAll(lemma, "_", " ")
					for _, w := range ss.words {
						if w != name {
							addPhrase(name, w)
						}
					}
					continue
				}
				if i == 0 {
					defs.add(lemma, ss.def)
				}
				self := 0
				for j, w := range ss.words {
					if strings.Contains(w, " ") {
						addPhrase(lemma, w)
					} else if w == lemma {
						self = j + 1
					} else {
						add(lemma, w)
						related[lemma] = append(related[lemma], w)
					}
				}
				for _, d := range ss.derivs {
					if d.src != 0 && d.src != self {
						continue
					}
					if t := synsets[d.pos][d.offset]; t != nil && d.dst >= 1 && d.dst <= len(t.words) {
						if w := t.words[d.dst-1]; !strings.Contains(w, " ") {
							add(lemma, w)
							related[lemma] = append(related[lemma], w)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Irregular forms ("built", "mice") share their base form's relations
	// and relate to the base itself.
	for _, p := range poses {
		err := eachLine(filepath.Join(dir, p.name+".exc"), func(line string) error {
			f := strings.Fields(line)
			if len(f) < 2 || strings.Contains(f[0], "_") {
				return nil
			}
			for _, base := range f[1:] {
				add(f[0], base)
				for _, w := range related[base] {
					add(f[0], w)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	lex := &Lexicon{rel: make(map[string][]int32, len(rel)), phrases: phrases}
	ids := map[string]int32{}
	// Sorted terms, so that names and every list come out the same on
	// every load.
	for _, t := range slices.Sorted(maps.Keys(rel)) {
		lex.rel[t] = lex.intern(ids, slices.Sorted(maps.Keys(rel[t])))
	}
	byDef := defs.relations(stem, rel)
	lex.defs = make(map[string][]int32, len(byDef))
	for _, t := range slices.Sorted(maps.Keys(byDef)) {
		lex.defs[t] = lex.intern(ids, byDef[t])
	}
	lex.names = slices.Clip(lex.names)
	return lex, nil
}

// within says whether every term of a is among b's.
func within(a, b []string) bool {
	for _, t := range a {
		if !slices.Contains(b, t) {
			return false
		}
	}
	return true
}

// readData parses a data.* file into synsets by byte offset.
func readData(path string) (map[int64]*synset, error) {
	out := map[int64]*synset{}
	err := eachLine(path, func(line string) error {
		if strings.HasPrefix(line, "  ") {
			return nil // license header
		}
		def := ""
		if i := strings.Index(line, " | "); i >= 0 {
			// The gloss: a definition, then examples after ';' or in quotes.
			def = line[i+3:]
			if j := strings.IndexAny(def, ";\""); j >= 0 {
				def = def[:j]
			}
			line = line[:i]
		}
		f := strings.Fields(line)
		bad := fmt.Errorf("%s: bad synset line %.60q", path, line)
		if len(f) < 4 {
			return bad
		}
		off, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return bad
		}
		n, err := strconv.ParseInt(f[3], 16, 32)
		if err != nil || len(f) < 5+2*int(n) {
			return bad
		}
		ss := &synset{def: strings.TrimSpace(def)}
		for i := 0; i < int(n); i++ {
			w := strings.ToLower(f[4+2*i])
			if j := strings.IndexByte(w, '('); j > 0 {
				w = w[:j] // adjective markers: "galore(ip)"
			}
			ss.words = append(ss.words, strings.ReplaceAll(w, "_", " "))
		}
		k := 4 + 2*int(n)
		np, err := strconv.Atoi(f[k])
		if err != nil || len(f) < k+1+4*np {
			return bad
		}
		for i := 0; i < np; i++ {
			p := f[k+1+4*i : k+5+4*i]
			if p[0] != "+" {
				continue
			}
			o, err1 := strconv.ParseInt(p[1], 10, 64)
			st, err2 := strconv.ParseUint(p[3], 16, 16)
			if err1 != nil || err2 != nil || p[2] == "" {
				return bad
			}
			pos := p[2][0]
			if pos == 's' {
				pos = 'a' // satellite adjectives live in data.adj
			}
			ss.derivs = append(ss.derivs, pointer{pos: pos, offset: o, src: int(st >> 8), dst: int(st & 0xff)})
		}
		out[off] = ss
		return nil
	})
	return out, err
}

func eachLine(path string, fn func(string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("WordNet: %w (install Debian's wordnet-base, or set SHOULDERS_WORDNET to its folder)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if err := fn(sc.Text()); err != nil {
			return err
		}
	}
	return sc.Err()
}

var (
	lexOnce sync.Once
	lex     *Lexicon
	lexErr  error
)

// WordNet returns the lexicon of the WordNet database at SHOULDERS_WORDNET,
// else DefaultWordNetDir, loaded once per process.
func WordNet() (*Lexicon, error) {
	lexOnce.Do(func() {
		dir := os.Getenv("SHOULDERS_WORDNET")
		if dir == "" {
			dir = DefaultWordNetDir
		}
		lex, lexErr = LoadWordNet(dir)
	})
	return lex, lexErr
}
