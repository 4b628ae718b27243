# Owl: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
OWL_HOME ?= $(HOME)/.owl
export OWL_HOME
OWL := .build/release/owl
MODEL ?= smollm2-135m-instruct
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
## The Swift runtime linked statically: about 7 MB less resident memory per process (no relocation of the
## shared Foundation libraries at start); the test bundle stays dynamic (XCTest has no static build).
RELEASE_FLAGS := -c release -Xswiftc -DOWL_GIT_COMMIT --static-swift-stdlib
RELEASE_BUILD := swift build $(RELEASE_FLAGS) --product owl && swift build $(RELEASE_FLAGS) --product owl-kernel-bench

.PHONY: run test setup build models test-deps commit-info clean perplexity bench

## make run: install what is missing, build, fetch the default model, run the main job.
run: setup build models
	@if [ -t 0 ]; then $(OWL) chat $(MODEL); else $(OWL) run $(MODEL) "Introduce yourself in two sentences." --temp 0; fi

## Kernel paths slower than this CPU's best, each forced once more for the kernel and model tests
## (the main run uses the best): avx2 under AVX-512 VNNI, scalar under AVX2.
FORCED_PATHS := $(shell grep -qw avx512_vnni /proc/cpuinfo 2>/dev/null && echo avx2; grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo scalar)
## Every kernel test but the path-independent slow ones (qemu portability forces its own paths; the thread
## pool; dequantization against Python), and the model tests that run every kernel kind in seconds.
PATH_TESTS := KernelsTests|SmolLM2Tests/testReferenceLogits|SmolLM2Tests/testFastPath|Gemma3Tests/testReferenceTop20|Gemma3Tests/testFastPathTop1|TinyModelTests
PATH_SKIP := PortabilityTests|ThreadPoolTests|DequantizeTests/testAgainstPythonGGUF

## make test: the whole suite (Swift tests, with Python oracles for references), then the kernel and
## model tests once per forced kernel path.
test: setup models test-deps commit-info
	$(RELEASE_BUILD)
	swift build --build-tests
	set -o pipefail; swift test --disable-swift-testing 2>&1 | tee .build/test.log
	for p in $(FORCED_PATHS); do \
	  OWL_KERNELS=$$p swift test --skip-build --disable-swift-testing --filter '$(PATH_TESTS)' --skip '$(PATH_SKIP)' 2>&1 | tee .build/test-$$p.log; \
	done
	@bash scripts/test-summary.sh .build/test.log $(foreach p,$(FORCED_PATHS),.build/test-$(p).log)

setup:
	@bash scripts/setup.sh

build: commit-info
	$(RELEASE_BUILD)

commit-info:
	@mkdir -p .build
	@printf '#if OWL_GIT_COMMIT\nlet gitCommit = "%s"\n#endif\n' "$(COMMIT)" > .build/GitCommit.swift.new
	@cmp -s .build/GitCommit.swift.new Sources/owl/GitCommit.swift || cp .build/GitCommit.swift.new Sources/owl/GitCommit.swift

models:
	@bash scripts/models.sh

test-deps:
	@python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r scripts/test-requirements.txt
	@bash scripts/fetch-llama-vocab.sh

## make perplexity: the whole golden text on both GGUF models (slow; the suite scores the first chunks).
perplexity: build models
	$(OWL) perplexity smollm2-135m-instruct ../shared/goldens/smollm2-135m/ppl_text_common_licenses.txt --ctx 512
	$(OWL) perplexity gemma3-270m ../shared/goldens/smollm2-135m/ppl_text_common_licenses.txt --ctx 512

## make bench: Owl vs llama.cpp (llama-cpp-python) on the same files and threads.
bench: build models
	bash bench/compare.sh

clean:
	rm -rf .build
