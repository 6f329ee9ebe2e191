package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/shoulders-qa/shoulders/index"
	"github.com/shoulders-qa/shoulders/reader"
)

// Metrics are the Prometheus series of one server. Each server has its
// own registry, so that several can run in one process (tests).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	stages   *prometheus.HistogramVec
	lmTokens *prometheus.CounterVec
	lmErrors *prometheus.CounterVec
	degraded *prometheus.CounterVec
}

// NewMetrics registers the series, with index sizes read from store and
// vector sync state from synced (nil when off) at scrape time.
func NewMetrics(store *index.Store, synced *index.Synced) *Metrics {
	buckets := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoulders_http_requests_total",
			Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shoulders_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: buckets}, []string{"route", "method"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "shoulders_stage_duration_seconds",
			Help: "Pipeline stage latency: retrieve, rerank, pack, lm.", Buckets: buckets}, []string{"stage"}),
		lmTokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoulders_lm_tokens_total",
			Help: "LM tokens as the LM server reports them, by kind (prompt, completion)."}, []string{"kind"}),
		lmErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoulders_lm_errors_total",
			Help: "LM failures by code."}, []string{"code"}),
		degraded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "shoulders_degraded_responses_total",
			Help: "Responses answered without a failed part (dense: from BM25 alone), by retrieval mode and part."}, []string{"mode", "part"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.stages, m.lmTokens, m.lmErrors, m.degraded,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		indexCollector{store, synced})
	return m
}

func (m *Metrics) handler() gin.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}

// Degraded counts a degraded retrieval; it fits reader.Reader.OnDegraded.
func (m *Metrics) Degraded(mode string, parts []string) {
	for _, p := range parts {
		m.degraded.WithLabelValues(mode, p).Inc()
	}
}

// answered records the stages and LM tokens of an answer.
func (m *Metrics) answered(a *reader.Answer) {
	if m == nil || a == nil {
		return
	}
	m.stage("retrieve", a.Timing.RetrieveMS)
	if a.Reranked {
		m.stage("rerank", a.Timing.RerankMS)
	}
	m.stage("pack", a.Timing.PackMS)
	if a.Timing.LMMS > 0 {
		m.stage("lm", a.Timing.LMMS)
	}
	if a.LMError != nil {
		m.lmErrors.WithLabelValues(a.LMError.Code).Inc()
	}
	m.lmTokens.WithLabelValues("prompt").Add(float64(a.Tokens.Prompt))
	m.lmTokens.WithLabelValues("completion").Add(float64(a.Tokens.Completion))
}

func (m *Metrics) stage(name string, ms float64) {
	if m != nil {
		m.stages.WithLabelValues(name).Observe(ms / 1000)
	}
}

// failed counts LM failures among request errors.
func (m *Metrics) failed(err error) {
	var le *reader.LMError
	if m != nil && errors.As(err, &le) {
		m.lmErrors.WithLabelValues(le.Code).Inc()
	}
}

// measure times every request under its route pattern (not its path, so
// document IDs do not make new series).
func (s *Server) measure() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.Metrics == nil {
			c.Next()
			return
		}
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.Metrics.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
		s.Metrics.duration.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
	}
}

// indexCollector reports collection sizes when scraped.
type indexCollector struct {
	store  *index.Store
	synced *index.Synced
}

var (
	passagesDesc = prometheus.NewDesc("shoulders_index_passages", "Passages in a collection's Bleve index.", []string{"collection"}, nil)
	bytesDesc    = prometheus.NewDesc("shoulders_index_bytes", "Bytes a collection's Bleve index takes on disk.", []string{"collection"}, nil)
	pendingDesc  = prometheus.NewDesc("shoulders_vectors_in_step", "1 when a collection's vector index holds exactly its passages, 0 while writes are pending.", []string{"collection"}, nil)
)

func (ic indexCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- passagesDesc
	ch <- bytesDesc
	ch <- pendingDesc
}

func (ic indexCollector) Collect(ch chan<- prometheus.Metric) {
	if ic.store == nil {
		return
	}
	names, err := ic.store.Collections()
	if err != nil {
		return
	}
	for _, n := range names {
		if c, err := ic.store.Collection(n, false); err == nil {
			if count, err := c.PassageCount(); err == nil {
				ch <- prometheus.MustNewConstMetric(passagesDesc, prometheus.GaugeValue, float64(count), n)
			}
		}
		if size, err := ic.store.SizeOnDisk(n); err == nil {
			ch <- prometheus.MustNewConstMetric(bytesDesc, prometheus.GaugeValue, float64(size), n)
		}
	}
	if ic.synced != nil {
		for n, st := range ic.synced.Status() {
			v := 0.0
			if st.InSync {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, v, n)
		}
	}
}
