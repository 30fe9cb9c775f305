/* get_token - the smallest complete okta_cc.h program: configuration from the environment,
   one access token on stdout.

   Build:  cc -I. examples/get_token.c -o get_token -lbearssl -lcurl -lpthread
   Run:    OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_CLIENTID=0oa... \
           OKTA_CLIENT_PRIVATEKEY=key.pem OKTA_CLIENT_SCOPES=okta.users.read ./get_token */
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"

#include <curl/curl.h>
#include <stdio.h>

int main(void)
{
    okta_cc_config cfg;
    okta_cc_client *client = NULL;
    okta_cc_error err;
    okta_cc_token_info info;
    char token[8192];
    okta_cc_result r;

    curl_global_init(CURL_GLOBAL_DEFAULT);          /* the application owns libcurl's setup */
    okta_cc_config_init(&cfg);
    okta_cc_config_from_env(&cfg);                  /* OKTA_CLIENT_* variables */
    r = okta_cc_client_new(&client, &cfg, &err);
    if (r == OKTA_CC_OK) r = okta_cc_client_get_token(client, token, sizeof token, NULL, &info, &err);
    if (r == OKTA_CC_OK) {
        fprintf(stderr, "%s token for %s, valid for %lld s\n", info.token_type, info.scope,
                (long long)info.expires_in);
        printf("%s\n", token);
        okta_cc_wipe(token, sizeof token);
    } else {
        fprintf(stderr, "get_token: %s\n", err.message);
    }
    okta_cc_client_free(client);
    curl_global_cleanup();
    return r == OKTA_CC_OK ? 0 : 1;
}
