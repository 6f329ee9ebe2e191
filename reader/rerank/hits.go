package rerank

// hits records which question terms each term of one passage is, exactly
// and counting WordNet relatives. Features and excerpts read these bits
// rather than each looking every passage term up again in the question's
// maps, which cost a quarter of re-ranking time on long passages.
type hits struct {
	exact []uint64 // per passage term: the question term it is
	soft  []uint64 // per passage term: the question terms it is or stands for
	// Per sentence, the union of its terms' bits; sentDef also counts
	// terms related through definitions, and def is its union.
	sentExact, sentSoft, sentDef []uint64
	def                          uint64
	title                        uint64 // question terms in the title
	titleSoft                    uint64 // and those its terms stand for
}

// hitsOf finds q's terms in d; q.local must have run over d's list.
func (q *query) hitsOf(d *doc) *hits {
	n := len(d.terms)
	ns := len(d.sentences)
	buf := make([]uint64, 2*n+3*ns)
	h := &hits{exact: buf[:n:n], soft: buf[n : 2*n : 2*n],
		sentExact: buf[2*n : 2*n+ns : 2*n+ns], sentSoft: buf[2*n+ns : 2*n+2*ns : 2*n+2*ns], sentDef: buf[2*n+2*ns:]}
	for i, t := range d.terms {
		b := q.bit[t]
		h.exact[i], h.soft[i] = b, b|q.soft[t]
	}
	if len(q.spans) > 0 {
		q.eachSpan(d.terms, func(i int, s span) {
			for k := range s.terms {
				h.soft[i+k] |= s.bits
			}
		})
	}
	// Sentences are consecutive runs of d.terms.
	off := 0
	for i, s := range d.sentences {
		var m, sm, dm uint64
		for k := off; k < off+len(s); k++ {
			m |= h.exact[k]
			sm |= h.soft[k]
			if len(q.def) > 0 {
				dm |= q.def[d.terms[k]]
			}
		}
		h.sentExact[i], h.sentSoft[i], h.sentDef[i] = m, sm, sm|dm
		h.def |= sm | dm
		off += len(s)
	}
	h.title = q.mask(d.title)
	h.titleSoft = h.title
	for _, t := range d.title {
		h.titleSoft |= q.soft[t]
	}
	q.eachSpan(d.title, func(_ int, s span) { h.titleSoft |= s.bits })
	return h
}

// eachSpan calls fn with each of q's spans that ts holds and where.
func (q *query) eachSpan(ts []string, fn func(i int, s span)) {
	for i, t := range ts {
		for _, s := range q.spans[t] {
			if hasAt(ts, i, s.terms) {
				fn(i, s)
			}
		}
	}
}

// all is the union of the bits of every passage term.
func all(bits []uint64) uint64 {
	var m uint64
	for _, b := range bits {
		m |= b
	}
	return m
}
