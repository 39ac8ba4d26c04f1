# One entry point for people and CI. `make demo` runs the job end to end against the local
# emulator; `make test` runs every test stage and prints each stage's time; `make bench` measures
# kelvin's HTTPS client against curl, libcurl and a minimal OpenSSL loop (bench/run.sh).
SHELL := /bin/bash
SWIFT ?= swift
# How long `make fuzz` (and its stage in `make test`) fuzzes the response parser.
FUZZ_SECONDS ?= 60
BIN = $(shell $(SWIFT) build --show-bin-path)

.PHONY: demo test bench deps deps-cross build unit-tests fuzz power-cut embedded-check test-kernel cross-aarch64 e2e-host e2e-aarch64 clean

demo:
	scripts/demo.sh

bench:
	bench/run.sh

deps:
	scripts/install-deps.sh

deps-cross:
	scripts/install-deps.sh arm64

build: deps
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud

test:
	@rm -f out/stage-times.tsv
	@scripts/stage.sh "install packages" scripts/install-deps.sh arm64
	@scripts/stage.sh "layering rules" scripts/check-layering.sh
	@scripts/stage.sh "unit and integration tests" $(MAKE) --no-print-directory unit-tests
	@scripts/stage.sh "parser fuzzing" $(MAKE) --no-print-directory fuzz
	@scripts/stage.sh "host end to end" $(MAKE) --no-print-directory e2e-host
	@scripts/stage.sh "power cuts (200 x SIGKILL)" $(MAKE) --no-print-directory power-cut
	@scripts/stage.sh "embedded check build" $(MAKE) --no-print-directory embedded-check
	@scripts/stage.sh "kernel in the loop (qemu)" $(MAKE) --no-print-directory test-kernel
	@scripts/stage.sh "aarch64 cross build" $(MAKE) --no-print-directory cross-aarch64
	@scripts/stage.sh "aarch64 end to end under qemu" $(MAKE) --no-print-directory e2e-aarch64
	@echo "=== all stages passed:" && awk -F'\t' '{ printf "    %-32s %7.1f s\n", $$1, $$3 / 1000 }' out/stage-times.tsv

unit-tests:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

e2e-host:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/e2e.sh host $(BIN)/kelvin

power-cut:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/power-cut.sh $(BIN)/kelvin

embedded-check:
	cross/build-embedded-host.sh

# The static Embedded build against Debian's kernel under qemu: i2c-stub, the lm75 and bmp280
# drivers, gpio-sim (kernel/run.sh). KELVIN_KERNEL_GPIO=0 leaves gpio-sim out.
test-kernel:
	kernel/run.sh

cross-aarch64:
	cross/build-aarch64.sh

e2e-aarch64:
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/e2e.sh aarch64 cross/run-aarch64.sh

clean:
	rm -rf .build .build-embedded .build-aarch64 .build-fuzz .build-kernel out
