# Convenience front end over CMake. The two commands that matter on a fresh Debian machine:
#   make demo   install missing packages, build, index data/sample-news/, run sample searches
#   make test   install missing packages, build, run the whole test suite (and again under
#               AddressSanitizer + UndefinedBehaviorSanitizer)
# Benchmarks (bench/README.md; Release build in $(BENCH_BUILD)):
#   make bench CORPUS=docs.jsonl QUERIES=queries.tsv [K=10 MODE=or THREADS=1 WARMUP=1 PASSES=3]
#   make quality CORPORA=folder   (every <folder>/*/ with docs.jsonl, queries.tsv, qrels.txt)
BUILD ?= build
SAN_BUILD ?= build-sanitize
WERROR ?= OFF
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-fast sanitize clean format bench-build bench quality

BENCH_BUILD ?= build-bench
BENCH_OUT ?= $(BENCH_BUILD)/bench-out
K ?= 10
MODE ?= or
THREADS ?= 1
WARMUP ?= 1
PASSES ?= 3
SEARCH_FLAGS ?=

all: build

deps:
	@./.ci/install-deps

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUARRY_WERROR=$(WERROR) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	rm -rf $(BUILD)/news.idx
	$(BUILD)/quarry-index $(BUILD)/news.idx data/sample-news/
	@echo; echo '$$ quarry-search news.idx "\"Delcy Rodriguez\""'
	@$(BUILD)/quarry-search $(BUILD)/news.idx '"Delcy Rodriguez"'
	@echo; echo '$$ quarry-search news.idx "embassy reopening" -k 3'
	@$(BUILD)/quarry-search $(BUILD)/news.idx 'embassy reopening' -k 3
	@echo; echo '$$ quarry-search news.idx "+maduro -oil" -k 3'
	@$(BUILD)/quarry-search $(BUILD)/news.idx '+maduro -oil' -k 3

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DQUARRY_SANITIZE=ON -DQUARRY_WERROR=$(WERROR) $(CMAKE_FLAGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)
	cd $(SAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test: test-fast sanitize

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# Release build of the benchmark programs (quarry-bench, quarry-eval).
bench-build: deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DQUARRY_WERROR=$(WERROR) \
	  -DQUARRY_BUILD_TESTS=OFF -DQUARRY_BUILD_EXAMPLES=OFF $(CMAKE_FLAGS)
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target quarry-bench quarry-eval quarry-index quarry-search

# Indexing and query benchmark on the given corpus and query file (no defaults: paths are
# arguments). Figures are printed and written as JSON to $(BENCH_OUT)/{index,search}.json;
# compare two runs with bench/compare A.json B.json. SEARCH_FLAGS adds options, e.g.
# SEARCH_FLAGS=--peer-semantics.
bench:
	@if [ -z "$(CORPUS)" ] || [ -z "$(QUERIES)" ]; then \
	  echo "usage: make bench CORPUS=docs.jsonl QUERIES=queries.tsv [K=$(K)] [MODE=$(MODE)]"; \
	  echo "       [THREADS=$(THREADS)] [WARMUP=$(WARMUP)] [PASSES=$(PASSES)] [SEARCH_FLAGS=...]"; \
	  echo "       [BENCH_OUT=$(BENCH_OUT)]   (see bench/README.md)"; exit 2; fi
	@$(MAKE) --no-print-directory bench-build
	rm -rf $(BENCH_OUT)/index
	mkdir -p $(BENCH_OUT)
	$(BENCH_BUILD)/bench/quarry-bench index "$(CORPUS)" $(BENCH_OUT)/index --json $(BENCH_OUT)/index.json
	$(BENCH_BUILD)/bench/quarry-bench search $(BENCH_OUT)/index "$(QUERIES)" -k $(K) --mode $(MODE) \
	  -j $(THREADS) --warmup $(WARMUP) --passes $(PASSES) --json $(BENCH_OUT)/search.json $(SEARCH_FLAGS)

# Ranking quality (nDCG@10, MAP, P@10, Recall@100) on every judged collection under CORPORA.
quality:
	@if [ -z "$(CORPORA)" ]; then \
	  echo "usage: make quality CORPORA=folder   (runs every folder/*/ holding docs.jsonl,"; \
	  echo "       queries.tsv and qrels.txt; see bench/README.md)"; exit 2; fi
	@$(MAKE) --no-print-directory bench-build
	QUARRY_BENCH_BUILD=$(abspath $(BENCH_BUILD)) bench/quality.sh "$(CORPORA)"

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
