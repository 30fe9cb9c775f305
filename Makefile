# okta_cc.h - build, test and demo. See README.md.
CC       ?= cc
CSTD     ?= -std=c99
WARN     ?= -Wall -Wextra -Wpedantic -Werror -Wshadow -Wconversion
CFLAGS   ?= -O2 -g
LIBS     ?= -lbearssl -lcurl -lpthread
SANITIZE ?= -fsanitize=address,undefined -fno-sanitize-recover=all
BUILD    ?= build

ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -I.
TEST_BINS  = $(BUILD)/tests/test_codec $(BUILD)/tests/test_codec_asan \
             $(BUILD)/tests/test_keys $(BUILD)/tests/test_keys_asan

.PHONY: all test deps deps-build clean
all: deps-build $(TEST_BINS)

deps-build:
	@tools/deps.sh build
deps:
	@tools/deps.sh test

$(BUILD)/tests/%: tests/%.c okta_cc.h tests/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(LIBS)

$(BUILD)/tests/%_asan: tests/%.c okta_cc.h tests/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 -fno-omit-frame-pointer $(SANITIZE) $< -o $@ $(LIBS)

test: deps
	@$(MAKE) --no-print-directory $(TEST_BINS)
	@BUILD=$(abspath $(BUILD)) tests/run.sh

clean:
	rm -rf $(BUILD)
