# One entry point for people and CI. `make demo` runs the job end to end against the local
# emulator; `make test` runs every test stage and prints each stage's time; `make bench` measures
# kelvin's HTTPS client against curl, libcurl and a minimal OpenSSL loop (bench/run.sh).
SHELL := /bin/bash
SWIFT ?= swift
# How long `make fuzz` (and its stage in `make test`) fuzzes the response parser.
FUZZ_SECONDS ?= 60
BIN = $(shell $(SWIFT) build --show-bin-path)

# Device builds (cross/build.sh): ARCH-LINK for ARCH in aarch64 armv7 and LINK in dynamic static,
# and armv6-static (Pi Zero and Pi 1; static only, cross/README.md).
CROSS_ARTEFACTS = aarch64-dynamic aarch64-static armv7-dynamic armv7-static armv6-static

.PHONY: demo test bench bench-tpm test-tpm deps deps-cross build unit-tests fuzz power-cut field-faults embedded-check test-kernel test-system cross-aarch64 cross-armv7 cross-armv6 cross-all size-check deb \
	e2e-host e2e-aarch64 e2e-armv7 e2e-armv6 e2e-cross $(addprefix e2e-,$(CROSS_ARTEFACTS)) e2e-armv6-static-cortex-a7 clean

demo:
	scripts/demo.sh

bench:
	bench/run.sh
	bench/tpm.sh

# Reconnects with the device key in a software TPM against a key file (also the end of `make bench`).
bench-tpm:
	bench/tpm.sh

deps:
	scripts/install-deps.sh

deps-cross:
	scripts/install-deps.sh arm64 armhf armel

build: deps
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud

test:
	@rm -f out/stage-times.tsv
	@scripts/stage.sh "install packages" scripts/install-deps.sh arm64 armhf armel
	@scripts/stage.sh "layering rules" scripts/check-layering.sh
	@scripts/stage.sh "unit and integration tests" $(MAKE) --no-print-directory unit-tests
	@scripts/stage.sh "parser fuzzing" $(MAKE) --no-print-directory fuzz
	@scripts/stage.sh "host end to end" $(MAKE) --no-print-directory e2e-host
	@scripts/stage.sh "power cuts (200 x SIGKILL)" $(MAKE) --no-print-directory power-cut
	@scripts/stage.sh "field faults" $(MAKE) --no-print-directory field-faults
	@scripts/stage.sh "device key in a TPM (swtpm)" $(MAKE) --no-print-directory test-tpm
	@scripts/stage.sh "embedded check build" $(MAKE) --no-print-directory embedded-check
	@scripts/stage.sh "kernel in the loop (qemu)" $(MAKE) --no-print-directory test-kernel
	@scripts/stage.sh "the .deb as a systemd service (qemu)" $(MAKE) --no-print-directory test-system
	@scripts/stage.sh "aarch64 cross build (dyn+static)" $(MAKE) --no-print-directory cross-aarch64
	@scripts/stage.sh "armv7 cross build (dyn+static)" $(MAKE) --no-print-directory cross-armv7
	@scripts/stage.sh "armv6 cross build (static)" $(MAKE) --no-print-directory cross-armv6
	@scripts/stage.sh "size budgets" $(MAKE) --no-print-directory size-check
	@for a in $(CROSS_ARTEFACTS); do \
		scripts/stage.sh "$$a end to end under qemu" $(MAKE) --no-print-directory e2e-$$a || exit 1; done
	@scripts/stage.sh "armv6-static on a Cortex-A7 (qemu)" $(MAKE) --no-print-directory e2e-armv6-static-cortex-a7
	@scripts/stage.sh ".deb packages (build, dpkg -i to a root)" $(MAKE) --no-print-directory deb
	@echo "=== all stages passed:" && awk -F'\t' '{ printf "    %-40s %7.1f s\n", $$1, $$3 / 1000 }' out/stage-times.tsv

# The integration suite runs against the emulator's default TLS 1.2 (as Azure), then once more
# over TLS 1.3.
unit-tests:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	KELVIN_TEST_TLS=1.3 $(SWIFT) test --skip-build --filter KelvinIntegrationTests

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# Once with the emulator on TLS 1.2 (its default, as Azure), once on TLS 1.3.
e2e-host:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud KELVIN_CLOUD_TLS=1.2 scripts/e2e.sh host-tls1.2 $(BIN)/kelvin
	KELVIN_CLOUD=$(BIN)/kelvin-cloud KELVIN_CLOUD_TLS=1.3 scripts/e2e.sh host-tls1.3 $(BIN)/kelvin

power-cut:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/power-cut.sh $(BIN)/kelvin

# The real agent, unbounded, through each fault a device meets in the field (scripts/field-faults.sh).
field-faults:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/field-faults.sh $(BIN)/kelvin

embedded-check:
	cross/build-embedded-host.sh

# The static Embedded build against Debian's kernel under qemu: i2c-stub, the lm75 and bmp280
# drivers, gpio-sim (kernel/run.sh). KELVIN_KERNEL_GPIO=0 leaves gpio-sim out.
test-kernel:
	kernel/run.sh

# The device key in a software TPM: kelvin key create/csr, kelvin-cloud pki sign, provisioning
# and readings with every signature in the TPM, and no key file on disk (scripts/tpm.sh).
test-tpm:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	scripts/tpm.sh $(BIN)/kelvin $(BIN)/kelvin-cloud

# The amd64 .deb installed with apt in a booted Debian 12 under qemu-system-x86_64 (systemd, udev,
# the kernel's i2c-stub and gpio-sim), run as the service against kelvin-cloud on this machine:
# readiness, status, reload, watchdog, crash, bad configuration, power cut, stop, sandbox score,
# upgrade, remove and purge (system/run.sh). Needs root or passwordless sudo.
test-system:
	system/run.sh

cross-aarch64:
	cross/build.sh aarch64 dynamic static

cross-armv7:
	cross/build.sh armv7 dynamic static

# The Pi Zero and Pi 1: ARMv6 code on Debian armel's libraries, static (cross/README.md).
cross-armv6:
	cross/build.sh armv6 static

cross-all: cross-aarch64 cross-armv7 cross-armv6

# out/deb/kelvin_VERSION_arm64.deb and _armhf.deb from the dynamic builds, and
# kelvin-static_VERSION_armhf.deb (every Pi on 32-bit Raspberry Pi OS) from the armv6 one, then
# installed into a throwaway root to check their layout (cross/test-deb.sh).
deb:
	cross/build.sh aarch64 dynamic
	cross/build.sh armv7 dynamic
	cross/build.sh armv6 static
	cross/package-deb.sh aarch64
	cross/package-deb.sh armv7
	cross/package-deb.sh armv6
	cross/test-deb.sh aarch64 armv7 armv6

# Fails when a stripped device binary that was built outgrows its budget (cross/size-budget).
size-check:
	cross/check-size.sh

# e2e-ARCH-LINK: the end-to-end run against kelvin-cloud with that artefact under qemu-user.
$(addprefix e2e-,$(CROSS_ARTEFACTS)): e2e-%:
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/e2e.sh $* cross/run.sh $*

# The same armv6 file on a Pi 2's CPU (cross/run.sh runs armv6 on an ARM1176 otherwise).
e2e-armv6-static-cortex-a7:
	$(SWIFT) build --product kelvin-cloud
	QEMU_CPU=cortex-a7 KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/e2e.sh armv6-static-cortex-a7 cross/run.sh armv6-static

e2e-aarch64: e2e-aarch64-dynamic e2e-aarch64-static
e2e-armv7: e2e-armv7-dynamic e2e-armv7-static
e2e-armv6: e2e-armv6-static e2e-armv6-static-cortex-a7
e2e-cross: $(addprefix e2e-,$(CROSS_ARTEFACTS))

clean:
	rm -rf .build .build-embedded .build-aarch64 .build-armv7 .build-armv6 .build-fuzz .build-kernel .build-system out
