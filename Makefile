# okta_cc.h - build, test and demo. See README.md.
CC       ?= cc
CSTD     ?= -std=c99
WARN     ?= -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion
CFLAGS   ?= -O2 -g
# make STATIC=1: BearSSL linked in statically (build/static/); libcurl stays a shared library
# (examples/custom_transport, which has no libcurl, then needs only libc).
# make STATIC=curl (native only): libcurl too, with every dependency Debian 12 has a static
# library for (build/static-curl/); MIT Kerberos (GSS-API) has none, so it, SASL, p11-kit and
# glibc stay shared. tools/README.md, "Embedded Linux / cross builds", has the figures.
ifeq ($(STATIC),1)
BUILD    ?= build/static
BEARSSL  ?= -Wl,-Bstatic -lbearssl -Wl,-Bdynamic
LIBS     ?= $(BEARSSL) -lcurl -lpthread
endif
ifeq ($(STATIC),curl)
BUILD    ?= build/static-curl
BEARSSL  ?= -Wl,-Bstatic -lbearssl -Wl,-Bdynamic
LIBS     ?= -Wl,-Bstatic -Wl,--start-group -lcurl -lnghttp2 -lrtmp -lssh2 -lpsl -lldap -llber -lssl \
            -lcrypto -lzstd -lbrotlidec -lbrotlicommon -lz -lgnutls -lhogweed -lnettle -lgmp -ltasn1 \
            -lidn2 -lunistring -lbearssl -Wl,--end-group -Wl,-Bdynamic -lsasl2 -lgssapi_krb5 -lp11-kit \
            -lpthread
endif
BEARSSL  ?= -lbearssl
# dlopen (PKCS#11 modules, OKTA_CC_PKCS11: the CLI, the tests): in libc since glibc 2.34; an older
# C library needs -ldl, which is then added.
LIBDL    ?= $(shell printf '\043include <dlfcn.h>\nint main(void) { return dlopen("x", 0) != 0; }\n' | \
              $(CC) -x c - -o /dev/null 2>/dev/null || echo -ldl)
LIBS     ?= -lbearssl -lcurl -lpthread $(LIBDL)
SANITIZE ?= -fsanitize=address,undefined -fno-sanitize-recover=all
TSAN     ?= -fsanitize=thread
BUILD    ?= build

ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -I.
# C tests by kind (tests/README.md): tests/unit/ needs no server, tests/live/ runs against the
# local Okta-compatible server (its suite script starts it). Every binary goes to $(BUILD)/tests/.
UNIT_TESTS = test_codec test_keys test_dpop test_conventions test_token test_api test_store test_signer test_pkcs11
LIVE_TESTS = test_token_live test_api_live test_alloc test_tls test_store_live
TESTS      = $(UNIT_TESTS) $(LIVE_TESTS)
# The tests with threads also run under ThreadSanitizer.
TSAN_TESTS = test_token test_token_live test_api test_api_live test_store test_signer test_pkcs11
TEST_BINS  = $(TESTS:%=$(BUILD)/tests/%) $(TESTS:%=$(BUILD)/tests/%_asan) $(TSAN_TESTS:%=$(BUILD)/tests/%_tsan)
EXAMPLES   = $(BUILD)/examples/get_token $(BUILD)/examples/list_users $(BUILD)/examples/custom_transport \
             $(BUILD)/examples/hardware_key
PROGRAMS   = $(BUILD)/okta-cc $(EXAMPLES)

PREFIX   ?= /usr/local

# The CLI holds keys and tokens, so it is built as distributions build their packages:
# position-independent, stack protector, fortified libc calls. _FORTIFY_SOURCE only acts with
# optimisation (it is left out when CFLAGS has no -O level, or -O0). Level 3 needs gcc 12 or
# clang 9 with glibc 2.34; glibc's own headers say which level they will apply, and an older
# toolchain gets 2 (glibc 2.34+ with gcc 11 would warn that 3 "is treated like 2").
FORTIFY_LEVEL ?= $(shell printf '\043include <features.h>\n\043if __USE_FORTIFY_LEVEL > 2\nlevel3\n\043endif\n' | \
                   $(CC) -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -E -x c - 2>/dev/null | grep -qx level3 && echo 3 || echo 2)
HARDEN   ?= -fstack-protector-strong -fPIE -pie \
            $(if $(filter-out -O0,$(filter -O%,$(CFLAGS))),-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=$(FORTIFY_LEVEL))

# Cross builds for embedded Linux with Debian's cross compilers and multiarch libraries:
# make cross CROSS=aarch64-linux-gnu (or arm-linux-gnueabihf) builds the CLI, the examples and the
# unit tests (those that need no server) into build/<triplet>/; make test-cross runs them under
# qemu-user, with the CLI and the examples checked against the native build's (tests/cross.sh).
# The target's libraries are Debian's multiarch packages (/usr/lib/<triplet>), or the same
# packages unpacked into a sysroot when they could not be installed (tools/dev/deps.sh says why).
# For 32-bit targets (no-ops on 64-bit ones): -D_FILE_OFFSET_BITS=64, or a 32-bit program on a
# 64-bit kernel (qemu-user here, an armhf userland on an arm64 board) gets EOVERFLOW from readdir
# on ext4; -D_TIME_BITS=64, or time() fails in 2038 (Debian 12's armhf time_t is 32 bits; no
# time_t crosses into libcurl or BearSSL, so their 32-bit builds are not affected).
CROSS     ?= aarch64-linux-gnu
XBUILD     = $(BUILD)/$(CROSS)
XSYSROOT  ?= $(if $(wildcard /usr/lib/$(CROSS)/libcurl.so),,$(wildcard /opt/okta-cc-sysroot/$(CROSS)))
XCC        = $(CROSS)-gcc $(if $(XSYSROOT),--sysroot=$(XSYSROOT)) -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64
XTESTS     = test_codec test_keys test_dpop test_conventions test_token test_api test_signer
XPROGRAMS  = $(XBUILD)/okta-cc $(EXAMPLES:$(BUILD)/%=$(XBUILD)/%) $(XTESTS:%=$(XBUILD)/tests/%)

.PHONY: all build test check check-build bench fuzz soak demo install deps deps-demo clean check-build-deps
.PHONY: cross cross-build test-cross footprint
# Building never changes the system: plain make only checks that the headers it needs are there
# and says which command installs them. make deps installs (apt-get as root, or sudo, and the
# local server's npm packages); make test, make demo, make bench ... install what they need.
all: check-build-deps
	@$(MAKE) --no-print-directory build

build: $(PROGRAMS) $(TEST_BINS) $(BUILD)/tests/soak

check-build-deps:
	@printf '#include <bearssl.h>\n#include <curl/curl.h>\n' | $(CC) -E -x c - >/dev/null 2>&1 || \
	  { echo "make: BearSSL's or libcurl's headers are missing (Debian: libbearssl-dev libcurl4-openssl-dev);" \
	         "'make deps' installs them" >&2; exit 1; }

deps:
	@tools/dev/deps.sh $(if $(filter curl,$(STATIC)),static-curl,test)
deps-demo:
	@tools/dev/deps.sh demo

$(BUILD)/okta-cc: tools/okta-cc.c okta_cc.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(HARDEN) $< -o $@ $(LIBS)

# Without libcurl: its own transport on POSIX sockets.
$(BUILD)/examples/custom_transport: examples/custom_transport.c okta_cc.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DOKTA_CC_NO_CURL $< -o $@ $(BEARSSL) -lpthread

$(BUILD)/examples/%: examples/%.c okta_cc.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

TEST_HDRS  = okta_cc.h tests/harness.h tests/vector_json.h tests/token_helpers.h tests/live/live.h
# One rule per folder: make takes the first whose source exists.
$(BUILD)/tests/%: tests/unit/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

$(BUILD)/tests/%: tests/live/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

$(BUILD)/tests/%_asan: tests/unit/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 -fno-omit-frame-pointer $(SANITIZE) $< -o $@ $(LIBS)

$(BUILD)/tests/%_asan: tests/live/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 -fno-omit-frame-pointer $(SANITIZE) $< -o $@ $(LIBS)

$(BUILD)/tests/%_tsan: tests/unit/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 -fno-omit-frame-pointer $(TSAN) $< -o $@ $(LIBS)

$(BUILD)/tests/%_tsan: tests/live/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 -fno-omit-frame-pointer $(TSAN) $< -o $@ $(LIBS)

$(BUILD)/tests/soak: tests/live/soak.c okta_cc.h tests/harness.h tests/live/live.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

# make check: the fast tier for the edit loop (the unit tests and the CLI suites, plain build, about
# 1.5 minutes here once built); make test: every suite (about 13 minutes). tests/README.md says
# what each suite proves, how long it takes and how to run it alone.
test: deps
	@$(MAKE) --no-print-directory build
	@BUILD=$(abspath $(BUILD)) tests/run.sh

check: deps
	@$(MAKE) --no-print-directory check-build
	@BUILD=$(abspath $(BUILD)) tests/run.sh check

check-build: $(BUILD)/okta-cc $(UNIT_TESTS:%=$(BUILD)/tests/%)

cross:
	@tools/dev/deps.sh cross $(CROSS)
	@$(MAKE) --no-print-directory cross-build

cross-build: $(XPROGRAMS)

$(XBUILD)/okta-cc: tools/okta-cc.c okta_cc.h
	@mkdir -p $(dir $@)
	$(XCC) $(ALL_CFLAGS) $(HARDEN) $< -o $@ $(LIBS)

$(XBUILD)/examples/custom_transport: examples/custom_transport.c okta_cc.h
	@mkdir -p $(dir $@)
	$(XCC) $(ALL_CFLAGS) -DOKTA_CC_NO_CURL $< -o $@ $(BEARSSL) -lpthread

$(XBUILD)/examples/%: examples/%.c okta_cc.h
	@mkdir -p $(dir $@)
	$(XCC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

$(XBUILD)/tests/%: tests/unit/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(XCC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

$(XBUILD)/tests/%: tests/live/%.c $(TEST_HDRS)
	@mkdir -p $(dir $@)
	$(XCC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

test-cross: cross
	@$(MAKE) --no-print-directory $(BUILD)/okta-cc $(BUILD)/examples/list_users
	@BUILD=$(abspath $(BUILD)) CROSS=$(CROSS) XSYSROOT=$(XSYSROOT) tests/cross.sh

# Start-up time, size and shared libraries of build/okta-cc, make STATIC=1's and STATIC=curl's;
# the code size of the header's implementation at -Os (native, and aarch64 when its cross
# compiler is there); stack high-water mark and heap of key load, token fetch and API request.
footprint:
	@tools/dev/deps.sh footprint
	@$(MAKE) --no-print-directory $(BUILD)/okta-cc $(BUILD)/bench/footprint
	@$(MAKE) --no-print-directory STATIC=1 BUILD=$(BUILD)/static $(BUILD)/static/okta-cc
	@$(MAKE) --no-print-directory STATIC=curl BUILD=$(BUILD)/static-curl $(BUILD)/static-curl/okta-cc
	@tools/dev/footprint.sh $(BUILD)/okta-cc $(BUILD)/static/okta-cc $(BUILD)/static-curl/okta-cc
	@sh tools/dev/bench/code_size.sh $(CC) $$(command -v aarch64-linux-gnu-gcc || true)
	@$(BUILD)/bench/footprint tests/vectors

$(BUILD)/bench/%: tools/dev/bench/%.c tools/dev/bench/bench.h okta_cc.h
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -O2 -Wall -Wextra -Wpedantic -Werror -I. $< -o $@ $(LIBS)

BENCH_BINS = $(addprefix $(BUILD)/bench/,ca_cache sign hsm_sign token_cache request parallel expiry runstat dpop)
bench: deps $(BUILD)/okta-cc $(BENCH_BINS)
	@BUILD=$(abspath $(BUILD)) tools/dev/bench/run.sh

# A multi-threaded client against misbehaving servers, and okta-cc get --follow on the System Log
# beside it: make soak SOAK_MINUTES=30 (make test runs
# one minute of it).
soak: deps
	@$(MAKE) --no-print-directory $(BUILD)/tests/soak $(BUILD)/okta-cc
	@BUILD=$(abspath $(BUILD)) tests/live/soak.sh

# Longer fuzzing than the smoke run in make test: make fuzz FUZZ_SECONDS=600
fuzz: deps
	@BUILD=$(abspath $(BUILD)) FUZZ_SECONDS=$${FUZZ_SECONDS:-120} sh tests/fuzz/run.sh

demo: deps-demo
	@$(MAKE) --no-print-directory $(PROGRAMS)
	@BUILD=$(abspath $(BUILD)) tools/dev/demo.sh

install: $(BUILD)/okta-cc
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 okta_cc.h $(DESTDIR)$(PREFIX)/include/okta_cc.h
	install -m 755 $(BUILD)/okta-cc $(DESTDIR)$(PREFIX)/bin/okta-cc
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|'"$$(sed -n 's/^#define OKTA_CC_VERSION_STRING "\(.*\)"/\1/p' okta_cc.h)"'|' \
		tools/okta_cc.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/okta_cc.pc

clean:
	rm -rf $(BUILD)
