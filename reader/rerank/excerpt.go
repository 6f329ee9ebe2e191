package rerank

// excerptWidth is how many sentences the longer excerpt keeps.
const excerptWidth = 2

// excerpts returns the parts of d that best answer q, longest first: its
// best sentence by the question terms it holds (WordNet relatives count,
// and the title's terms stand in for the sentence's pronouns) with the
// neighbour holding more of them, then that sentence alone. Excerpts as
// long as the passage are left out; there are none when no sentence holds
// a question term.
func excerpts(q *query, d *doc) []string {
	n := len(d.sentences)
	if n < 2 || q.lidfSum == 0 {
		return nil
	}
	title := q.mask(d.title)
	w := make([]float64, n)
	best, bi := 0.0, -1
	for i, s := range d.sentences {
		m := q.softMask(s)
		w[i] = q.weight(m, q.lidf)
		if v := q.weight(m|title, q.lidf); v > best {
			best, bi = v, i
		}
	}
	if bi < 0 {
		return nil
	}
	var out []string
	if n > excerptWidth {
		lo, hi := bi, bi
		for hi-lo+1 < excerptWidth {
			next, prev := -1.0, -1.0
			if hi+1 < n {
				next = w[hi+1]
			}
			if lo > 0 {
				prev = w[lo-1]
			}
			if prev > next {
				lo--
			} else {
				hi++
			}
		}
		out = append(out, d.text[d.spans[lo].Start:d.spans[hi].End])
	}
	return append(out, d.sentence(bi))
}
