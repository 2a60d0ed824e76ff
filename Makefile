# The two commands of the quick start, and a few conveniences. See README.md and CONTRIBUTING.md.
#   make run    install deps if missing, build the release binary, start `hdo server start-dev`
#   make test   install deps if missing, build (dev preset: ASan+UBSan), run every test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help
ARGS ?=
JOBS ?= $(shell nproc)

.PHONY: help deps build run test test-tsan format format-check tidy clean

help:
	@echo "make run    build the release binary and start the dev server (Ctrl-C stops it)"
	@echo "make test   build with ASan+UBSan and run every test suite"
	@echo "make format | format-check | tidy | clean"

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

build: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

run: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release --target hdo -j $(JOBS)
	@scripts/run-dev build/release/src/cli/hdo $(ARGS)

# The thread-sanitizer pass covers the concurrency tests of libhugo; the integration tests also run
# against the release binary that `make run` starts (optimized builds fail differently); then every
# suite runs on the dev build, so the output ends with ctest's summary of the whole run.
test: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan --target hugo_tests -j $(JOBS)
	ctest --preset tsan -L concurrency
	cmake --preset release >/dev/null
	cmake --build --preset release --target hdo -j $(JOBS)
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	HDO_BIN=$(CURDIR)/build/release/src/cli/hdo ctest --preset dev -L integration -j $(JOBS)
	ctest --preset dev -j $(JOBS)

format:
	scripts/check-format --fix

format-check:
	scripts/check-format

tidy: build
	run-clang-tidy -quiet -p build/dev 'src/(hugo|common|persistence|frontend|server|cli)/'

clean:
	rm -rf build
