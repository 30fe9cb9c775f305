/* list_users - the whole service-app flow: configuration from the environment, an access token
   from a signed client assertion, then every user of the org through pagination, one line per
   user: login and status.

   Build:  cc -I. examples/list_users.c -o list_users -lbearssl -lcurl -lpthread
   Run:    OKTA_CLIENT_ORGURL=https://dev-123.okta.com OKTA_CLIENT_CLIENTID=0oa... \
           OKTA_CLIENT_PRIVATEKEY=key.pem OKTA_CLIENT_SCOPES=okta.users.read ./list_users */
#define OKTA_CC_IMPLEMENTATION
#include "okta_cc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

/* Prints "login status" for each user object of one page (a JSON array). */
static okta_cc_result print_page(const okta_cc_response *page, long *count, okta_cc_error *err)
{
    okta_cc_json_doc doc;
    okta_cc_json_token *tokens;
    okta_cc_json_limits limits = {0, 16u << 20};    /* a page of 200 users is ~300 KB */
    okta_cc_result r;
    long user;
    /* First pass counts the values, second fills the token array: no guessing at sizes. */
    r = okta_cc_json_parse(page->http.body, page->http.body_len, NULL, 0, &limits, &doc, err);
    if (r != OKTA_CC_OK) return r;
    tokens = (okta_cc_json_token *)malloc(doc.count * sizeof *tokens);
    if (!tokens) return OKTA_CC_ERR_NO_MEMORY;
    okta_cc_json_parse(page->http.body, page->http.body_len, tokens, doc.count, &limits, &doc, err);
    for (user = okta_cc_json_first(&doc, 0); user >= 0; user = okta_cc_json_next(&doc, 0, (size_t)user)) {
        char login[256] = "?", status[32] = "?";
        long profile = okta_cc_json_find(&doc, (size_t)user, "profile");
        long l = profile >= 0 ? okta_cc_json_find(&doc, (size_t)profile, "login") : -1;
        long s = okta_cc_json_find(&doc, (size_t)user, "status");
        if (l >= 0) okta_cc_json_get_string(&doc, (size_t)l, login, sizeof login, NULL, NULL);
        if (s >= 0) okta_cc_json_get_string(&doc, (size_t)s, status, sizeof status, NULL, NULL);
        printf("%s %s\n", login, status);
        (*count)++;
    }
    free(tokens);
    return OKTA_CC_OK;
}

int main(void)
{
    okta_cc_config cfg;
    okta_cc_client *client = NULL;
    okta_cc_error err;
    okta_cc_pager pager = {0};      /* filled by okta_cc_pager_begin; zero until then */
    okta_cc_response page;
    okta_cc_result r;
    long count = 0;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    okta_cc_config_init(&cfg);
    okta_cc_config_from_env(&cfg);
    r = okta_cc_client_new(&client, &cfg, &err);
    if (r == OKTA_CC_OK) r = okta_cc_pager_begin(&pager, client, "/api/v1/users?limit=200", &err);
    while (r == OKTA_CC_OK && (r = okta_cc_pager_next(&pager, &page, &err)) == OKTA_CC_OK) {
        r = print_page(&page, &count, &err);
        okta_cc_response_free(&page);
    }
    if (client) okta_cc_pager_end(&pager);
    if (r == OKTA_CC_END) fprintf(stderr, "%ld users in %d pages\n", count, pager.pages);
    else fprintf(stderr, "list_users: %s\n", err.message[0] ? err.message : okta_cc_result_str(r));
    okta_cc_client_free(client);
    curl_global_cleanup();
    return r == OKTA_CC_END ? 0 : 1;
}
