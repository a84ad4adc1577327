# TinyAlign: the two quick-start commands are `make demo` and `make test`.
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN := .build/release/tinyalign

.PHONY: setup build release test demo bench fuzz hostile examples clean

# Installs OpenBLAS (and pkg-config, which SwiftPM uses to find it) and Open MPI (mpirun, for data-parallel runs
# and their tests; tinyalign loads libmpi only under mpirun) only when missing.
setup:
	@if dpkg -s libopenblas-dev >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1; then \
		echo "setup: libopenblas-dev and pkg-config already installed"; \
	else \
		echo "setup: installing libopenblas-dev and pkg-config with apt-get"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y libopenblas-dev pkg-config; \
	fi
	@if dpkg -s openmpi-bin >/dev/null 2>&1 && dpkg -s libopenmpi-dev >/dev/null 2>&1; then \
		echo "setup: openmpi-bin and libopenmpi-dev already installed"; \
	else \
		echo "setup: installing openmpi-bin and libopenmpi-dev with apt-get"; \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y openmpi-bin libopenmpi-dev; \
	fi

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

test: build
	$(SWIFT) test

demo: release
	$(BIN) demo

bench: release
	$(BIN) bench gemm
	$(BIN) bench ops
	$(BIN) bench dpo

# libFuzzer + AddressSanitizer (optimised build) over every parser of untrusted files, FUZZ_RUNS executions per
# target (default 1 000 000) or FUZZ_SECONDS each; prints a table and fails on any crash, leak or out-of-memory.
# Not part of `make test` (its regression inputs are, as ordinary tests).
fuzz: setup
	Fuzz/run.sh

# The whole hostile-input campaign (docs/input-bounds.md) on the release binary: every hostile file through the
# command that reads it; the table of exits, peak RSS and messages goes to .build/hostile-report.md. `make test`
# runs its fast subset on the debug binary.
hostile: release
	TINYALIGN_HOSTILE=full TINYALIGN_BIN=$(BIN) TINYALIGN_HOSTILE_REPORT=$(CURDIR)/.build/hostile-report.md \
		$(SWIFT) test --filter HostileInputTests

# The tour's examples (docs/tour/) and Examples/CustomLoss run inside `make test` (TourExamplesTests builds the
# latter as the package of its own it is, depending on TinyAlign by path, in .build/examples/CustomLoss); this
# builds and runs it the way a user would.
examples: setup
	$(SWIFT) run --package-path Examples/CustomLoss

clean:
	rm -rf .build
