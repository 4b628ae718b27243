# Owl: the two commands are `make run` and `make test`.
SHELL := /bin/bash
OWL_HOME ?= $(HOME)/.owl
export OWL_HOME
OWL := .build/release/owl
MODEL ?= smollm2-135m-instruct

.PHONY: run test setup build models test-deps clean

run: setup build models
	$(OWL) inspect $(MODEL)

test: setup models test-deps
	swift build -c release
	swift test 2>&1 | tee .build/test.log; exit $${PIPESTATUS[0]}

setup:
	@bash scripts/setup.sh

build:
	swift build -c release

models:
	@bash scripts/models.sh

test-deps:
	@python3 -m pip install --quiet --disable-pip-version-check -r scripts/test-requirements.txt
	@bash scripts/fetch-llama-vocab.sh || echo "llama.cpp vocab fixtures unavailable (offline?); TokenizerTests will skip them"

clean:
	rm -rf .build
