/* libFuzzer harness: RFC 7512 pkcs11: URI parsing (okta_cc_pkcs11_uri_parse) on any bytes. It
   accepts or refuses with INVALID_ARGUMENT, never reads past the input; an accepted URI has
   NUL-terminated text members without control characters, an id within its array, and a
   message-free error; a refused one leaves the struct wiped and no PIN in the message. */
#define OKTA_CC_IMPLEMENTATION
#define OKTA_CC_PKCS11
#include "../../okta_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                                             \
    do {                                                                                     \
        if (!(x)) {                                                                          \
            fprintf(stderr, "fuzz_pkcs11_uri: check failed at line %d: %s\n", __LINE__, #x); \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

static int text_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap), i;
    if (n == cap) return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char *text = (char *)malloc(size + 1);
    okta_cc_pkcs11_uri u;
    okta_cc_error err;
    okta_cc_result r;
    size_t i;
    CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    r = okta_cc_pkcs11_uri_parse(&u, text, &err);
    if (r == OKTA_CC_OK) {
        CHECK(text_ok(u.token, sizeof u.token) && text_ok(u.object, sizeof u.object));
        CHECK(text_ok(u.manufacturer, sizeof u.manufacturer) && text_ok(u.model, sizeof u.model));
        CHECK(text_ok(u.serial, sizeof u.serial) && text_ok(u.type, sizeof u.type));
        CHECK(text_ok(u.pin_value, sizeof u.pin_value) && text_ok(u.pin_source, sizeof u.pin_source));
        CHECK(text_ok(u.module_path, sizeof u.module_path));
        CHECK(u.id_len <= sizeof u.id && u.slot_id >= -1);
        CHECK(!(u.pin_value[0] && u.pin_source[0]));
        CHECK(strncmp(text, "pkcs11:", 7) == 0 || strncmp(text, "PKCS11:", 7) == 0);
    } else {
        CHECK(r == OKTA_CC_ERR_INVALID_ARGUMENT && err.message[0]);
        for (i = 0; i < sizeof u; i++) CHECK(((unsigned char *)&u)[i] == 0);
        CHECK(!strchr(err.message, '\n'));
    }
    okta_cc_wipe(&u, sizeof u);
    free(text);
    return 0;
}
