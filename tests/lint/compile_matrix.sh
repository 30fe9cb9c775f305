#!/usr/bin/env bash
# Builds okta_cc.h in every supported configuration with warnings as errors.
# One test per configuration; ends with "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${BUILD:-$root/build}/matrix
mkdir -p "$out"
W="-Wall -Wextra -Wpedantic -Werror"
WC="$W -Wshadow -Wconversion"
LIBS="${OKTA_CC_LIBS:--lbearssl -lcurl -lpthread}"
pass=0 fail=0

check() {   # check NAME COMMAND...
  local name=$1; shift
  if "$@" >"$out/$name.log" 2>&1; then pass=$((pass+1)); echo "ok   matrix/$name"
  else fail=$((fail+1)); echo "FAIL matrix/$name"; sed 's/^/  /' "$out/$name.log" | head -20; fi
}
expect_fail() {   # expect_fail NAME PATTERN COMMAND...: must fail to compile with PATTERN
  local name=$1 pat=$2; shift 2
  if "$@" >"$out/$name.log" 2>&1; then fail=$((fail+1)); echo "FAIL matrix/$name (compiled)"
  elif grep -q "$pat" "$out/$name.log"; then pass=$((pass+1)); echo "ok   matrix/$name"
  else fail=$((fail+1)); echo "FAIL matrix/$name"; head -5 "$out/$name.log"; fi
}

cat >"$out/impl.c" <<'C'
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
C
cat >"$out/user.c" <<'C'
#include "okta_cc.h"
#include <string.h>
int main(void)
{
    char out[16];
    okta_cc_json_doc doc;
    okta_cc_json_token tok[4];
    if (okta_cc_b64url_encode("hi", 2, out, sizeof out, NULL, NULL) != OKTA_CC_OK) return 1;
    if (strcmp(out, "aGk") != 0) return 2;
    if (okta_cc_json_parse("[1,2]", 5, tok, 4, NULL, &doc, NULL) != OKTA_CC_OK) return 3;
    return doc.count == 3 ? 0 : 4;
}
C
cat >"$out/static.c" <<'C'
#define OKTA_CC_STATIC
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
int main(void) { return okta_cc_result_str(OKTA_CC_OK)[0] == 'O' ? 0 : 1; }
C
cat >"$out/alloc.c" <<'C'
#include <stdlib.h>
static int calls;
static void *my_malloc(size_t n) { calls++; return malloc(n); }
#define OKTA_CC_MALLOC(n) my_malloc(n)
#define OKTA_CC_REALLOC(p, n) realloc(p, n)
#define OKTA_CC_FREE(p) free(p)
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
int main(void)
{
    okta_cc_json_writer w;
    okta_cc_json_writer_init_growable(&w, NULL);
    okta_cc_json_write_string(&w, "x");
    if (okta_cc_json_writer_finish(&w, NULL, NULL) != OKTA_CC_OK) return 1;
    okta_cc_json_writer_free(&w);
    return calls > 0 ? 0 : 2;
}
C
# OKTA_CC_REALLOC is not needed (and never used).
sed '/OKTA_CC_REALLOC/d' "$out/alloc.c" >"$out/alloc_two.c"
cat >"$out/alloc_partial.c" <<'C'
#define OKTA_CC_MALLOC(n) malloc(n)
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
C
# Two units that define OKTA_CC_JSON_MAX_DEPTH differently must agree on every public struct:
# the macro bounds only the parser. The user unit's writer is filled by the other unit's code.
cat >"$out/depth_impl.c" <<'C'
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
size_t writer_size_in_impl(void);
size_t writer_size_in_impl(void) { return sizeof(okta_cc_json_writer); }
C
cat >"$out/depth_user.c" <<'C'
#include "okta_cc.h"
size_t writer_size_in_impl(void);
int main(void)
{
    okta_cc_json_writer w;
    char buf[2 * OKTA_CC_JSON_WRITER_MAX_DEPTH + 1];
    size_t len = 0;
    int i;
    if (sizeof w != writer_size_in_impl()) return 1;
    okta_cc_json_writer_init(&w, buf, sizeof buf);
    for (i = 0; i < OKTA_CC_JSON_WRITER_MAX_DEPTH; i++) okta_cc_json_write_array_begin(&w);
    for (i = 0; i < OKTA_CC_JSON_WRITER_MAX_DEPTH; i++) okta_cc_json_write_array_end(&w);
    if (okta_cc_json_writer_finish(&w, &len, NULL) != OKTA_CC_OK) return 2;
    return len == 2 * OKTA_CC_JSON_WRITER_MAX_DEPTH ? 0 : 3;
}
C
cat >"$out/twice.c" <<'C'
#include "okta_cc.h"
#include "okta_cc.h"
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"
#include "okta_cc.h"
int main(void) { return 0; }
C

# The quick start at the top of okta_cc.h, exactly as written there, must compile.
{ sed -n '/^      #define OKTA_CC_IMPLEMENTATION  /,/^      #include "okta_cc.h"/p' "$root/okta_cc.h" | sed 's/^      //'
  echo 'int main(void) {'
  sed -n '/^      okta_cc_config cfg;/,/^      okta_cc_response_free(&r);/p' "$root/okta_cc.h" | sed 's/^      //'
  echo 'return 0; }'; } >"$out/quickstart.c"

I="-I$root"
check gcc-c99          gcc -std=c99 $WC $I -c "$out/impl.c" -o "$out/gcc.o"
check clang-c99        clang -std=c99 $WC $I -c "$out/impl.c" -o "$out/clang.o"
check gcc-c11-O2       gcc -std=c11 -O2 $WC $I -c "$out/impl.c" -o "$out/gcc2.o"
check gxx-as-cxx       g++ -x c++ $W $I -c "$out/impl.c" -o "$out/gxx.o"
check clangxx-as-cxx   clang++ -x c++ $W $I -c "$out/impl.c" -o "$out/clangxx.o"
check static           sh -c "gcc -std=c99 $WC $I '$out/static.c' -o '$out/static' $LIBS && '$out/static'"
check two-units-gcc    sh -c "gcc -std=c99 $WC $I '$out/impl.c' '$out/user.c' -o '$out/two' $LIBS && '$out/two'"
check two-units-clang  sh -c "clang -std=c99 $WC $I '$out/impl.c' '$out/user.c' -o '$out/two-clang' $LIBS && '$out/two-clang'"
check two-units-cxx    sh -c "g++ -x c++ $W $I -c '$out/impl.c' -o '$out/impl-cxx.o' && g++ -x c++ $W $I -c '$out/user.c' -o '$out/user-cxx.o' && g++ '$out/impl-cxx.o' '$out/user-cxx.o' -o '$out/two-cxx' $LIBS && '$out/two-cxx'"
check mixed-c-cxx      sh -c "g++ -x c++ $W $I -c '$out/impl.c' -o '$out/impl-cxx2.o' && gcc -std=c99 $WC $I -c '$out/user.c' -o '$out/user-c.o' && g++ '$out/impl-cxx2.o' '$out/user-c.o' -o '$out/mixed' $LIBS && '$out/mixed'"
check json-depth-macro-same-writer-layout sh -c "gcc -std=c99 $WC $I -c '$out/depth_impl.c' -o '$out/depth_impl.o' && gcc -std=c99 $WC $I -DOKTA_CC_JSON_MAX_DEPTH=8 '$out/depth_user.c' '$out/depth_impl.o' -o '$out/depth8' $LIBS && '$out/depth8' && gcc -std=c99 $WC $I -DOKTA_CC_JSON_MAX_DEPTH=8 -c '$out/depth_impl.c' -o '$out/depth_impl8.o' && gcc -std=c99 $WC $I '$out/depth_user.c' '$out/depth_impl8.o' -o '$out/depth64' $LIBS && '$out/depth64'"
check custom-allocator sh -c "gcc -std=c99 $WC $I '$out/alloc.c' -o '$out/alloc' $LIBS && '$out/alloc'"
check custom-allocator-no-realloc sh -c "gcc -std=c99 $WC $I '$out/alloc_two.c' -o '$out/alloc_two' $LIBS && '$out/alloc_two'"
check header-quick-start sh -c "grep -q okta_cc_request '$out/quickstart.c' && gcc -std=c99 -Wall -Wextra -Wpedantic -Werror $I '$out/quickstart.c' -o '$out/quickstart' $LIBS"
check include-twice    gcc -std=c99 $WC $I -c "$out/twice.c" -o "$out/twice.o"
check no-curl          gcc -std=c99 $WC $I -DOKTA_CC_NO_CURL -c "$out/impl.c" -o "$out/nocurl.o"
check no-threads       gcc -std=c99 $WC $I -DOKTA_CC_NO_THREADS -c "$out/impl.c" -o "$out/nothreads.o"
check no-curl-no-threads-cxx g++ -x c++ $W $I -DOKTA_CC_NO_CURL -DOKTA_CC_NO_THREADS -c "$out/impl.c" -o "$out/nocurl-cxx.o"
# The PKCS#11 layer: compiled only with OKTA_CC_PKCS11 (dlopen at run time, no -ldl with glibc
# 2.34+); without it, nothing refers to dlopen.
check pkcs11-gcc       gcc -std=c99 $WC $I -DOKTA_CC_PKCS11 -c "$out/impl.c" -o "$out/pkcs11.o"
check pkcs11-clang     clang -std=c99 $WC $I -DOKTA_CC_PKCS11 -c "$out/impl.c" -o "$out/pkcs11-clang.o"
check pkcs11-cxx       g++ -x c++ $W $I -DOKTA_CC_PKCS11 -c "$out/impl.c" -o "$out/pkcs11-cxx.o"
check pkcs11-no-threads-no-curl gcc -std=c99 $WC $I -DOKTA_CC_PKCS11 -DOKTA_CC_NO_THREADS -DOKTA_CC_NO_CURL -c "$out/impl.c" -o "$out/pkcs11-nt.o"
check pkcs11-static-links-without-ldl sh -c "gcc -std=c99 $WC $I -DOKTA_CC_PKCS11 '$out/static.c' -o '$out/static-pkcs11' $LIBS && '$out/static-pkcs11'"
check no-pkcs11-no-dlopen sh -c "gcc -std=c99 $WC $I -c '$out/impl.c' -o '$out/nop11.o' && ! nm '$out/nop11.o' | grep -q dlopen && nm '$out/pkcs11.o' | grep -q dlopen"
# The line examples/README.md (and the example itself) documents, exactly (no extra flags).
check example-get-token-documented-line sh -c "cd '$root' && cc -I. examples/get_token.c -o '$out/get_token' -lbearssl -lcurl -lpthread"
check example-get-token-strict sh -c "gcc -std=c99 $WC $I '$root/examples/get_token.c' -o '$out/get_token2' $LIBS && clang -std=c99 $WC $I '$root/examples/get_token.c' -o '$out/get_token3' $LIBS && g++ -x c++ $W $I '$root/examples/get_token.c' -o '$out/get_token4' $LIBS"
check example-list-users-documented-line sh -c "cd '$root' && cc -I. examples/list_users.c -o '$out/list_users' -lbearssl -lcurl -lpthread"
check example-list-users-strict sh -c "gcc -std=c99 $WC $I '$root/examples/list_users.c' -o '$out/list_users2' $LIBS && clang -std=c99 $WC $I '$root/examples/list_users.c' -o '$out/list_users3' $LIBS"
# make install, then a program built only from what pkg-config says.
check make-install-pkg-config sh -c "rm -rf '$out/prefix' && make -C '$root' --no-print-directory install PREFIX='$out/prefix' BUILD='$out/install-build' >/dev/null && test -x '$out/prefix/bin/okta-cc' && '$out/prefix/bin/okta-cc' --version >/dev/null && PKG_CONFIG_PATH='$out/prefix/lib/pkgconfig' pkg-config --modversion okta_cc | grep -qx \"\$(sed -n 's/^#define OKTA_CC_VERSION_STRING \"\\(.*\\)\"/\\1/p' '$root/okta_cc.h')\" && cd '$out' && cc \$(PKG_CONFIG_PATH='$out/prefix/lib/pkgconfig' pkg-config --cflags okta_cc) '$root/examples/get_token.c' -o '$out/get_token_pc' \$(PKG_CONFIG_PATH='$out/prefix/lib/pkgconfig' pkg-config --libs okta_cc)"
# pkg-config: libcurl's cflags through Requires.private (the implementation includes curl.h),
# -pthread to compile and to link; then a CMake project that finds it with pkg_check_modules, as
# the README shows (when cmake is there: Debian's cmake, which make deps installs).
check pkg-config-requires-curl-pthread sh -c "export PKG_CONFIG_PATH='$out/prefix/lib/pkgconfig'; pkg-config --validate okta_cc && pkg-config --print-requires-private okta_cc | grep -qx libcurl && pkg-config --cflags okta_cc | grep -q -- '-pthread' && pkg-config --libs okta_cc | grep -q -- '-pthread' && pkg-config --libs okta_cc | grep -q -- '-lcurl'"
mkdir -p "$out/cmake-src"
sed -n '/^```cmake$/,/^```$/p' "$root/README.md" | sed '1d;$d' >"$out/cmake-src/CMakeLists.txt"
cp "$root/examples/get_token.c" "$out/cmake-src/main.c"
check cmake-pkg-check-modules sh -c "command -v cmake >/dev/null || { echo 'cmake missing: make deps installs it'; exit 1; }; grep -q pkg_check_modules '$out/cmake-src/CMakeLists.txt' && rm -rf '$out/cmake-build' && PKG_CONFIG_PATH='$out/prefix/lib/pkgconfig' cmake -S '$out/cmake-src' -B '$out/cmake-build' >/dev/null && cmake --build '$out/cmake-build' >/dev/null && test -x '$out/cmake-build/app'"
# Plain make builds without installing anything (no deps.sh, no apt-get, no npm); make deps,
# make test and make demo install what is missing.
check make-builds-without-installing sh -c "out=\$(make -n -C '$root' --no-print-directory BUILD='$out/dry' all 2>&1) && ! printf '%s' \"\$out\" | grep -E 'deps\.sh|apt-get|npm' && make -n -C '$root' --no-print-directory deps | grep -q 'deps\.sh test' && make -n -C '$root' --no-print-directory BUILD='$out/dry' test | grep -q 'deps\.sh test' && make -n -C '$root' --no-print-directory BUILD='$out/dry' demo | grep -q 'deps\.sh demo'"
expect_fail partial-allocator-macros "define both OKTA_CC_MALLOC and OKTA_CC_FREE" gcc -std=c99 $WC $I -c "$out/alloc_partial.c" -o "$out/ap.o"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
