# mailaudit — build, test, install.  GNU make.
#
#   make            build build/mailaudit
#   make demo       install what is missing, build, ingest samples/, print the report
#   make check      install what is missing, build, run every test (ends "N passed, N failed")
#   make check-asan the whole test suite under -fsanitize=address,undefined
#   make check-browser  the HTML report of samples/ in headless Chromium (skipped without it)
#   make bench      generate corpora; measure ingest, logs, DKIM, SPF, rules, feedback, report
#   make pgo        build/pgo/mailaudit: the same program built with profile-guided optimisation
#   make check-pgo  make pgo, then its output compared with build/mailaudit's (CI runs it)
#   make fuzz       build libFuzzer harnesses with clang (build/fuzz-clang/)
#   make conformance  SPF/ARC/DKIM/bounce/ARF public suites from ../shared/conformance (optional)
#   make accuracy   stock SpamAssassin rules: mailaudit's hits against SpamAssassin's own
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install the Debian packages the build and tests need

VERSION    := 0.1.0
CC         ?= cc
BUILD      ?= build
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/mailaudit
MANDIR     ?= $(PREFIX)/share/man
PKGS       := sqlite3 libpcre2-8 libcrypto zlib libxml-2.0

WARN       := -std=c17 -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wconversion
CFLAGS     ?= -O2 -g
SAN_FLAGS  ?=
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := $(WARN) $(CFLAGS) $(SAN_FLAGS) -D_GNU_SOURCE -DMAILAUDIT_VERSION='"$(VERSION)"' \
              -DMAILAUDIT_DATADIR='"$(DATADIR)"' -Ianalyzer $(PKG_CFLAGS)
LIBS       := $(PKG_LIBS) -lspf2 -lresolv -lm
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS)

SRC        := $(sort $(shell find analyzer -name '*.c' ! -path analyzer/main.c))
OBJ        := $(SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/schema_sql.o
LIB        := $(BUILD)/libmailaudit.a
BIN        := $(BUILD)/mailaudit
SCHEMAS    := $(sort $(wildcard schemas/*.sql))

UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/replay/replay_%)
CMOCKA     := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

.PHONY: all deps demo check check-asan bench pgo check-pgo fuzz install clean format conformance accuracy check-browser

all: $(BIN)

deps:
	@sh .ci/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/schema_sql.c: $(SCHEMAS) schemas/embed.sh
	@mkdir -p $(dir $@)
	sh schemas/embed.sh $(SCHEMAS) > $@

# The schema text is one long literal by nature: -Wno-overlength-strings here only.
$(BUILD)/obj/gen/schema_sql.o: $(BUILD)/gen/schema_sql.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

$(LIB): $(OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/analyzer/main.o $(LIB)
	$(CC) $(ALL_LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-conversion -Itests $< $(LIB) $(ALL_LDFLAGS) $(CMOCKA) $(LIBS) -o $@

$(BUILD)/replay/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c tests/fuzz/logfuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests $< tests/fuzz/replay_main.c $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $@

# The whole suite: unit tests (cmocka, TAP), end-to-end CLI tests, fuzz corpus replay.
check: deps
	@$(MAKE) --no-print-directory $(BIN) $(UNIT_BIN) $(REPLAY_BIN) $(BUILD)/tools/gen-corpus $(BUILD)/tools/gen-logs
	@BUILD=$(BUILD) sh tests/run-tests.sh

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@rm -f $(BUILD)/demo.db $(BUILD)/demo.db-wal $(BUILD)/demo.db-shm
	$(BIN) ingest --db $(BUILD)/demo.db --dns samples/dns/snapshot.zone samples/
	$(BIN) report --db $(BUILD)/demo.db

pgo: deps
	@MAKE="$(MAKE)" sh tests/bench/pgo.sh

check-pgo: deps $(BIN)
	@MAKE="$(MAKE)" sh tests/bench/pgo.sh
	@BUILD=$(BUILD) sh tests/pgo/check-pgo.sh

bench: deps
	@MAILAUDIT_BENCH_DEPS=1 sh .ci/deps.sh
	@$(MAKE) --no-print-directory $(BIN) $(BUILD)/tools/gen-corpus $(BUILD)/tools/gen-logs $(BUILD)/tools/logbench $(BUILD)/tools/dkimbench $(BUILD)/tools/spfbench \
		$(BUILD)/tools/gen-dmarc $(BUILD)/tools/dmarcaggbench
	@BUILD=$(BUILD) sh tests/bench/bench.sh
	@MAKE="$(MAKE)" sh tests/bench/pgo.sh
	@BUILD=$(BUILD) sh tests/bench/rules-bench.sh
	@BUILD=$(BUILD) sh tests/bench/feedback-bench.sh
	@BUILD=$(BUILD) sh tests/bench/report-bench.sh

# Public conformance suites (optional: need ../shared/conformance, which a
# fresh clone lacks); not part of `make check`. SPF: the RFC 7208 suite;
# ARC: the draft-era validation suite, each mismatch judged against RFC 8617;
# DKIM: a corpus with two other verifiers' verdicts beside ours.
CONF := ../shared/conformance
conformance: $(BIN) $(BUILD)/tools/spfcheck $(BUILD)/tools/arccheck
	@MAILAUDIT_CONFORMANCE_DEPS=1 sh .ci/deps.sh
	@if [ -f $(CONF)/spf/rfc7208-tests.yml ]; then \
	  python3 tests/conformance/spf-suite.py $(CONF)/spf/rfc7208-tests.yml $(BUILD)/tools/spfcheck; \
	else echo "conformance: $(CONF)/spf not found, skipped"; fi
	@if [ -f $(CONF)/arc/arc-draft-validation-tests.yml ]; then \
	  python3 tests/conformance/arc-suite.py $(BUILD)/tools/arccheck $(CONF)/arc/arc-draft-validation-tests.yml; \
	else echo "conformance: $(CONF)/arc not found, skipped"; fi
	@if [ -d $(CONF)/dkim-corpus ]; then \
	  python3 tests/conformance/dkim-corpus.py $(BIN) $(CONF)/dkim-corpus | tail -n 1; \
	else echo "conformance: $(CONF)/dkim-corpus not found, skipped"; fi
	@BUILD=$(BUILD) sh tests/conformance/arf.sh $(CONF)/bounces | tail -n 3
	@BUILD=$(BUILD) sh tests/conformance/dsn.sh $(CONF)/bounces | head -n 12

# Rule-hit agreement with SpamAssassin on a generated corpus (needs the
# spamassassin package; not part of `make check`). ACCURACY_N messages.
accuracy: $(BIN)
	@MAILAUDIT_ACCURACY_DEPS=1 sh .ci/deps.sh
	@BUILD=$(BUILD) sh tests/accuracy/run.sh

# The HTML report in headless Chromium (not part of `make check`): the report
# of samples/ and a page of hostile strings must load without console errors
# and show every section; screenshots in $(BUILD)/browser/ (report.png,
# report-phone.png, report.pdf, hostile.png). Without chromium it says
# "skipped" (install: MAILAUDIT_BROWSER_DEPS=1 make deps).
check-browser: $(BIN) $(LIB)
	@mkdir -p $(BUILD)/tools
	$(CC) $(ALL_CFLAGS) tests/browser/render-sample.c $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $(BUILD)/tools/render-sample
	@BUILD=$(BUILD) sh tests/browser/check-browser.sh

$(BUILD)/tools/arccheck: tests/conformance/arccheck.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $@

$(BUILD)/tools/spfcheck: tests/conformance/spfcheck.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $@

$(BUILD)/tools/gen-corpus: tests/bench/gen-corpus.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -D_GNU_SOURCE $< -o $@

$(BUILD)/tools/gen-logs: tests/bench/gen-logs.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -D_GNU_SOURCE $< -o $@

$(BUILD)/tools/dkimbench: tests/bench/dkimbench.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $@

$(BUILD)/tools/spfbench: tests/bench/spfbench.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $@

$(BUILD)/tools/gen-dmarc: tests/bench/gen-dmarc.c
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 -D_GNU_SOURCE $< -o $@

$(BUILD)/tools/dmarcaggbench: tests/bench/dmarcaggbench.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $@

$(BUILD)/tools/logbench: tests/bench/logbench.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) $(ALL_LDFLAGS) $(LIBS) -o $@

# libFuzzer builds (clang); run e.g. build/fuzz-clang/fuzz_mime tests/fuzz/corpus/mime
FUZZ_CLANG := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=build/fuzz-clang/fuzz_%)
fuzz:
	@$(MAKE) --no-print-directory $(FUZZ_CLANG)

# The instrumented library is made by a make of its own (BUILD=build/fuzz-lib),
# asked every time (FORCE) so that a harness built alone
# (make build/fuzz-clang/fuzz_mime) never links stale objects; that make
# rebuilds only what changed.
ifneq ($(BUILD),build/fuzz-lib)
build/fuzz-lib/libmailaudit.a: FORCE
	@$(MAKE) --no-print-directory BUILD=build/fuzz-lib CC=clang CFLAGS="-O1 -g" \
	  SAN_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" build/fuzz-lib/libmailaudit.a
endif
.PHONY: FORCE
FORCE:

build/fuzz-clang/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/logfuzz.h build/fuzz-lib/libmailaudit.a
	@mkdir -p $(dir $@)
	clang $(WARN) -O1 -g -D_GNU_SOURCE -Ianalyzer -Itests -fsanitize=fuzzer,address,undefined $< build/fuzz-lib/libmailaudit.a $(LIBS) -o $@

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/rules $(DESTDIR)$(DATADIR)/schemas $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/mailaudit
	for f in rules/*.cf; do [ -f "$$f" ] && install -m 0644 "$$f" $(DESTDIR)$(DATADIR)/rules/; done; true
	install -m 0644 schemas/*.sql $(DESTDIR)$(DATADIR)/schemas/
	install -m 0644 analyzer/mailaudit.1 $(DESTDIR)$(MANDIR)/man1/mailaudit.1

format:
	clang-format -i $(SRC) analyzer/main.c $(shell find analyzer -name "*.h") tests/unit/*.c tests/fuzz/*.c tests/bench/*.c

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
