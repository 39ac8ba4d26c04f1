# One entry point for people and CI. `make demo` runs the job end to end against the local
# emulator; `make test` runs every test stage and prints each stage's time; `make bench` measures
# kelvin's HTTPS client against curl, libcurl and a minimal OpenSSL loop, and a device's day of
# telemetry against 1,440 curl processes (bench/run.sh); `make soak` runs the Embedded build through
# a day of readings and faults (scripts/soak.sh; not part of `make test`).
SHELL := /bin/bash
SWIFT ?= swift
# How long `make fuzz` (and its stage in `make test`) fuzzes, shared among the parsers' targets
# (fuzz/Main.swift lists them: every reader of untrusted bytes, scripts/fuzz.sh).
FUZZ_SECONDS ?= 90
# How many executions `make fuzz-long` gives each target.
FUZZ_RUNS ?= 10000000
BIN = $(shell $(SWIFT) build --show-bin-path)

# Device builds (cross/build.sh): ARCH-LINK for ARCH in aarch64 armv7 and LINK in dynamic static,
# and armv6-static (Pi Zero and Pi 1; static only, cross/README.md).
CROSS_ARTEFACTS = aarch64-dynamic aarch64-static armv7-dynamic armv7-static armv6-static

.PHONY: demo test bench bench-tpm test-tpm fleet soak deps deps-cross build unit-tests fuzz fuzz-long test-desk power-cut field-faults embedded-check test-kernel test-system cross-aarch64 cross-armv7 cross-armv6 cross-all size-check deb \
	e2e-host e2e-aarch64 e2e-armv7 e2e-armv6 e2e-cross $(addprefix e2e-,$(CROSS_ARTEFACTS)) e2e-armv6-static-cortex-a7 clean \
	image test-image test-image-raspi3b

demo:
	scripts/demo.sh

bench:
	bench/run.sh
	bench/tpm.sh

# Reconnects with the device key in a software TPM against a key file (also the end of `make bench`).
bench-tpm:
	bench/tpm.sh

# A thousand simulated devices through a 10-minute DPS and hub outage and a hub failover, on a
# virtual clock: prints the table, writes out/fleet/fleet.png (scripts/fleet.sh).
fleet:
	scripts/fleet.sh

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
	@scripts/stage.sh "the desk page in Chromium" $(MAKE) --no-print-directory test-desk
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

# Each target to FUZZ_RUNS executions, then a table of executions, edges, features and time.
fuzz-long:
	FUZZ_RUNS=$(FUZZ_RUNS) scripts/fuzz.sh

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

# The desk page (GET / on the admin port) in headless Chromium, checked from its DOM; prints its
# weight and leaves screenshots in out/desk/ (scripts/desk.sh).
test-desk:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/desk.sh $(BIN)/kelvin

# The real agent, unbounded, through each fault a device meets in the field (scripts/field-faults.sh).
field-faults:
	$(SWIFT) build --product kelvin
	$(SWIFT) build --product kelvin-cloud
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/field-faults.sh $(BIN)/kelvin

embedded-check:
	cross/build-embedded-host.sh

# A day of readings (one a virtual minute, SOAK_INTERVAL_MS of real time each; 1,440 x 1 s, about
# 25 minutes) from the Embedded build against kelvin-cloud, with a fault every few virtual minutes;
# checks flat RSS and descriptors, the spool's floor and every reading delivered, and writes
# out/soak/summary.md and out/soak/soak.png (scripts/soak.sh). Not part of `make test`.
soak:
	$(SWIFT) build --product kelvin-cloud
	cross/build-embedded-host.sh
	KELVIN_CLOUD=$(BIN)/kelvin-cloud scripts/soak.sh out/embedded-host/kelvin

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

# out/image/kelvin-VERSION-rpi-arm64.img.xz: Debian 12 arm64 with kelvin inside, to flash onto a
# Pi 3, 4 or Zero 2 W's card; the device's files go on its boot partition (image/build.sh).
# Needs root.
image:
	image/build.sh

# The image booted under qemu-system-aarch64 -M virt (TCG) with a configuration for kelvin-cloud
# on its boot partition: provisions and delivers with nobody logged in, then a power cut and a
# boot that reuses the assignment (image/test.sh). Not in `make test`: it builds the image first
# (its arm64 root alone took over an hour on a loaded 2-core machine) and boots it twice under TCG.
test-image: image
	image/test.sh

# The same image on QEMU's Raspberry Pi 3 model, with its own kernel and device tree, to
# multi-user.target (image/raspi3b.sh).
test-image-raspi3b:
	image/raspi3b.sh

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
	rm -rf .build .build-embedded .build-aarch64 .build-armv7 .build-armv6 .build-fuzz .build-kernel .build-system .build-image out
