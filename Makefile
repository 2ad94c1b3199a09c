# Convenience front end over CMake. The two commands that matter on a fresh Debian machine:
#   make demo   install missing packages, build, index data/sample-news/, run sample searches
#   make test   install missing packages, build, run the whole test suite (and again under
#               AddressSanitizer + UndefinedBehaviorSanitizer)
BUILD ?= build
SAN_BUILD ?= build-sanitize
WERROR ?= OFF
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build demo test test-fast sanitize clean format

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

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
