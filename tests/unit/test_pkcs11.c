#define _POSIX_C_SOURCE 200809L
/* Tests of the PKCS#11 layer (>>pkcs11, OKTA_CC_PKCS11):
   - its PKCS#11 subset (types, constants, the CK_FUNCTION_LIST layout) against p11-kit's
     pkcs11.h (libp11-kit-dev);
   - RFC 7512 URI parsing: every attribute, percent-decoding, strict refusals;
   - with SoftHSM (softhsm2) on a token made in a temporary directory (SOFTHSM2_CONF): keys
     generated in the token (RSA-2048, P-256) and proven sealed (CKA_EXTRACTABLE false, the
     private value unreadable), signatures that verify, wrong PIN, missing object, a
     public-key-only object, a key with CKA_SIGN false, a missing module, a token whose
     sessions vanish mid-run, a client shared by 8 threads with a token key, a fork() after
     first use.
   Helper modes for tests/cli/cli_pkcs11.sh:  --sealed URI (exit 0 when the private key is
   sealed) and --drop-private URI (destroys the private half, leaving a public-only object);
   both take the module from OKTA_CC_PKCS11_MODULE and the PIN from OKTA_CC_PKCS11_PIN. */
#define OKTA_CC_IMPLEMENTATION
#define OKTA_CC_PKCS11
#include "../../okta_cc.h"
#include "../harness.h"
#include <pthread.h>
#include <sys/wait.h>

/* ---- our layout, measured before p11-kit's header renames members with its macros ---------- */

enum { L_ATTR, L_ATTR_VALUE, L_ATTR_LEN, L_MECH, L_MECH_PARAM, L_MECH_LEN, L_TOKEN, L_TOKEN_FLAGS,
       L_TOKEN_FREE_PRIV, L_TOKEN_HW, L_TOKEN_UTC, L_INIT, L_INIT_FLAGS, L_INIT_RES, L_LIST, L_LIST_INIT,
       L_LIST_SLOTS, L_LIST_TOKEN, L_LIST_OPEN, L_LIST_CLOSE, L_LIST_LOGIN, L_LIST_GETATTR, L_LIST_FINDINIT,
       L_LIST_FIND, L_LIST_FINDFINAL, L_LIST_SIGNINIT, L_LIST_SIGN, L_LIST_GENPAIR, L_LIST_WAIT, L_COUNT };
static size_t ours[L_COUNT];

static void measure_ours(void)
{
    ours[L_ATTR] = sizeof(okta_cc__ck_attribute);
    ours[L_ATTR_VALUE] = offsetof(okta_cc__ck_attribute, value);
    ours[L_ATTR_LEN] = offsetof(okta_cc__ck_attribute, len);
    ours[L_MECH] = sizeof(okta_cc__ck_mechanism);
    ours[L_MECH_PARAM] = offsetof(okta_cc__ck_mechanism, parameter);
    ours[L_MECH_LEN] = offsetof(okta_cc__ck_mechanism, len);
    ours[L_TOKEN] = sizeof(okta_cc__ck_token_info);
    ours[L_TOKEN_FLAGS] = offsetof(okta_cc__ck_token_info, flags);
    ours[L_TOKEN_FREE_PRIV] = offsetof(okta_cc__ck_token_info, free_private_memory);
    ours[L_TOKEN_HW] = offsetof(okta_cc__ck_token_info, hardware_version);
    ours[L_TOKEN_UTC] = offsetof(okta_cc__ck_token_info, utc_time);
    ours[L_INIT] = sizeof(okta_cc__ck_init_args);
    ours[L_INIT_FLAGS] = offsetof(okta_cc__ck_init_args, flags);
    ours[L_INIT_RES] = offsetof(okta_cc__ck_init_args, reserved);
    ours[L_LIST] = sizeof(okta_cc__ck_functions);
    ours[L_LIST_INIT] = offsetof(okta_cc__ck_functions, C_Initialize);
    ours[L_LIST_SLOTS] = offsetof(okta_cc__ck_functions, C_GetSlotList);
    ours[L_LIST_TOKEN] = offsetof(okta_cc__ck_functions, C_GetTokenInfo);
    ours[L_LIST_OPEN] = offsetof(okta_cc__ck_functions, C_OpenSession);
    ours[L_LIST_CLOSE] = offsetof(okta_cc__ck_functions, C_CloseSession);
    ours[L_LIST_LOGIN] = offsetof(okta_cc__ck_functions, C_Login);
    ours[L_LIST_GETATTR] = offsetof(okta_cc__ck_functions, C_GetAttributeValue);
    ours[L_LIST_FINDINIT] = offsetof(okta_cc__ck_functions, C_FindObjectsInit);
    ours[L_LIST_FIND] = offsetof(okta_cc__ck_functions, C_FindObjects);
    ours[L_LIST_FINDFINAL] = offsetof(okta_cc__ck_functions, C_FindObjectsFinal);
    ours[L_LIST_SIGNINIT] = offsetof(okta_cc__ck_functions, C_SignInit);
    ours[L_LIST_SIGN] = offsetof(okta_cc__ck_functions, C_Sign);
    ours[L_LIST_GENPAIR] = offsetof(okta_cc__ck_functions, C_GenerateKeyPair);
    ours[L_LIST_WAIT] = offsetof(okta_cc__ck_functions, C_WaitForSlotEvent);
}

#include <p11-kit-1/p11-kit/pkcs11.h>

static void test_layout_matches_p11kit(void)
{
    measure_ours();
    CHECK_EQ_INT(ours[L_ATTR], sizeof(CK_ATTRIBUTE));
    CHECK_EQ_INT(ours[L_ATTR_VALUE], offsetof(CK_ATTRIBUTE, pValue));
    CHECK_EQ_INT(ours[L_ATTR_LEN], offsetof(CK_ATTRIBUTE, ulValueLen));
    CHECK_EQ_INT(ours[L_MECH], sizeof(CK_MECHANISM));
    CHECK_EQ_INT(ours[L_MECH_PARAM], offsetof(CK_MECHANISM, pParameter));
    CHECK_EQ_INT(ours[L_MECH_LEN], offsetof(CK_MECHANISM, ulParameterLen));
    CHECK_EQ_INT(ours[L_TOKEN], sizeof(CK_TOKEN_INFO));
    CHECK_EQ_INT(ours[L_TOKEN_FLAGS], offsetof(CK_TOKEN_INFO, flags));
    CHECK_EQ_INT(ours[L_TOKEN_FREE_PRIV], offsetof(CK_TOKEN_INFO, ulFreePrivateMemory));
    CHECK_EQ_INT(ours[L_TOKEN_HW], offsetof(CK_TOKEN_INFO, hardwareVersion));
    CHECK_EQ_INT(ours[L_TOKEN_UTC], offsetof(CK_TOKEN_INFO, utcTime));
    CHECK_EQ_INT(ours[L_INIT], sizeof(CK_C_INITIALIZE_ARGS));
    CHECK_EQ_INT(ours[L_INIT_FLAGS], offsetof(CK_C_INITIALIZE_ARGS, flags));
    CHECK_EQ_INT(ours[L_INIT_RES], offsetof(CK_C_INITIALIZE_ARGS, pReserved));
    CHECK_EQ_INT(ours[L_LIST], sizeof(CK_FUNCTION_LIST));
    CHECK_EQ_INT(ours[L_LIST_INIT], offsetof(CK_FUNCTION_LIST, C_Initialize));
    CHECK_EQ_INT(ours[L_LIST_SLOTS], offsetof(CK_FUNCTION_LIST, C_GetSlotList));
    CHECK_EQ_INT(ours[L_LIST_TOKEN], offsetof(CK_FUNCTION_LIST, C_GetTokenInfo));
    CHECK_EQ_INT(ours[L_LIST_OPEN], offsetof(CK_FUNCTION_LIST, C_OpenSession));
    CHECK_EQ_INT(ours[L_LIST_CLOSE], offsetof(CK_FUNCTION_LIST, C_CloseSession));
    CHECK_EQ_INT(ours[L_LIST_LOGIN], offsetof(CK_FUNCTION_LIST, C_Login));
    CHECK_EQ_INT(ours[L_LIST_GETATTR], offsetof(CK_FUNCTION_LIST, C_GetAttributeValue));
    CHECK_EQ_INT(ours[L_LIST_FINDINIT], offsetof(CK_FUNCTION_LIST, C_FindObjectsInit));
    CHECK_EQ_INT(ours[L_LIST_FIND], offsetof(CK_FUNCTION_LIST, C_FindObjects));
    CHECK_EQ_INT(ours[L_LIST_FINDFINAL], offsetof(CK_FUNCTION_LIST, C_FindObjectsFinal));
    CHECK_EQ_INT(ours[L_LIST_SIGNINIT], offsetof(CK_FUNCTION_LIST, C_SignInit));
    CHECK_EQ_INT(ours[L_LIST_SIGN], offsetof(CK_FUNCTION_LIST, C_Sign));
    CHECK_EQ_INT(ours[L_LIST_GENPAIR], offsetof(CK_FUNCTION_LIST, C_GenerateKeyPair));
    CHECK_EQ_INT(ours[L_LIST_WAIT], offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent));
}

static void test_constants_match_p11kit(void)
{
    static const unsigned long pairs[][2] = {
        {OKTA_CC__CKR_OK, CKR_OK}, {OKTA_CC__CKR_DEVICE_ERROR, CKR_DEVICE_ERROR},
        {OKTA_CC__CKR_DEVICE_REMOVED, CKR_DEVICE_REMOVED}, {OKTA_CC__CKR_KEY_HANDLE_INVALID, CKR_KEY_HANDLE_INVALID},
        {OKTA_CC__CKR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_FUNCTION_NOT_PERMITTED},
        {OKTA_CC__CKR_OBJECT_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID}, {OKTA_CC__CKR_PIN_INCORRECT, CKR_PIN_INCORRECT},
        {OKTA_CC__CKR_PIN_INVALID, CKR_PIN_INVALID}, {OKTA_CC__CKR_PIN_LEN_RANGE, CKR_PIN_LEN_RANGE},
        {OKTA_CC__CKR_PIN_EXPIRED, CKR_PIN_EXPIRED}, {OKTA_CC__CKR_PIN_LOCKED, CKR_PIN_LOCKED},
        {OKTA_CC__CKR_SESSION_CLOSED, CKR_SESSION_CLOSED}, {OKTA_CC__CKR_SESSION_HANDLE_INVALID, CKR_SESSION_HANDLE_INVALID},
        {OKTA_CC__CKR_TOKEN_NOT_PRESENT, CKR_TOKEN_NOT_PRESENT},
        {OKTA_CC__CKR_USER_ALREADY_LOGGED_IN, CKR_USER_ALREADY_LOGGED_IN},
        {OKTA_CC__CKR_USER_NOT_LOGGED_IN, CKR_USER_NOT_LOGGED_IN},
        {OKTA_CC__CKR_CRYPTOKI_ALREADY_INITIALIZED, CKR_CRYPTOKI_ALREADY_INITIALIZED},
        {OKTA_CC__CKF_OS_LOCKING_OK, CKF_OS_LOCKING_OK}, {OKTA_CC__CKF_RW_SESSION, CKF_RW_SESSION},
        {OKTA_CC__CKF_SERIAL_SESSION, CKF_SERIAL_SESSION}, {OKTA_CC__CKU_USER, CKU_USER},
        {OKTA_CC__CKO_PUBLIC_KEY, CKO_PUBLIC_KEY}, {OKTA_CC__CKO_PRIVATE_KEY, CKO_PRIVATE_KEY},
        {OKTA_CC__CKK_RSA, CKK_RSA}, {OKTA_CC__CKK_EC, CKK_EC}, {OKTA_CC__CKA_CLASS, CKA_CLASS},
        {OKTA_CC__CKA_TOKEN, CKA_TOKEN}, {OKTA_CC__CKA_PRIVATE, CKA_PRIVATE}, {OKTA_CC__CKA_LABEL, CKA_LABEL},
        {OKTA_CC__CKA_KEY_TYPE, CKA_KEY_TYPE}, {OKTA_CC__CKA_ID, CKA_ID}, {OKTA_CC__CKA_SENSITIVE, CKA_SENSITIVE},
        {OKTA_CC__CKA_SIGN, CKA_SIGN}, {OKTA_CC__CKA_VERIFY, CKA_VERIFY}, {OKTA_CC__CKA_MODULUS, CKA_MODULUS},
        {OKTA_CC__CKA_MODULUS_BITS, CKA_MODULUS_BITS}, {OKTA_CC__CKA_PUBLIC_EXPONENT, CKA_PUBLIC_EXPONENT},
        {OKTA_CC__CKA_PUBLIC_KEY_INFO, CKA_PUBLIC_KEY_INFO}, {OKTA_CC__CKA_EXTRACTABLE, CKA_EXTRACTABLE},
        {OKTA_CC__CKA_EC_PARAMS, CKA_EC_PARAMS}, {OKTA_CC__CKA_EC_POINT, CKA_EC_POINT},
        {OKTA_CC__CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS_KEY_PAIR_GEN},
        {OKTA_CC__CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS}, {OKTA_CC__CKM_SHA384_RSA_PKCS, CKM_SHA384_RSA_PKCS},
        {OKTA_CC__CKM_SHA512_RSA_PKCS, CKM_SHA512_RSA_PKCS}, {OKTA_CC__CKM_EC_KEY_PAIR_GEN, CKM_EC_KEY_PAIR_GEN},
        {OKTA_CC__CKM_ECDSA, CKM_ECDSA}, {OKTA_CC__CK_UNAVAILABLE, CK_UNAVAILABLE_INFORMATION},
    };
    size_t i;
    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if (pairs[i][0] != pairs[i][1]) fprintf(stderr, "  constant #%lu: 0x%lx != 0x%lx\n", (unsigned long)i, pairs[i][0], pairs[i][1]);
        CHECK(pairs[i][0] == pairs[i][1]);
    }
}

/* ---- RFC 7512 URIs ----------------------------------------------------------------------------- */

static void test_uri_parse(void)
{
    okta_cc_pkcs11_uri u;
    okta_cc_error err;
    CHECK(okta_cc_pkcs11_uri_parse(&u, "pkcs11:token=My%20Token;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;"
                                       "serial=1a2b;object=okta%2Fapp%3Bkey;id=%01%02%ff%00;type=private;slot-id=42;"
                                       "library-manufacturer=x;library-version=2.6;slot-description=s;"
                                       "slot-manufacturer=m;library-description=d"
                                       "?pin-value=12%2634&module-path=/usr/lib/x.so&module-name=softhsm2",
                                   &err) == OKTA_CC_OK);
    CHECK_EQ_STR(u.token, "My Token");
    CHECK_EQ_STR(u.manufacturer, "SoftHSM project");
    CHECK_EQ_STR(u.model, "SoftHSM v2");
    CHECK_EQ_STR(u.serial, "1a2b");
    CHECK_EQ_STR(u.object, "okta/app;key");
    CHECK(u.id_len == 4 && memcmp(u.id, "\x01\x02\xff\x00", 4) == 0);
    CHECK_EQ_STR(u.type, "private");
    CHECK_EQ_INT(u.slot_id, 42);
    CHECK_EQ_STR(u.pin_value, "12&34");
    CHECK_EQ_STR(u.module_path, "/usr/lib/x.so");
    CHECK(okta_cc_pkcs11_uri_parse(&u, "pkcs11:", &err) == OKTA_CC_OK && u.slot_id == -1 && !u.object[0]);
    CHECK(okta_cc_pkcs11_uri_parse(&u, "pkcs11:?pin-source=file:/run/pin", &err) == OKTA_CC_OK);
    CHECK_EQ_STR(u.pin_source, "file:/run/pin");
    CHECK(okta_cc_pkcs11_uri_parse(&u, "pkcs11:object=a=b&c", &err) == OKTA_CC_OK);     /* '=' '&' in the path */
    CHECK_EQ_STR(u.object, "a=b&c");
}

static void test_uri_refusals(void)
{
    static const char *const bad[] = {
        "pkcs11", "pkcs12:object=a", "file:object=a", "pkcs11:object=a;object=b", "pkcs11:object=a;",
        "pkcs11:;object=a", "pkcs11:object", "pkcs11:=a", "pkcs11:objet=a", "pkcs11:x-vendor=1",
        "pkcs11:object=a b", "pkcs11:object=a%2", "pkcs11:object=a%zz", "pkcs11:object=%0a",
        "pkcs11:object=a/b", "pkcs11:object=a?pin-value=1&pin-value=2", "pkcs11:object=a?pin-value=1&pin-source=f",
        "pkcs11:object=a?token=b", "pkcs11:pin-value=1", "pkcs11:type=secret", "pkcs11:slot-id=-1",
        "pkcs11:slot-id=x", "pkcs11:slot-id=", "pkcs11:object=\"a\"", "pkcs11:object=a\x7f",
        "pkcs11:object=a?pin-value=", "pkcs11:object=a?&pin-value=1",
    };
    char longer[600];
    okta_cc_pkcs11_uri u;
    okta_cc_error err;
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        okta_cc_result r = okta_cc_pkcs11_uri_parse(&u, bad[i], &err);
        if (i == sizeof bad / sizeof bad[0] - 2) {  /* an empty pin-value is allowed by the grammar */
            CHECK(r == OKTA_CC_OK);
            continue;
        }
        if (r != OKTA_CC_ERR_INVALID_ARGUMENT) fprintf(stderr, "  accepted: %s\n", bad[i]);
        CHECK(r == OKTA_CC_ERR_INVALID_ARGUMENT && err.message[0]);
    }
    CHECK(okta_cc_pkcs11_uri_parse(&u, "pkcs11:object=a?pin-value=SECRET1&pin-value=2", &err) != OKTA_CC_OK);
    CHECK(strstr(err.message, "SECRET1") == NULL && strstr(err.message, "pin-value given twice") != NULL);
    memcpy(longer, "pkcs11:object=", 14);
    memset(longer + 14, 'a', sizeof longer - 15);
    longer[sizeof longer - 1] = '\0';
    CHECK(okta_cc_pkcs11_uri_parse(&u, longer, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_pkcs11_uri_parse(NULL, "pkcs11:", &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
    CHECK(okta_cc_pkcs11_uri_parse(&u, NULL, &err) == OKTA_CC_ERR_INVALID_ARGUMENT);
}

/* ---- SoftHSM ----------------------------------------------------------------------------------- */

static const char *module = "/usr/lib/softhsm/libsofthsm2.so";
static char token_dir[256];

/* A fresh token "okta-test" (PIN 1234) in a temporary directory of its own. */
static int make_token(void)
{
    char conf[300], cmd[600];
    FILE *f;
    strcpy(token_dir, "/tmp/okta-cc-p11-XXXXXX");
    if (!mkdtemp(token_dir)) return 0;
    snprintf(conf, sizeof conf, "%s/softhsm2.conf", token_dir);
    f = fopen(conf, "w");
    if (!f) return 0;
    fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", token_dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", conf, 1);
    snprintf(cmd, sizeof cmd, "softhsm2-util --init-token --free --label okta-test --so-pin 5678 --pin 1234 >/dev/null");
    return system(cmd) == 0;
}

static void remove_token(void)
{
    char cmd[300];
    if (!token_dir[0]) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", token_dir);
    if (system(cmd) != 0) fprintf(stderr, "  could not remove %s\n", token_dir);
}

/* Signs a JWT with key and verifies it with the key's public half. */
static int signs_and_verifies(const okta_cc_key *key, okta_cc_error *err)
{
    char jws[4096];
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t n = 0, sig_len = 0;
    const char *dot;
    if (okta_cc_jwt_sign(key, OKTA_CC_ALG_DEFAULT, NULL, "{\"a\":1}", 7, jws, sizeof jws, &n, err) != OKTA_CC_OK)
        return 0;
    dot = strrchr(jws, '.');
    if (okta_cc_b64url_decode(dot + 1, strlen(dot + 1), sig, sizeof sig, &sig_len, NULL) != OKTA_CC_OK) return 0;
    return okta_cc_jws_verify_bytes(key, OKTA_CC_ALG_DEFAULT, jws, (size_t)(dot - jws), sig, sig_len, NULL) == OKTA_CC_OK;
}

/* CKA_EXTRACTABLE false, CKA_SENSITIVE true, and the private value refused. */
static int key_is_sealed(okta_cc_pkcs11 *p)
{
    CK_FUNCTION_LIST *f = (CK_FUNCTION_LIST *)(void *)p->f;
    CK_BBOOL extractable = CK_TRUE, sensitive = CK_FALSE;
    unsigned char value[1024];
    CK_ATTRIBUTE a[2], v;
    CK_RV rv;
    a[0].type = CKA_EXTRACTABLE, a[0].pValue = &extractable, a[0].ulValueLen = 1;
    a[1].type = CKA_SENSITIVE, a[1].pValue = &sensitive, a[1].ulValueLen = 1;
    if (f->C_GetAttributeValue(p->session, p->key, a, 2) != CKR_OK) return 0;
    v.type = p->key_type == CKK_EC ? CKA_VALUE : CKA_PRIVATE_EXPONENT, v.pValue = value, v.ulValueLen = sizeof value;
    rv = f->C_GetAttributeValue(p->session, p->key, &v, 1);
    return extractable == CK_FALSE && sensitive == CK_TRUE && rv == CKR_ATTRIBUTE_SENSITIVE &&
           v.ulValueLen == CK_UNAVAILABLE_INFORMATION;
}

static void generated(okta_cc_key_type type, unsigned bits, const char *uri, const char *jkt_out_name)
{
    okta_cc_pkcs11 *p = NULL, *q = NULL;
    okta_cc_key k, k2;
    okta_cc_error err;
    char t1[44], t2[44];
    CHECK(okta_cc_pkcs11_generate(&p, module, uri, "1234", type, bits, NULL, &err) == OKTA_CC_OK);
    if (!p) { fprintf(stderr, "  %s\n", err.message); return; }
    CHECK(key_is_sealed(p));
    CHECK(okta_cc_key_from_signer(&k, okta_cc_pkcs11_signer(p), &err) == OKTA_CC_OK);
    CHECK(k.type == type && k.bits == bits && k.sign != NULL);
    CHECK(signs_and_verifies(&k, &err));
    /* Opened again (a new object on the module the first one initialised). */
    CHECK(okta_cc_pkcs11_open(&q, module, uri, "1234", NULL, &err) == OKTA_CC_OK);
    CHECK(q && okta_cc_key_from_signer(&k2, okta_cc_pkcs11_signer(q), &err) == OKTA_CC_OK);
    CHECK(okta_cc_key_thumbprint(&k, t1, sizeof t1, NULL, NULL) == OKTA_CC_OK);
    CHECK(okta_cc_key_thumbprint(&k2, t2, sizeof t2, NULL, NULL) == OKTA_CC_OK);
    CHECK_EQ_STR(t1, t2);
    CHECK(signs_and_verifies(&k2, &err));
    /* Generating it again is refused: nothing is overwritten. */
    okta_cc_pkcs11_close(q);
    CHECK_EQ_INT(okta_cc_pkcs11_generate(&q, module, uri, "1234", type, bits, NULL, &err), OKTA_CC_ERR_CONFIG);
    CHECK(q == NULL && strstr(err.message, "in the token already") != NULL);
    okta_cc_pkcs11_close(p);
    (void)jkt_out_name;
}

static void test_generate_rsa_2048_sealed(void)
{
    generated(OKTA_CC_KEY_RSA, 2048, "pkcs11:token=okta-test;object=rsa-1;id=%01", "rsa");
}

static void test_generate_ec_p256_sealed(void)
{
    generated(OKTA_CC_KEY_EC, 256, "pkcs11:token=okta-test;object=ec-1;id=%02", "ec");
}

static void expect_open_error(const char *mod, const char *uri, const char *pin, okta_cc_result want,
                              const char *in_message)
{
    okta_cc_pkcs11 *p = (okta_cc_pkcs11 *)&p;
    okta_cc_error err;
    CHECK_EQ_INT(okta_cc_pkcs11_open(&p, mod, uri, pin, NULL, &err), want);
    CHECK(p == NULL);
    if (!strstr(err.message, in_message)) fprintf(stderr, "  message: %s\n", err.message);
    CHECK(strstr(err.message, in_message) != NULL && !strchr(err.message, '\n'));
    CHECK(strstr(err.message, "1234") == NULL && strstr(err.message, "9999") == NULL);
}

static void test_open_errors(void)
{
    expect_open_error(module, "pkcs11:token=okta-test;object=ec-1", "9999", OKTA_CC_ERR_DEVICE, "wrong PIN");
    expect_open_error(module, "pkcs11:token=okta-test;object=ec-1?pin-value=9999", NULL, OKTA_CC_ERR_DEVICE,
                      "tried once and not again");
    expect_open_error(module, "pkcs11:token=okta-test;object=nothing", "1234", OKTA_CC_ERR_NOT_FOUND,
                      "no private key matches pkcs11:token=okta-test;object=nothing");
    expect_open_error(module, "pkcs11:token=no-such-token;object=ec-1", "1234", OKTA_CC_ERR_NOT_FOUND, "no token matches");
    expect_open_error("/nonexistent/libnothing.so", "pkcs11:object=ec-1", "1234", OKTA_CC_ERR_IO,
                      "PKCS#11 module /nonexistent/libnothing.so cannot be loaded");
    expect_open_error("libc.so.6", "pkcs11:object=ec-1", "1234", OKTA_CC_ERR_IO, "is not a PKCS#11 module");
    expect_open_error(NULL, "pkcs11:object=ec-1", "1234", OKTA_CC_ERR_CONFIG, "no PKCS#11 module");
    expect_open_error(module, "pkcs11:token=okta-test;object=ec-1;type=public", "1234", OKTA_CC_ERR_INVALID_ARGUMENT,
                      "only a private key signs");
    expect_open_error(module, "pkcs11:token=okta-test", "1234", OKTA_CC_ERR_INVALID_ARGUMENT, "names no key");
    /* The right PIN still works: the wrong ones above did not lock the token. The URI's PIN
       comes before the argument. */
    {
        okta_cc_pkcs11 *p = NULL;
        okta_cc_error err;
        CHECK(okta_cc_pkcs11_open(&p, module, "pkcs11:token=okta-test;object=ec-1?pin-value=1234", "9999", NULL,
                                  &err) == OKTA_CC_OK);
        okta_cc_pkcs11_close(p);
    }
}

/* The private half destroyed: what is left is a public key only. */
static int drop_private(okta_cc_pkcs11 *p)
{
    CK_FUNCTION_LIST *f = (CK_FUNCTION_LIST *)(void *)p->f;
    CK_SESSION_HANDLE rw;
    int ok;
    if (f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &rw) != CKR_OK) return 0;
    ok = f->C_DestroyObject(rw, p->key) == CKR_OK;
    f->C_CloseSession(rw);
    return ok;
}

static void test_public_only_and_cannot_sign(void)
{
    okta_cc_pkcs11 *p = NULL;
    okta_cc_error err;
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE a;
    CHECK(okta_cc_pkcs11_generate(&p, module, "pkcs11:token=okta-test;object=pub-only", "1234", OKTA_CC_KEY_EC, 256,
                                  NULL, &err) == OKTA_CC_OK);
    CHECK(p && drop_private(p));
    okta_cc_pkcs11_close(p);
    expect_open_error(module, "pkcs11:token=okta-test;object=pub-only", "1234", OKTA_CC_ERR_KEY_PUBLIC_ONLY,
                      "is a public key only");
    p = NULL;
    CHECK(okta_cc_pkcs11_generate(&p, module, "pkcs11:token=okta-test;object=no-sign", "1234", OKTA_CC_KEY_EC, 256,
                                  NULL, &err) == OKTA_CC_OK);
    a.type = CKA_SIGN, a.pValue = &no, a.ulValueLen = 1;
    CHECK(p && ((CK_FUNCTION_LIST *)(void *)p->f)->C_SetAttributeValue(p->session, p->key, &a, 1) == CKR_OK);
    okta_cc_pkcs11_close(p);
    expect_open_error(module, "pkcs11:token=okta-test;object=no-sign", "1234", OKTA_CC_ERR_KEY_UNSUPPORTED,
                      "cannot sign (its CKA_SIGN is false)");
}

/* The token's sessions vanish mid-run (as when it is pulled out): a clear error, no crash. */
static void test_token_gone_mid_run(void)
{
    okta_cc_pkcs11 *p = NULL;
    okta_cc_key k;
    okta_cc_error err;
    char jws[512];
    CHECK(okta_cc_pkcs11_open(&p, module, "pkcs11:token=okta-test;object=ec-1", "1234", NULL, &err) == OKTA_CC_OK);
    if (!p) return;
    CHECK(okta_cc_key_from_signer(&k, okta_cc_pkcs11_signer(p), &err) == OKTA_CC_OK);
    CHECK(signs_and_verifies(&k, &err));
    CHECK(((CK_FUNCTION_LIST *)(void *)p->f)->C_CloseAllSessions(p->slot) == CKR_OK);
    CHECK_EQ_INT(okta_cc_jwt_sign(&k, OKTA_CC_ALG_DEFAULT, NULL, "{}", 2, jws, sizeof jws, NULL, &err), OKTA_CC_ERR_DEVICE);
    if (!strstr(err.message, "removed or its session lost")) fprintf(stderr, "  message: %s\n", err.message);
    CHECK(strstr(err.message, "the token was removed or its session lost (CKR_SESSION_HANDLE_INVALID") != NULL);
    p->have_session = 0;    /* closed behind its back */
    okta_cc_pkcs11_close(p);
}

/* ---- a client with a token key: 8 threads, then fork() ----------------------------------------- */

typedef struct verifier {
    okta_cc_key pub;            /* the token key, to verify assertions with */
    long posts, bad;            /* atomic */
} verifier;

static okta_cc_result verify_perform(void *ctx, const okta_cc_http_request *req, okta_cc_http_response *resp,
                                     okta_cc_error *err)
{
    verifier *v = (verifier *)ctx;
    const char *a = req->body ? strstr(req->body, "client_assertion=") : NULL;
    const char *body = "[]";
    (void)err;
    if (strcmp(req->method, "POST") == 0) {
        size_t n = a ? strcspn(a + 17, "&") : 0;
        const char *dot = NULL, *q;
        unsigned char sig[OKTA_CC_SIG_MAX];
        size_t sig_len = 0;
        for (q = a ? a + 17 : NULL; q && q < a + 17 + n; q++) if (*q == '.') dot = q;
        if (!dot || okta_cc_b64url_decode(dot + 1, (size_t)(a + 17 + n - dot - 1), sig, sizeof sig, &sig_len, NULL) ||
            okta_cc_jws_verify_bytes(&v->pub, OKTA_CC_ALG_DEFAULT, a + 17, (size_t)(dot - a - 17), sig, sig_len, NULL))
            __atomic_add_fetch(&v->bad, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&v->posts, 1, __ATOMIC_SEQ_CST);
        body = "{\"token_type\":\"Bearer\",\"expires_in\":3600,\"access_token\":\"at\",\"scope\":\"okta.users.read\"}";
    }
    okta_cc_http_response_header_line(resp, "HTTP/1.1 200 OK", 15, NULL);
    return okta_cc_http_response_append_body(resp, body, strlen(body), NULL);
}

typedef struct worker {
    okta_cc_client *c;
    int failures;
} worker;

static void *worker_run(void *arg)
{
    worker *w = (worker *)arg;
    int i;
    for (i = 0; i < 20; i++) {
        char assertion[4096];
        okta_cc_error err;
        if (okta_cc_client_sign_assertion(w->c, assertion, sizeof assertion, NULL, &err) != OKTA_CC_OK) {
            fprintf(stderr, "  %s\n", err.message);
            w->failures++;
        }
        if (okta_cc_client_refresh_token(w->c, 3600, &err) != OKTA_CC_OK) w->failures++;
    }
    return NULL;
}

static okta_cc_client *token_client(verifier *v, const char *uri, okta_cc_error *err)
{
    okta_cc_config cfg;
    okta_cc_client *c = NULL;
    okta_cc_config_init(&cfg);
    cfg.org_url = "https://dev-123.okta.com";
    cfg.client_id = "0oa_p11";
    cfg.scopes = "okta.users.read";
    cfg.private_key = uri;
    cfg.pkcs11_module = module;
    cfg.pkcs11_pin = "1234";
    cfg.dpop = OKTA_CC_DPOP_NEVER;
    cfg.transport.perform = verify_perform;
    cfg.transport.ctx = v;
    cfg.transport.concurrent = 1;
    if (okta_cc_client_new(&c, &cfg, err) != OKTA_CC_OK) fprintf(stderr, "  client: %s\n", err->message);
    return c;
}

static void test_client_shared_by_8_threads(void)
{
    verifier v;
    okta_cc_client *c;
    okta_cc_error err;
    worker w[8];
    pthread_t th[8];
    int i, failures = 0;
    memset(&v, 0, sizeof v);
    c = token_client(&v, "pkcs11:token=okta-test;object=rsa-1", &err);
    CHECK(c != NULL);
    if (!c) return;
    v.pub = c->key;
    for (i = 0; i < 8; i++) {
        w[i].c = c, w[i].failures = 0;
        pthread_create(&th[i], NULL, worker_run, &w[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    CHECK_EQ_INT(failures, 0);
    CHECK_EQ_INT(v.bad, 0);
    CHECK(v.posts >= 1);
    okta_cc_client_free(c);
}

/* The parent signs, forks; the child signs (its module initialised again, a session of its own)
   and gets a token; the parent signs on afterwards on its own session. */
static void test_fork_after_first_use(void)
{
    verifier v;
    okta_cc_client *c;
    okta_cc_error err;
    char a[4096], token[256];
    pid_t pid;
    int status = -1;
    memset(&v, 0, sizeof v);
    c = token_client(&v, "pkcs11:token=okta-test;object=ec-1", &err);
    CHECK(c != NULL);
    if (!c) return;
    v.pub = c->key;
    CHECK(okta_cc_client_sign_assertion(c, a, sizeof a, NULL, &err) == OKTA_CC_OK);
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int ok = okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK && v.bad == 0 &&
                 v.posts == 1 && c->p11[0]->pid == (long)getpid();
        if (!ok) fprintf(stderr, "  child: %s\n", err.message);
        okta_cc_client_free(c);
        _exit(ok ? 0 : 1);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(okta_cc_client_sign_assertion(c, a, sizeof a, NULL, &err) == OKTA_CC_OK);
    CHECK(okta_cc_client_get_token(c, token, sizeof token, NULL, NULL, &err) == OKTA_CC_OK);
    CHECK_EQ_INT(v.bad, 0);
    CHECK(c->p11[0]->pid == (long)getpid());
    okta_cc_client_free(c);
}

/* ---- helper modes for tests/cli/cli_pkcs11.sh ------------------------------------------------ */

static int helper(const char *mode, const char *uri)
{
    okta_cc_pkcs11 *p = NULL;
    okta_cc_error err;
    int ok;
    const char *mod = getenv("OKTA_CC_PKCS11_MODULE");
    if (okta_cc_pkcs11_open(&p, mod ? mod : module, uri, getenv("OKTA_CC_PKCS11_PIN"), NULL, &err) != OKTA_CC_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    ok = strcmp(mode, "--sealed") == 0 ? key_is_sealed(p) : drop_private(p);
    okta_cc_pkcs11_close(p);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && argv[1][0] == '-' && argv[1][1] == '-') return helper(argv[1], argv[2]);
    if (argc > 1 && strcmp(argv[1], "-q") == 0) h_verbose = 0;
    RUN(test_layout_matches_p11kit);
    RUN(test_constants_match_p11kit);
    RUN(test_uri_parse);
    RUN(test_uri_refusals);
    if (!make_token()) {
        printf("FAIL setup: a SoftHSM token (softhsm2-util, %s)\n", module);
        h_failed++;
        remove_token();
        return h_summary();
    }
    RUN(test_generate_rsa_2048_sealed);
    RUN(test_generate_ec_p256_sealed);
    RUN(test_open_errors);
    RUN(test_public_only_and_cannot_sign);
    RUN(test_token_gone_mid_run);
    RUN(test_client_shared_by_8_threads);
    RUN(test_fork_after_first_use);
    remove_token();
    return h_summary();
}
