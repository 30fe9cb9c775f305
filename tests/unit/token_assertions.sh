#!/usr/bin/env bash
# The token client's scripted tests (tests/unit/test_token.c: no server), then every assertion
# they made (10 000 of them: fresh jti each) checked by PyJWT: signature, aud, iss, sub,
# exp - iat, jti. The keys are the repository's vectors (tests/vectors/jose).
# Environment: BUILD, TEST_SUFFIX (_asan, _tsan), SKIP_VERIFY=1 (the C tests only), TEST_WRAPPER.
set -u
TEST_WRAPPER=${TEST_WRAPPER:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
cd "$root"
OKTA_CC_TEST_ASSERTIONS=$work/assertions.txt $TEST_WRAPPER "$build/tests/test_token${TEST_SUFFIX:-}" "$@"
rc=$?
if [ -z "${SKIP_VERIFY:-}" ]; then
  vectors=$root/tests/vectors/jose
  { echo '{"keys":['; $py "$root/tests/keytool.py" jwk-public "$vectors/generated-ec-p256-pkcs8.pem" ec-vector
    echo ','; $py "$root/tests/keytool.py" jwk-public "$vectors/rfc7515-a2-rsa-pkcs8.pem" kid-unit; echo ']}'; } >"$work/jwks.json"
  $py "$root/tests/keytool.py" verify-assertions "$work/assertions.txt" "$work/jwks.json" || rc=1
fi
exit $rc
