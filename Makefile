# Shoulders: `make run` to try it, `make test` to check it.

SHARED      ?= $(abspath ../shared/data)
BIN         := bin/shoulders
TOOLS       := $(abspath .build/bin)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
WEAVIATE    := github.com/weaviate/weaviate/cmd/weaviate-server@v1.35.2
ADDR        ?= 127.0.0.1:8080
DATA        ?= ./data

export SHOULDERS_SHARED_DATA := $(SHARED)

FUZZTIME    ?= 30s

.PHONY: build run test unit ui lint bench train tools weaviate clean fuzz load

build:
	go build -o $(BIN) ./cmd/shoulders

# Build, bring the index of the project's own docs in step with docs/, serve on :8080.
# The server starts Weaviate as its child process and stops it on exit.
run: build weaviate
	SHOULDERS_DATA_DIR=$(DATA) SHOULDERS_ADDR=$(ADDR) ./$(BIN) serve --seed docs

test: lint weaviate unit ui

# Unit and integration tests; the fuzz targets' seed corpora run here too,
# and the crash test drives the built binary.
unit: build
	SHOULDERS_WEAVIATE_BIN=$(TOOLS)/weaviate-server SHOULDERS_BIN=$(abspath $(BIN)) go test -count=1 -timeout 15m ./...

# Each fuzz target for FUZZTIME (go test fuzzes one target at a time).
fuzz:
	@for pkg in ./corpus ./index ./api ./reader ./reader/rerank; do \
	  for t in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; \
	    go test $$pkg -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

# The web UI end to end in headless Debian chromium (installed by .ci/run).
ui: build weaviate web/e2e/node_modules
	cd web/e2e && SHOULDERS_WEAVIATE_BIN=$(TOOLS)/weaviate-server node --test

web/e2e/node_modules: web/e2e/package-lock.json
	cd web/e2e && npm ci --no-audit --no-fund
	touch $@

# The pinned Weaviate server, built once from the Go module proxy (about
# three minutes) and cached in .build/bin.
weaviate: $(TOOLS)/weaviate-server

$(TOOLS)/weaviate-server:
	cd /tmp && GOBIN=$(TOOLS) go install $(WEAVIATE)

lint: tools
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	go vet ./...
	$(TOOLS)/staticcheck ./...

tools: $(TOOLS)/staticcheck

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) go install $(STATICCHECK)

# Every benchmark figure, refreshed into BENCHMARKS.md and bench/results.json.
bench: build weaviate
	./$(BIN) bench --shared $(SHARED) --out bench

# The shipped re-ranker, retrained from the QA-mix train split; the same
# data and seed give the same file, byte for byte.
train: build
	./$(BIN) --weaviate off --data-dir .build/train train-reranker --shared $(SHARED) --out models/reranker.json
	./$(BIN) --weaviate off --data-dir .build/train train-reranker --shared $(SHARED) --neural --out models/reranker-neural.json

# 32 clients for 60 s per scenario against a server on loopback (about
# four minutes); the table goes into BENCHMARKS.md.
load: build
	./$(BIN) --data-dir .build/load load --shared $(SHARED) --out bench --clients 32 --duration 60s

clean:
	rm -rf bin .build/tmp
