/* hardware_key - an Okta service app whose private key never leaves a TPM, a smart card or an
   HSM: the key is opened through its PKCS#11 module by an RFC 7512 URI, the token signs every
   client assertion, and the program lists the org's users with the token it gets.

   Build:  cc -I. examples/hardware_key.c -o hardware_key -lbearssl -lcurl -lpthread
           (the module is loaded at run time with dlopen; add -ldl before glibc 2.34)
   Key:    okta-cc keygen --key 'pkcs11:token=TOKEN;object=okta-app' --type ec
           makes the key inside the token and prints the public JWK to register in Okta.
   Run:    OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_CLIENTID=0oa... \
           OKTA_CLIENT_SCOPES=okta.users.read OKTA_CC_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so \
           OKTA_CC_PKCS11_PIN=... ./hardware_key 'pkcs11:token=TOKEN;object=okta-app'
   Modules: SoftHSM /usr/lib/softhsm/libsofthsm2.so, a TPM through tpm2-pkcs11
   (/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so), a YubiKey or smart card through OpenSC
   (/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so); see examples/README.md.

   Setting OKTA_CLIENT_PRIVATEKEY=pkcs11:... (and cfg.pkcs11_module, cfg.pkcs11_pin) does the same
   inside okta_cc_client_new; this program opens the key itself to show the signer: any key
   reached through a callback (okta_cc_signer) plugs into cfg.signer the same way. */
#define OKTA_CC_IMPLEMENTATION
#define OKTA_CC_PKCS11
#include "okta_cc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

/* Prints the public JWK of the token's key (what Okta must know) on stderr. */
static void show_public_key(const okta_cc_signer *signer)
{
    okta_cc_key key;
    char jwk[2048], kid[44];
    if (okta_cc_key_from_signer(&key, signer, NULL) != OKTA_CC_OK) return;
    if (okta_cc_key_thumbprint(&key, kid, sizeof kid, NULL, NULL) == OKTA_CC_OK &&
        okta_cc_key_public_jwk(&key, kid, jwk, sizeof jwk, NULL, NULL) == OKTA_CC_OK)
        fprintf(stderr, "public key: %s\n", jwk);
    okta_cc_key_wipe(&key);     /* it holds no secret, only the signer's pointers */
}

/* Lists the logins of the first page of users. */
static okta_cc_result list_users(okta_cc_client *client, okta_cc_error *err)
{
    okta_cc_response resp;
    okta_cc_json_token *tok = NULL;
    okta_cc_json_doc doc;
    long u;
    okta_cc_result r = okta_cc_request(client, "GET", "/api/v1/users?limit=200", NULL, 0, NULL, &resp, err);
    /* Parsed twice: first to count the values, then into an array of that size. */
    if (r == OKTA_CC_OK) r = okta_cc_json_parse(resp.http.body, resp.http.body_len, NULL, 0, NULL, &doc, err);
    if (r == OKTA_CC_OK && !(tok = (okta_cc_json_token *)malloc(doc.count * sizeof *tok))) r = OKTA_CC_ERR_NO_MEMORY;
    if (r == OKTA_CC_OK) r = okta_cc_json_parse(resp.http.body, resp.http.body_len, tok, doc.count, NULL, &doc, err);
    for (u = r == OKTA_CC_OK ? okta_cc_json_first(&doc, 0) : -1; u >= 0; u = okta_cc_json_next(&doc, 0, (size_t)u)) {
        long profile = okta_cc_json_find(&doc, (size_t)u, "profile");
        long login = profile >= 0 ? okta_cc_json_find(&doc, (size_t)profile, "login") : -1;
        char text[256];
        if (login >= 0 && okta_cc_json_get_string(&doc, (size_t)login, text, sizeof text, NULL, NULL) == OKTA_CC_OK)
            printf("%s\n", text);
    }
    free(tok);
    okta_cc_response_free(&resp);
    return r;
}

int main(int argc, char **argv)
{
    okta_cc_pkcs11 *token = NULL;
    okta_cc_client *client = NULL;
    okta_cc_config cfg;
    okta_cc_error err;
    okta_cc_result r;
    if (argc != 2) {
        fprintf(stderr, "usage: hardware_key 'pkcs11:token=TOKEN;object=KEY'\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* The module and the PIN from the environment; a URI may carry its own (module-path,
       pin-source). A wrong PIN is tried once only: the token is never locked by a retry. */
    r = okta_cc_pkcs11_open(&token, getenv("OKTA_CC_PKCS11_MODULE"), argv[1], getenv("OKTA_CC_PKCS11_PIN"), NULL, &err);
    if (r == OKTA_CC_OK) {
        show_public_key(okta_cc_pkcs11_signer(token));
        okta_cc_config_init(&cfg);
        cfg.signer = okta_cc_pkcs11_signer(token);  /* the token signs every assertion */
        okta_cc_config_from_env(&cfg);              /* org, client id, scopes */
        r = okta_cc_client_new(&client, &cfg, &err);
    }
    if (r == OKTA_CC_OK) r = list_users(client, &err);
    if (r != OKTA_CC_OK) fprintf(stderr, "hardware_key: %s\n", err.message);
    okta_cc_client_free(client);    /* first the client, then the token it signs with */
    okta_cc_pkcs11_close(token);
    curl_global_cleanup();
    return r == OKTA_CC_OK ? 0 : 1;
}
