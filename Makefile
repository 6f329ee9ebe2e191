# Shoulders: `make run` to try it, `make test` to check it.

SHARED      ?= $(abspath ../shared/data)
BIN         := bin/shoulders
TOOLS       := $(abspath .build/bin)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ADDR        ?= 127.0.0.1:8080
DATA        ?= ./data

export SHOULDERS_SHARED_DATA := $(SHARED)

.PHONY: build run test unit lint bench tools clean

build:
	go build -o $(BIN) ./cmd/shoulders

# Build, index the project's own docs into an empty index, serve on :8080.
run: build
	SHOULDERS_DATA_DIR=$(DATA) SHOULDERS_ADDR=$(ADDR) ./$(BIN) serve --seed docs

test: lint unit

unit:
	go test -count=1 ./...

lint: tools
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	go vet ./...
	$(TOOLS)/staticcheck ./...

tools: $(TOOLS)/staticcheck

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) go install $(STATICCHECK)

# Every benchmark figure, refreshed into BENCHMARKS.md and bench/results.json.
bench: build
	./$(BIN) bench --shared $(SHARED) --out bench

clean:
	rm -rf bin .build/tmp
