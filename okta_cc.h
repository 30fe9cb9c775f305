/* okta_cc.h - Okta service-app client (OAuth 2.0 client credentials with a signed
   JWT client assertion) in one header file. MIT licence at the end of this file.

   QUICK START

      #define OKTA_CC_IMPLEMENTATION              // in exactly one .c file
      #include "okta_cc.h"
      okta_cc_config cfg; okta_cc_client *c; okta_cc_response r; okta_cc_error e;
      okta_cc_config_init(&cfg); okta_cc_config_from_env(&cfg);        // OKTA_CLIENT_* vars
      okta_cc_client_new(&c, &cfg, &e);
      okta_cc_request(c, "GET", "/api/v1/users", NULL, 0, NULL, &r, &e);  // r.http.body
      okta_cc_response_free(&r); okta_cc_client_free(c);

      link with: -lbearssl -lcurl -lpthread; call curl_global_init() once at start-up.
      examples/get_token.c and examples/list_users.c are complete programs.

   CONTENTS, BOTTOM UP (each layer uses only the ones above it). Each layer has a marker: grep
   it to land on the layer's declarations in the API half, then on its code in the
   implementation half, whose banner says which layers it uses (tests/check_api.py checks it).

      >>result     Results, errors, memory
                   the result codes (one list), okta_cc_error, allocator hooks, wiping;
                   inside: ASCII character classes, the strings a client owns.
      >>b64url     base64url (RFC 4648 section 5, no padding)
                   unpadded, strict decoding (see "base64url POLICY").
      >>json       JSON: emitter and parser
                   an emitter into a caller buffer or a growable buffer, and a strict RFC 8259
                   parser into a caller-provided token array (no allocation, no recursion).
      >>rng        Randomness
                   BearSSL's HMAC-DRBG seeded from the system, reseeded after fork().
      >>key        Keys: RSA and EC private keys
                   RSA 2048-4096 and EC P-256/384/521 private keys from PEM (PKCS#1, PKCS#8,
                   SEC1), JWK or JWKS, checked; generation; public JWK; RFC 7638 thumbprint.
      >>jws        JWS (RFC 7515 compact serialization)
                   RS256/384/512 and ES256/384/512 compact signing on BearSSL.
      >>pkcs11     PKCS#11: keys in TPMs, smart cards and HSMs (OKTA_CC_PKCS11)
                   RFC 7512 pkcs11: URIs; a signer whose key never leaves its token (module
                   loaded at run time); key generation inside the token.
      >>assertion  Client assertion (RFC 7523 private_key_jwt)
                   the client assertion Okta's private_key_jwt wants.
      >>url        URLs: text rules, normalisation, joining, origins, redaction
                   what may reach a request line, hosts and origins, the org and token
                   URLs, joining a path to the org, the origin check, redaction.
      >>dpop       DPoP proof (RFC 9449)
                   proofs: htu as Okta compares it, ath, the signed proof JWT.
      >>http       HTTP: transport, requests, responses, errors
                   one HTTP exchange through a function-pointer interface; libcurl by default.
      >>store      Token store: a client's token state kept across processes
                   the token store interface, the state it keeps (a small JSON document), and
                   the file store: one 0600 file per identity, flock for single flight.
      >>client     Token client
                   the token endpoint, the token cache (single flight), clock-offset learning,
                   DPoP-bound tokens (AUTO / ALWAYS / NEVER, nonces).
      >>api        Okta API requests
                   Okta API calls: 401 refresh, 429 waits, 5xx backoff, pagination (polling
                   listings such as the System Log end cleanly), logging,
                   a new DPoP proof per attempt for DPoP tokens.

   CONVENTIONS (every public function follows them; tests/check_api.py checks the mechanical
   parts on each build of the test suite)

      Results     A function that can fail returns okta_cc_result: OKTA_CC_OK (0) or a negative
                  OKTA_CC_ERR_* code (okta_cc_result_str names it). Its last parameter is
                  okta_cc_error *err: NULL, or a caller-owned struct that receives a one-line
                  message and, for network calls, the HTTP and OAuth/Okta details. Functions
                  that cannot fail (init, free, wipe, name look-ups) return void or a value.
      NULL        A NULL where a pointer is required is OKTA_CC_ERR_INVALID_ARGUMENT, never a
                  crash; free and wipe functions accept NULL and do nothing. Optional
                  parameters are marked "optional" (or "may be NULL") where declared.
      Buffers     Output goes to (out, cap, out_len), in that order, right before err. Text is
                  always NUL-terminated. *out_len (optional) receives the length written (text:
                  without the NUL). When cap is too small the result is
                  OKTA_CC_ERR_BUFFER_TOO_SMALL and *out_len is the size needed (text:
                  including the NUL) - always, so out = NULL, cap = 0 is a size query.
      Callbacks   Every callback takes its void *user first (the transport's is void *ctx).
      Ownership   The caller owns every object; a function keeps no pointer to an argument
                  after it returns, except where its comment says so (okta_cc_json_doc points
                  into the JSON text; a growable writer owns its buffer until freed).
      Structs     Public members may be read and, for configuration and options, set. Members
                  whose names start with an underscore are private: do not touch them.
      Names       okta_cc_<thing>_<action>: the first words name what a function acts on
                  (okta_cc_client_get_token takes a client, okta_cc_key_load fills a key,
                  okta_cc_json_write_string writes with a JSON writer). Private: okta_cc__*.

   FUNCTIONS BY TASK

      Make a client and call the API   okta_cc_config_init, okta_cc_config_from_env,
                                       okta_cc_client_new, okta_cc_request,
                                       okta_cc_response_free, okta_cc_client_free
      List every page                  okta_cc_pager_begin, okta_cc_pager_next, okta_cc_pager_end,
                                       okta_cc_pager_resume_url, okta_cc_response_next_link
      Tokens                           okta_cc_client_get_token, okta_cc_client_refresh_token,
                                       okta_cc_client_invalidate_token,
                                       okta_cc_client_invalidate_token_generation,
                                       okta_cc_client_token_fetches, okta_cc_client_token_url,
                                       okta_cc_client_clock_offset, okta_cc_client_dpop_jkt
      Tokens across processes          cfg.token_store, okta_cc_file_store_new,
                                       okta_cc_file_store_free, okta_cc_file_store_list,
                                       okta_cc_file_store_clear (see TOKEN STORE)
      Assertions                       okta_cc_client_sign_assertion (for a client),
                                       okta_cc_assertion_sign (a key and your own claims)
      DPoP proofs                      okta_cc_dpop_proof_sign, okta_cc_dpop_htu,
                                       okta_cc_dpop_ath
      Keys                             okta_cc_key_load, okta_cc_key_load_file,
                                       okta_cc_key_generate, okta_cc_key_to_pem,
                                       okta_cc_key_public_jwk, okta_cc_key_thumbprint,
                                       okta_cc_key_default_alg, okta_cc_key_wipe,
                                       okta_cc_alg_name, okta_cc_alg_from_name
      Sign JWS/JWT                     okta_cc_jwt_sign, okta_cc_jws_compact,
                                       okta_cc_jws_sign_bytes, okta_cc_jws_verify_bytes
      HTTP (own transport)             okta_cc_curl_transport_new, okta_cc_curl_transport_free,
                                       okta_cc_http_response_init,
                                       okta_cc_http_response_append_body,
                                       okta_cc_http_response_header_line,
                                       okta_cc_http_response_header, okta_cc_http_response_free
      JSON out                         okta_cc_json_writer_init, okta_cc_json_writer_init_growable,
                                       okta_cc_json_write_object_begin/_end,
                                       okta_cc_json_write_array_begin/_end, okta_cc_json_write_key,
                                       okta_cc_json_write_string(_n), okta_cc_json_write_int64,
                                       okta_cc_json_write_bool, okta_cc_json_write_null,
                                       okta_cc_json_writer_finish, okta_cc_json_writer_free
      JSON in                          okta_cc_json_parse, okta_cc_json_find, okta_cc_json_first,
                                       okta_cc_json_next, okta_cc_json_get_string,
                                       okta_cc_json_string_equals, okta_cc_json_get_int64,
                                       okta_cc_json_get_bool
      base64url, randomness, memory    okta_cc_b64url_encode, okta_cc_b64url_decode,
                                       okta_cc_b64url_encoded_len, okta_cc_b64url_decoded_max,
                                       okta_cc_rng_init, okta_cc_rng_bytes, okta_cc_rng_wipe,
                                       okta_cc_wipe, okta_cc_result_str
      Files that hold secrets          okta_cc_read_file, okta_cc_read_fd, okta_cc_free_wiped
      Keys in hardware                 okta_cc_key_from_signer (okta_cc_signer: your callback),
                                       okta_cc_pkcs11_open, okta_cc_pkcs11_generate,
                                       okta_cc_pkcs11_signer, okta_cc_pkcs11_close,
                                       okta_cc_pkcs11_uri_parse (OKTA_CC_PKCS11)

   CONFIGURATION MACROS (define before including the implementation)

      OKTA_CC_IMPLEMENTATION   compile the implementation in this translation unit.
      OKTA_CC_STATIC           make every function static (private to one translation unit).
      OKTA_CC_MALLOC(sz), OKTA_CC_FREE(p)
                               the default allocator; define both or neither. Nothing here
                               reallocates (buffers that may hold secrets grow by copy and
                               wipe, so no stale copy is left in freed memory): an
                               OKTA_CC_REALLOC defined for older versions is accepted, unused.
      OKTA_CC_ASSERT(x)        internal consistency checks (default: assert from <assert.h>).
      OKTA_CC_JSON_MAX_DEPTH   the JSON parser's hard ceiling on nesting (default 64; a
                               larger okta_cc_json_limits.max_depth is capped to it). It sizes
                               no public struct, so translation units may differ. The writer
                               nests at most OKTA_CC_JSON_WRITER_MAX_DEPTH (64, fixed).
      OKTA_CC_PAGER_MAX_PAGES  pages an okta_cc_pager fetches at most (default 100000; see
                               okta_cc_pager, whose max_pages can also be set per listing).
      OKTA_CC_NO_CURL          leave libcurl out: set okta_cc_config.transport yourself.
      OKTA_CC_NO_THREADS       leave pthreads out: a client is then for one thread only.
      OKTA_CC_PKCS11           compile the PKCS#11 layer (keys in TPMs, smart cards, HSMs:
                               >>pkcs11), and let private_key and dpop_key be pkcs11: URIs.
                               Modules are loaded with dlopen: nothing more to link (but -ldl
                               before glibc 2.34). Define it wherever >>pkcs11 is called.
      (not a macro of ours)    the file store needs POSIX.1-2008 (openat, O_NOFOLLOW): with a
                               strict -std=c99 and no _POSIX_C_SOURCE 200809L (or the
                               compiler's default gnu mode), okta_cc_file_store_new returns
                               OKTA_CC_ERR_CONFIG. Your own okta_cc_token_store works anyway.

   MEMORY

      Nothing in this file keeps global mutable state. The codecs, keys and JWS work on buffers
      and structs the caller owns and never allocate, except: okta_cc_key_load and
      okta_cc_key_load_file take scratch memory (the text, the DER, JSON tokens; wiped after)
      from OKTA_CC_MALLOC / OKTA_CC_FREE; growable JSON writers and okta_cc_http_response use
      the okta_cc_allocator they are given (NULL = the macros). Everything a client allocates,
      its key loading and error-body parsing included, goes through cfg.alloc (both functions
      NULL = the macros; one without the other is refused). Every buffer that held a secret -
      key material, assertions, tokens, client secrets, response bodies - is wiped before it
      is freed, and no secret ever appears in an okta_cc_error or a log line. A client takes
      about 11 KB of its own (its keys included), plus the token and one libcurl
      handle per request it has run at once (up to http.max_parallel_requests). A forked child
      leaves its parent's handles allocated (see THREADING, fork()).
      Outside our reach: libcurl copies request headers and small POST bodies (the bearer
      token, the assertion) into its own buffers and frees them unwiped; an application that
      cares can give libcurl a wiping allocator with curl_global_init_mem(). BearSSL leaves
      signing temporaries on the stack.

   THREADING

      Functions are reentrant and objects belong to the caller. An okta_cc_client may be shared
      by threads, and one shared client is the way to run requests in parallel:
      - Requests run at once, up to http.max_parallel_requests (default 8) per client: the libcurl
        transport is a pool of easy handles, made when first needed; a request borrows the
        one used last (its connection is the warmest) and gives it back. Only a request that
        finds every handle lent waits. The handles share DNS answers and TLS sessions through
        a curl share handle (a mutex per kind of data), so a new connection resumes a session.
        Connections themselves stay with their handle: libcurl does not support sharing its
        connection cache between threads transferring at once (CURLSHOPT_SHARE).
      - Tokens: okta_cc_client_get_token returns the cached token to every thread. From
        token_refresh_ahead (default 240 s) before the renewal point, the first caller fetches
        the next token (its call takes that much longer) while every other caller keeps
        getting the cached one without waiting; if that fetch fails, the cached token is
        still handed out, the failure is logged and tried again 5 s later. Only when no valid
        token is left (the first one, one dropped after a 401, or refresh ahead off) do callers
        wait, for one fetch however many they are (mutex and condition variable). The library
        starts no threads; for no request ever to pay for a fetch, call
        okta_cc_client_refresh_token from a timer thread of yours with a wider window.
      A transport you supply (config.transport) gets one request at a time per client unless it
      sets concurrent = 1. With OKTA_CC_NO_THREADS a client is for a single thread and its pool
      holds one handle.
      Callbacks: no user callback (log, clock, sleep, random, transport, a signer's sign) ever
      runs with a lock of the client held, so each may call any function of the client. A
      signer (okta_cc_sign_fn) may be called by several threads at once. DPoP proofs are signed
      outside the lock as well: the threads of a shared DPoP client sign at once, and a cached
      token never waits for a signature. Two calls from a callback would wait for themselves
      and fail with OKTA_CC_ERR_THREAD instead: asking for a token from a callback of the
      client's own token fetch while it holds no valid token, and a request from inside a
      transport that takes one request at a time. The allocator (cfg.alloc) is the exception:
      it may run with a lock held (a token dropped or replaced is freed under it), so it must
      be thread-safe and must not call the client.
      libcurl: the application owns curl_global_init()/curl_global_cleanup().
      fork(): a client, or a transport from okta_cc_curl_transport_new, works on both sides of a
      fork() made while no thread is using it (no call of it under way in any thread, the forking
      one included, so that its locks are copied unlocked; forking while another thread is inside
      it is not supported: the child could inherit a lock held for ever). The child's first
      request notices the new process id, as the random generator does, and starts a handle pool
      of its own: new connections, a new share handle, new locks. The parent's handles, their
      connections (the same sockets, and over TLS the same session keys and sequence numbers), its
      share handle and the pool's locks are never used nor cleaned up in the child (a TLS
      close_notify from the child would break the parent's connection): their memory stays
      allocated in the child on purpose, once per fork (the pool, and libcurl's state, TLS
      included, for each handle the parent had made), and the inherited sockets stay open there
      until it exits. okta_cc_client_free and okta_cc_curl_transport_free in the child free
      everything else and leave those alone, so a leak checker run on the child reports them. The
      parent's connections keep working. The cached token, the clock offset and the DPoP nonce are
      copied and serve both processes (a token is not bound to one); assertions and DPoP proofs
      stay unique (the random generator reseeds in the child). A child that only calls exec needs
      none of this. A transport you supply must handle fork itself.

   TOKEN STORE

      With cfg.token_store set, tokens outlive the process: okta_cc_client_new reads the state
      saved for the client's identity (a hash of token URL, client id, scopes, auth method,
      key, DPoP mode: a new key or scope never reuses an old token) and uses its token until
      token_skew before expiry; every fetch first takes the store's lock of the identity and
      looks again (another process may have just saved one), then saves what it fetched. So N
      processes that start together make one token request, and refresh ahead works across
      processes (one renews; the others keep the token they hold, without waiting for the
      lock). A 401 on a stored token removes it from the store. AUTO remembers that the app
      requires DPoP, so later processes send a proof with their first token request. Store
      callbacks and the log run with no client lock held. A store that cannot be read or
      written costs only the caching: the call succeeds and cfg.log says why.
      okta_cc_file_store_new(&cfg.token_store, dir, &err) keeps one file per identity in dir:
      a small JSON document holding the token (an hour at most), its type, expiry and scope,
      and for a DPoP-bound token the generated DPoP key it is bound to (a private key: a
      configured dpop_key is named by thumbprint only). Directory 0700, files 0600, owned by
      the effective user; opened with O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK and checked with fstat; a
      symlink, FIFO, directory, foreign or group/world-accessible, corrupt file, or one of
      another version or identity, is ignored (logged) and replaced, never followed; saved
      through a 0600 temporary file, fsync and rename; a flock per identity (it dies with its
      process). Off: leave cfg.token_store zeroed (the default), or okta_cc_file_store_clear.

   TIME

      Assertions carry iat = now and exp = now + assertion_ttl (default 300 s; Okta refuses
      more than 3600). When a response's Date header differs from the local clock by more than
      5 s, the difference is remembered and added to the iat/exp of later assertions, so a
      device with a wrong clock recovers after one refusal. A Date header counts only when it
      is exactly an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 section 5.6.7:
      fixed widths, exact day and month names, digits only, valid ranges, "GMT", nothing
      after) naming a moment in [2020-01-01, 2100-01-01); anything else is ignored and the
      offset learnt before stays. The bound does not depend on the local clock, so a device
      that booted in 1970 still learns the real date. 429 waits read the Date header the same
      way (else the local clock plus the offset). The token cache itself runs on the
      local clock: a token is reused until token_skew seconds (default 60, at most a quarter of
      its lifetime) before it expires, and its successor is fetched from token_refresh_ahead
      seconds (default 240, at most a quarter of the lifetime) before that (see THREADING).
      DPoP proofs take their iat from the corrected clock too. Clock, sleep and randomness are
      injectable for tests.

   ERRORS

      Functions that can fail return an okta_cc_result: OKTA_CC_OK (0) or a negative error
      code, which okta_cc_result_str() names (OKTA_CC_END = 1 ends a pagination). Each takes
      an okta_cc_error* last (NULL is allowed) that receives a one-line message and, for network
      calls, the HTTP status, OAuth error/error_description, Okta errorCode/errorSummary/
      errorId, X-Okta-Request-Id and the libcurl code. There is no global "last error".
      A failed connection is OKTA_CC_ERR_CONNECT when no byte of the request left (DNS,
      refused, unreachable: safe to repeat) and OKTA_CC_ERR_NETWORK when it broke after bytes
      may have left; retries are decided from these results, never from the error struct.

   RETRIES

      Token requests and API calls share one retry policy. A 429 waits until its
      X-Rate-Limit-Reset (the smallest when the header repeats), measured against the
      response's Date (see TIME), + 1 s; without a Reset, its Retry-After; else 1 s. 503, 504
      and lost connections back off exponentially (0.5 s, 1 s, 2 s ... 8 s; a longer
      Retry-After wins). Each wait has jitter (< 250 ms, or a quarter of the backoff) and goes
      through config.sleep, never with a lock held. At most max_retries waits (default 2) and
      at most retry_deadline_ms (default 60 s) for the attempts and waits together: a wait
      that would pass the deadline is not begun. A rate limit that outlasts them is
      OKTA_CC_ERR_RATE_LIMITED, with err->rate_limit_reset (the server's Reset) and a message
      saying how many retries were made and when the limit resets.
      Repeated: a 429 and a connection never made (OKTA_CC_ERR_CONNECT), always; a 503 or
      504 and a connection cut short (OKTA_CC_ERR_NETWORK) only where the repeat cannot do
      twice what was done once: API calls with GET, HEAD or OPTIONS, and token requests after
      503 and 504 (not after a cut connection: a token may have been issued); a timeout never.
      The token endpoint (Okta rate-limits it in its own bucket): every attempt has a new
      client assertion (Okta burns a jti even when it refuses the request) and, with DPoP, a
      new proof; its DPoP demands (AUTO's switch, a nonce) are followed outside max_retries,
      a nonce once after each wait. A token fetch has the client's max_retries and
      retry_deadline_ms whatever the API call that needed it asked, and that call does not
      repeat a failed fetch. A fetch ahead of renewal (see THREADING) never waits: the cached
      token is still good, and the fetch is tried again later.
      Every retry, of an API call or a token request, carries "X-Okta-Retry-For: <the
      X-Okta-Request-Id of the refused response>" (when it had one) and "X-Okta-Retry-Count:
      <n>" (1, 2 ...), as Okta's SDKs send them, so an org's support can tie the attempts of
      one call together.

   base64url POLICY (okta_cc_b64url_decode)

      Accepted: the URL-safe alphabet A-Z a-z 0-9 - _ without padding, of length 0, 2, 3 or
      0 (mod 4). Rejected: '=' anywhere (JOSE, RFC 7515 section 2, has no padding), '+' and '/',
      whitespace and every other byte, a length of 1 (mod 4), and non-zero unused trailing bits
      (RFC 4648 section 3.5 allows rejecting them; doing so keeps signatures and keys from
      having several encodings).

   JSON PARSER POLICY (okta_cc_json_parse)

      Strict RFC 8259: one value of any type at the top level, surrounded by optional
      whitespace (space, tab, CR, LF); no comments, no trailing commas, no byte-order mark, no
      NaN or Infinity, no leading zeros. Strings must be valid UTF-8 (no overlong forms, no
      encoded surrogates, nothing above U+10FFFF) and \u escapes must form valid code points: a
      lone or inverted surrogate escape is rejected, because it cannot be turned into UTF-8.
      Duplicate object keys are valid JSON and are kept; lookups return the first one.
      Limits (okta_cc_json_limits): nesting depth (default 64, at most OKTA_CC_JSON_MAX_DEPTH)
      and input size (default 1 MiB); the token array is the third limit. The parser is a loop
      with an explicit state, so no input can drive the C stack.
      Numbers are validated against the grammar and kept as text; okta_cc_json_get_int64 reads
      integers (no fraction, no exponent) and reports overflow.
      JSONTestSuite's implementation-defined i_ files, accordingly: the ten huge or tiny
      numbers are accepted (kept as text; reading one as an integer gives OKTA_CC_ERR_RANGE or
      OKTA_CC_ERR_JSON_TYPE); every lone, inverted or incomplete surrogate escape, invalid or
      overlong UTF-8, UTF-16 text and a byte-order mark are rejected; 500 nested arrays pass
      the default depth limit of 64 and are rejected with OKTA_CC_ERR_JSON_DEPTH.

   VERSION HISTORY (what each changed for a program using it, renames included: the
   "Upgrading" section of examples/README.md)

      0.8.0  Tokens kept across processes (>>store), keys in hardware (signers, >>pkcs11),
             polling listings (the System Log); network settings in cfg.http; okta_cc_read_file.
      0.7.0  The review's fixes: no callback under a client lock, DPoP proofs signed outside it,
             the token endpoint retried like API calls, a fork-safe transport; okta-cc hardened.
             One map: layer markers (CONTENTS), one >>url layer, result codes in one list.
      0.6.0  Scale: a shared client runs requests in parallel (a pool of libcurl handles), the
             next token fetched ahead of renewal; okta-cc get --all streams and resumes.
      0.5.0  One set of API conventions (functions renamed, err last, size queries), DPoP
             (RFC 9449) proofs and DPoP in the client, the review's fixes.
      0.4.0  Okta API requests: okta_cc_request with retries, pagination, origin checks, logging.
      0.3.0  Token client: client assertion, libcurl transport, token cache with single flight,
             clock offset, configuration from the environment.
      0.2.0  Keys (PEM, JWK, JWKS; RSA and EC), JWS signing, key generation, RFC 7638.
      0.1.0  base64url, JSON emitter and parser, result codes and error struct.
*/

#ifndef OKTA_CC_H
#define OKTA_CC_H

#include <stddef.h>
#include <stdint.h>

#define OKTA_CC_VERSION_MAJOR 0
#define OKTA_CC_VERSION_MINOR 8
#define OKTA_CC_VERSION_PATCH 0
#define OKTA_CC_VERSION_STRING "0.8.0"

#ifndef OKTA_CC_DEF
#ifdef OKTA_CC_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define OKTA_CC_DEF static __attribute__((unused)) /* no warning for functions left unused */
#else
#define OKTA_CC_DEF static
#endif
#else
#define OKTA_CC_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
   >>result     Results, errors, memory
   ------------------------------------------------------------------------------------------- */

/* Every result code in one list: X(name, value, description), the value fixed forever,
   the description what okta_cc_result_str says after the name. The enum and
   okta_cc_result_str are both made from this list, so a code cannot lack its text. */
#define OKTA_CC_RESULTS(X) \
    X(OKTA_CC_OK, 0, "success")                                                              \
    /* a NULL where none is allowed, a bad option value */                                   \
    X(OKTA_CC_ERR_INVALID_ARGUMENT, -1, "invalid argument")                                  \
    /* an allocation failed */                                                               \
    X(OKTA_CC_ERR_NO_MEMORY, -2, "out of memory")                                            \
    /* too small a buffer: *out_len is the size needed */                                    \
    X(OKTA_CC_ERR_BUFFER_TOO_SMALL, -3, "buffer too small")                                  \
    /* not strict unpadded base64url */                                                      \
    X(OKTA_CC_ERR_BASE64, -4, "invalid base64url")                                           \
    /* not RFC 8259 JSON (incl. invalid UTF-8) */                                            \
    X(OKTA_CC_ERR_JSON_SYNTAX, -5, "invalid JSON")                                           \
    /* nesting deeper than the limit */                                                      \
    X(OKTA_CC_ERR_JSON_DEPTH, -6, "JSON nested too deeply")                                  \
    /* input larger than the size limit */                                                   \
    X(OKTA_CC_ERR_JSON_TOO_LARGE, -7, "JSON input too large")                                \
    /* more values than the token array holds */                                             \
    X(OKTA_CC_ERR_JSON_TOKENS, -8, "too many JSON values")                                   \
    /* a value of another type than asked for */                                             \
    X(OKTA_CC_ERR_JSON_TYPE, -9, "unexpected JSON type")                                     \
    /* no such member / element */                                                           \
    X(OKTA_CC_ERR_NOT_FOUND, -10, "not found")                                               \
    /* a number that does not fit */                                                         \
    X(OKTA_CC_ERR_RANGE, -11, "number out of range")                                         \
    /* text handed to the emitter is not valid UTF-8 */                                      \
    X(OKTA_CC_ERR_UTF8, -12, "invalid UTF-8")                                                \
    /* a file could not be read or written */                                                \
    X(OKTA_CC_ERR_IO, -13, "file error")                                                     \
    /* not a well-formed PEM / JWK / DER private key */                                      \
    X(OKTA_CC_ERR_KEY_FORMAT, -14, "malformed private key")                                  \
    /* an encrypted private key: decrypt it first */                                         \
    X(OKTA_CC_ERR_KEY_ENCRYPTED, -15, "encrypted keys are not supported")                    \
    /* a public key where a private key is needed */                                         \
    X(OKTA_CC_ERR_KEY_PUBLIC_ONLY, -16, "public key where a private key is needed")          \
    /* RSA under 2048 bits */                                                                \
    X(OKTA_CC_ERR_KEY_TOO_SMALL, -17, "RSA key under 2048 bits")                             \
    /* another key type or curve (kty oct, secp256k1 ...), or an RSA e outside FIPS 186-5's  \
       range (e = 3 ...) */                                                                  \
    X(OKTA_CC_ERR_KEY_UNSUPPORTED, -18, "unsupported key type, curve or parameter")          \
    /* members that do not belong to one key */                                              \
    X(OKTA_CC_ERR_KEY_INCONSISTENT, -19, "inconsistent key")                                 \
    /* an algorithm the key cannot sign with */                                              \
    X(OKTA_CC_ERR_ALG_MISMATCH, -20, "algorithm does not fit the key")                       \
    /* a BearSSL operation failed */                                                         \
    X(OKTA_CC_ERR_CRYPTO, -21, "cryptographic operation failed")                             \
    /* the system gave no randomness */                                                      \
    X(OKTA_CC_ERR_RANDOM, -22, "no system randomness")                                       \
    /* missing or contradictory configuration */                                             \
    X(OKTA_CC_ERR_CONFIG, -23, "invalid configuration")                                      \
    /* connection reset or cut short: bytes may have left */                                 \
    X(OKTA_CC_ERR_NETWORK, -24, "network error")                                             \
    /* no complete answer within the timeout */                                              \
    X(OKTA_CC_ERR_TIMEOUT, -25, "timed out")                                                 \
    /* TLS failed, e.g. an untrusted certificate */                                          \
    X(OKTA_CC_ERR_TLS, -26, "TLS error")                                                     \
    /* a response body over the configured cap */                                            \
    X(OKTA_CC_ERR_RESPONSE_TOO_LARGE, -27, "response too large")                             \
    /* an HTTP error status (see http_status, okta_*) */                                     \
    X(OKTA_CC_ERR_HTTP, -28, "HTTP error status")                                            \
    /* the token endpoint refused (oauth_error ...) */                                       \
    X(OKTA_CC_ERR_OAUTH, -29, "token request refused")                                       \
    /* a response that is not what the protocol says */                                      \
    X(OKTA_CC_ERR_BAD_RESPONSE, -30, "malformed response")                                   \
    /* a pthread call failed */                                                              \
    X(OKTA_CC_ERR_THREAD, -31, "thread error")                                               \
    /* still 429 after the retry budget (see RETRIES) */                                     \
    X(OKTA_CC_ERR_RATE_LIMITED, -32, "rate limited")                                         \
    /* a URL off the org's origin: the token stays home */                                   \
    X(OKTA_CC_ERR_ORIGIN, -33, "URL outside the org")                                        \
    /* no connection (DNS, refused ...): nothing was sent */                                 \
    X(OKTA_CC_ERR_CONNECT, -34, "no byte of the request left: connection could not be made " \
      "(DNS, refused, unreachable)")                                                         \
    /* a hardware key's device failed or refused: wrong PIN, token removed (PKCS#11) */      \
    X(OKTA_CC_ERR_DEVICE, -35, "the key's device failed or refused (PIN, token removed)")   \
    /* not an error: no more pages */                                                        \
    X(OKTA_CC_END, 1, "no more pages")

#define OKTA_CC_RESULT_ENUM_(name, value, text) name = (value),
typedef enum okta_cc_result {
    OKTA_CC_RESULTS(OKTA_CC_RESULT_ENUM_)
} okta_cc_result;
#undef OKTA_CC_RESULT_ENUM_

/* Details of a failure. Caller-owned; every field is reset by the function that fills it.
   Strings are empty when they do not apply. None ever holds a secret. */
typedef struct okta_cc_error {
    okta_cc_result code;
    char message[512];              /* one line, what went wrong and, where known, why */
    size_t offset;                  /* byte offset into the input, for parse errors */
    long http_status;               /* HTTP status of the failing response, 0 if none */
    char oauth_error[64];           /* token endpoint: "invalid_client" ... */
    char oauth_error_description[512];
    char okta_error_code[32];       /* Okta API: "E0000011" ... */
    char okta_error_summary[512];   /* errorSummary, then each errorCauses[].errorSummary */
    char okta_error_id[64];         /* errorId */
    char okta_request_id[64];       /* X-Okta-Request-Id header */
    long transport_code;            /* the CURLcode of a libcurl failure, 0 if none (for
                                       diagnosis: retries go by the okta_cc_result) */
    int64_t rate_limit_reset;       /* OKTA_CC_ERR_RATE_LIMITED (API or token endpoint): the
                                       last 429's X-Rate-Limit-Reset, Unix seconds on the
                                       server's clock; 0 if it gave none */
} okta_cc_error;

/* The name of a result, e.g. "OKTA_CC_ERR_BASE64: invalid base64url". Never NULL. */
OKTA_CC_DEF const char *okta_cc_result_str(okta_cc_result r);

/* Allocator hooks: set both functions, or neither to use OKTA_CC_MALLOC / OKTA_CC_FREE (one
   without the other counts as neither; okta_cc_client_new refuses it with OKTA_CC_ERR_CONFIG).
   There is no realloc: buffers that may hold secrets grow by copy and wipe, so no stale copy
   is left in freed memory. Like every callback here, both take their user pointer first. */
typedef struct okta_cc_allocator {
    void *(*malloc_fn)(void *user, size_t size);
    void (*free_fn)(void *user, void *ptr);
    void *user;
} okta_cc_allocator;

/* Overwrites len bytes in a way the compiler may not optimise away. */
OKTA_CC_DEF void okta_cc_wipe(void *p, size_t len);

/* Reads a whole file that may hold a secret (a key, a client secret, a request body) into a
   new NUL-terminated buffer from alloc (NULL: OKTA_CC_MALLOC / _FREE): *out, *out_len bytes
   before the NUL. Free it with okta_cc_free_wiped(alloc, *out, *out_len). The buffer grows by
   copy and wipe, and the file is read with read(2), never through stdio, so no copy is left
   behind. path may name a regular file or a pipe (a FIFO, a shell's <(...), /dev/stdin on a
   pipe); the open never waits (a FIFO nobody writes to reads as empty); a directory, device
   or socket is refused before a byte is read. More than max bytes (a stream that never ends
   included) is OKTA_CC_ERR_IO, "PATH: larger than MAX bytes"; every message starts with the
   path. What okta_cc_key_load_file reads keys with. */
OKTA_CC_DEF okta_cc_result okta_cc_read_file(const char *path, size_t max, const okta_cc_allocator *alloc,
                                             char **out, size_t *out_len, okta_cc_error *err);
/* The same from a descriptor that is open already, read as it is (a terminal too: standard
   input), and left open; name is what messages call it (NULL: "input"). */
OKTA_CC_DEF okta_cc_result okta_cc_read_fd(int fd, const char *name, size_t max, const okta_cc_allocator *alloc,
                                           char **out, size_t *out_len, okta_cc_error *err);
/* Wipes len bytes at p, then frees p through alloc (NULL: OKTA_CC_FREE). NULL p is ignored. */
OKTA_CC_DEF void okta_cc_free_wiped(const okta_cc_allocator *alloc, void *p, size_t len);

/* ---------------------------------------------------------------------------------------------
   >>b64url     base64url (RFC 4648 section 5, no padding)
   ------------------------------------------------------------------------------------------- */

/* Characters needed to encode n bytes (without the terminating NUL). */
OKTA_CC_DEF size_t okta_cc_b64url_encoded_len(size_t n);
/* Upper bound of the bytes a string of n characters decodes to. */
OKTA_CC_DEF size_t okta_cc_b64url_decoded_max(size_t n);

/* Encodes n bytes into out (cap bytes) and NUL-terminates it. *out_len (optional) receives the
   length without the NUL, or on OKTA_CC_ERR_BUFFER_TOO_SMALL the size needed including it. */
OKTA_CC_DEF okta_cc_result okta_cc_b64url_encode(const void *in, size_t n, char *out, size_t cap,
                                                 size_t *out_len, okta_cc_error *err);

/* Strictly decodes n characters (see "base64url POLICY") into out (cap bytes). *out_len
   (optional) receives the decoded length, or the length needed on OKTA_CC_ERR_BUFFER_TOO_SMALL.
   Nothing is written to out unless the whole input is valid. */
OKTA_CC_DEF okta_cc_result okta_cc_b64url_decode(const char *in, size_t n, void *out, size_t cap,
                                                 size_t *out_len, okta_cc_error *err);

/* ---------------------------------------------------------------------------------------------
   >>json       JSON: emitter and parser
   The emitter first, then the parser.
   ------------------------------------------------------------------------------------------- */

/* Containers a writer can have open at once. Fixed, not a configuration macro: the writer is a
   public struct, and translation units that sized it differently would disagree on its layout. */
#define OKTA_CC_JSON_WRITER_MAX_DEPTH 64

/* Writes compact JSON. Either into a fixed buffer (okta_cc_json_writer_init): output that does
   not fit is counted but not written, and okta_cc_json_writer_finish reports the size needed;
   or into a growable buffer (okta_cc_json_writer_init_growable) owned by the writer.
   Calls after an error do nothing; the first error is kept and returned by finish.
   Inside an object, call okta_cc_json_write_key before each value. Opening a container deeper than
   OKTA_CC_JSON_WRITER_MAX_DEPTH is OKTA_CC_ERR_JSON_DEPTH. A NULL writer is ignored (finish
   returns OKTA_CC_ERR_INVALID_ARGUMENT). buf and len may be read; the members starting with an underscore are private. */
typedef struct okta_cc_json_writer {
    char *buf;                  /* the output; a growable writer's own (wiped on free) */
    size_t len;                 /* bytes produced so far (may exceed a fixed buffer's size) */
    size_t _cap;                /* bytes buf holds */
    int _growable;
    okta_cc_allocator _alloc;   /* growable writers' */
    okta_cc_result _status;     /* the first error */
    unsigned _depth;            /* containers open */
    unsigned char _state[OKTA_CC_JSON_WRITER_MAX_DEPTH + 1]; /* per level: kind and position */
} okta_cc_json_writer;

/* Starts a writer over buf (size bytes, the NUL included; buf may be NULL with size 0 to
   measure: finish then says the size needed). Nothing is allocated; no _free needed. */
OKTA_CC_DEF void okta_cc_json_writer_init(okta_cc_json_writer *w, char *buf, size_t size);
/* Starts a writer whose buffer grows through alloc (NULL: OKTA_CC_MALLOC / OKTA_CC_FREE) and
   belongs to the writer: read w->buf after finish, then okta_cc_json_writer_free, on every path.
   Running out of memory is OKTA_CC_ERR_NO_MEMORY from finish. */
OKTA_CC_DEF void okta_cc_json_writer_init_growable(okta_cc_json_writer *w,
                                                   const okta_cc_allocator *alloc);
/* Opens an object ('{'): a value, so inside an object it follows okta_cc_json_write_key. */
OKTA_CC_DEF void okta_cc_json_write_object_begin(okta_cc_json_writer *w);
/* Closes the innermost container, which must be an object whose last key has its value;
   anything else is OKTA_CC_ERR_INVALID_ARGUMENT. */
OKTA_CC_DEF void okta_cc_json_write_object_end(okta_cc_json_writer *w);
/* Opens an array ('['); its elements are written with no key. */
OKTA_CC_DEF void okta_cc_json_write_array_begin(okta_cc_json_writer *w);
/* Closes the innermost container, which must be an array (else OKTA_CC_ERR_INVALID_ARGUMENT). */
OKTA_CC_DEF void okta_cc_json_write_array_end(okta_cc_json_writer *w);
/* Writes an object member's key (NUL-terminated UTF-8, escaped as needed); the next call must
   write its value. Outside an object, twice in a row or with key NULL: INVALID_ARGUMENT. */
OKTA_CC_DEF void okta_cc_json_write_key(okta_cc_json_writer *w, const char *key);
/* Writes a NUL-terminated string value, escaped (quotes, backslashes, control characters as
   \n, \t or \u00XX). Invalid UTF-8 is OKTA_CC_ERR_UTF8, s NULL INVALID_ARGUMENT. */
OKTA_CC_DEF void okta_cc_json_write_string(okta_cc_json_writer *w, const char *s);
/* The same for n bytes at s, which may hold NUL bytes (written as \u0000). */
OKTA_CC_DEF void okta_cc_json_write_string_n(okta_cc_json_writer *w, const char *s, size_t n);
/* Writes an integer number, INT64_MIN to INT64_MAX, in decimal. */
OKTA_CC_DEF void okta_cc_json_write_int64(okta_cc_json_writer *w, int64_t v);
/* Writes true when v is non-zero, else false. */
OKTA_CC_DEF void okta_cc_json_write_bool(okta_cc_json_writer *w, int v);
/* Writes null. */
OKTA_CC_DEF void okta_cc_json_write_null(okta_cc_json_writer *w);
/* Checks that every container is closed, NUL-terminates, and returns the first error.
   *len (optional) receives the JSON length, or on OKTA_CC_ERR_BUFFER_TOO_SMALL the buffer size
   needed including the NUL. For growable writers the text is in w->buf. */
OKTA_CC_DEF okta_cc_result okta_cc_json_writer_finish(okta_cc_json_writer *w, size_t *out_len,
                                                      okta_cc_error *err);
/* Frees a growable writer's buffer (after wiping it). Harmless on fixed writers. */
OKTA_CC_DEF void okta_cc_json_writer_free(okta_cc_json_writer *w);

/* ---------------------------------------------------------------------------------------------
   JSON parser
   ------------------------------------------------------------------------------------------- */

typedef enum okta_cc_json_type {
    OKTA_CC_JSON_NONE = 0,
    OKTA_CC_JSON_OBJECT,
    OKTA_CC_JSON_ARRAY,
    OKTA_CC_JSON_STRING,
    OKTA_CC_JSON_NUMBER,
    OKTA_CC_JSON_TRUE,
    OKTA_CC_JSON_FALSE,
    OKTA_CC_JSON_NULL
} okta_cc_json_type;

/* One value. Tokens are stored in document order; an object's members alternate key, value.
   For strings start/end exclude the quotes and the text is still escaped. */
typedef struct okta_cc_json_token {
    okta_cc_json_type type;
    uint32_t start, end;        /* byte range in the input */
    uint32_t count;             /* objects: members; arrays: elements */
    uint32_t next;              /* index of the token after this value's subtree */
} okta_cc_json_token;

typedef struct okta_cc_json_limits {
    unsigned max_depth;         /* 0 = 64; capped at OKTA_CC_JSON_MAX_DEPTH (see the
                                   configuration macros; it sizes no public struct) */
    size_t max_bytes;           /* 0 = 1 MiB */
} okta_cc_json_limits;

typedef struct okta_cc_json_doc {
    const char *json;
    size_t len;
    okta_cc_json_token *tokens;
    size_t count;               /* tokens used; tokens[0] is the root */
} okta_cc_json_doc;

/* Parses json (len bytes, no NUL needed) into tokens[max_tokens]. With tokens == NULL only
   validates and stores the number of tokens needed in doc->count. limits may be NULL. */
OKTA_CC_DEF okta_cc_result okta_cc_json_parse(const char *json, size_t len,
                                              okta_cc_json_token *tokens, size_t max_tokens,
                                              const okta_cc_json_limits *limits,
                                              okta_cc_json_doc *doc, okta_cc_error *err);

/* Index of the value of member key in the object at index obj, or -1 (also when obj is not an
   object). Keys are compared after unescaping; the first match wins. */
OKTA_CC_DEF long okta_cc_json_find(const okta_cc_json_doc *doc, size_t obj, const char *key);
/* First element of an array (or first key of an object) at index tok, or -1 when empty. */
OKTA_CC_DEF long okta_cc_json_first(const okta_cc_json_doc *doc, size_t tok);
/* The element after elem inside the container at index parent, or -1 at the end.
   Iterate an array:  for (i = first(d, a); i >= 0; i = next(d, a, i)) ...  (for objects this
   visits keys and values alternately). */
OKTA_CC_DEF long okta_cc_json_next(const okta_cc_json_doc *doc, size_t parent, size_t elem);

/* Unescapes the string at index tok into out (cap bytes), NUL-terminated. *out_len (optional)
   receives its length, or the size needed including the NUL on OKTA_CC_ERR_BUFFER_TOO_SMALL.
   The result may contain NUL bytes when the JSON had \u0000; use *out_len. */
OKTA_CC_DEF okta_cc_result okta_cc_json_get_string(const okta_cc_json_doc *doc, size_t tok,
                                                   char *out, size_t cap, size_t *out_len,
                                                   okta_cc_error *err);
/* 1 when the string at index tok unescapes to exactly s, else 0. */
OKTA_CC_DEF int okta_cc_json_string_equals(const okta_cc_json_doc *doc, size_t tok, const char *s);
/* Reads an integer number (no fraction or exponent); OKTA_CC_ERR_RANGE if it overflows.
   The getters say OKTA_CC_ERR_NOT_FOUND for a tok outside the document and
   OKTA_CC_ERR_JSON_TYPE for a value of another type. */
OKTA_CC_DEF okta_cc_result okta_cc_json_get_int64(const okta_cc_json_doc *doc, size_t tok,
                                                  int64_t *out, okta_cc_error *err);
/* Reads true (1) or false (0) into *out; any other value is OKTA_CC_ERR_JSON_TYPE. */
OKTA_CC_DEF okta_cc_result okta_cc_json_get_bool(const okta_cc_json_doc *doc, size_t tok,
                                                 int *out, okta_cc_error *err);

/* ---------------------------------------------------------------------------------------------
   >>rng        Randomness
   BearSSL's HMAC-DRBG (SHA-256) seeded from the system seeder and getrandom()
   ------------------------------------------------------------------------------------------- */

/* Every member is private: storage for a br_hmac_drbg_context (kept out of this header's
   public part so that users need not include bearssl.h) and its bookkeeping. */
typedef struct okta_cc_rng {
    uint64_t _state[32];
    int _seeded;
    long _pid;                  /* the process that seeded it: a forked child reseeds */
    size_t _since_reseed;
} okta_cc_rng;

/* Seeds rng from the operating system. OKTA_CC_ERR_RANDOM if no entropy source works. */
OKTA_CC_DEF okta_cc_result okta_cc_rng_init(okta_cc_rng *rng, okta_cc_error *err);
/* Fills buf with n random bytes (reseeding from the system every 64 KiB of output). */
OKTA_CC_DEF okta_cc_result okta_cc_rng_bytes(okta_cc_rng *rng, void *buf, size_t n, okta_cc_error *err);
/* Wipes the generator state. */
OKTA_CC_DEF void okta_cc_rng_wipe(okta_cc_rng *rng);

/* ---------------------------------------------------------------------------------------------
   >>key        Keys: RSA and EC private keys
   RSA (2048-4096 bits) and EC (P-256, P-384, P-521) private keys.
   ------------------------------------------------------------------------------------------- */

typedef enum okta_cc_key_type {
    OKTA_CC_KEY_NONE = 0,
    OKTA_CC_KEY_RSA = 1,
    OKTA_CC_KEY_EC = 2
} okta_cc_key_type;

typedef enum okta_cc_alg {
    OKTA_CC_ALG_DEFAULT = 0,    /* from the key: RSA -> RS256, P-256 -> ES256, P-384 -> ES384,
                                   P-521 -> ES512 (or the JWK's own "alg" when it had one) */
    OKTA_CC_ALG_RS256, OKTA_CC_ALG_RS384, OKTA_CC_ALG_RS512,
    OKTA_CC_ALG_ES256, OKTA_CC_ALG_ES384, OKTA_CC_ALG_ES512
} okta_cc_alg;

#define OKTA_CC_RSA_MAX_BYTES 512   /* 4096-bit modulus */
#define OKTA_CC_EC_MAX_BYTES 66     /* P-521 scalar */
#define OKTA_CC_KID_MAX 128

/* How a signer signs (see okta_cc_signer): data, len is the JWS signing input and digest,
   digest_len its hash with alg's hash (SHA-256, -384 or -512), for a device that signs a digest
   (a secure element, a TPM, PKCS#11's CKM_ECDSA) or one that hashes itself (CKM_SHA256_RSA_PKCS).
   It writes the signature into (out, cap, out_len): for RS* the modulus' bytes
   (RSASSA-PKCS1-v1_5), for ES* r||s, each half the curve size (JWS form), or a DER
   ECDSA-Sig-Value, which is converted. It returns OKTA_CC_OK, or an error with a one-line
   message in err (when not NULL; never a secret).
   Threads: a shared client calls it from whichever thread signs - DPoP proofs from each
   request's own thread, several at once; assertions from the thread that fetches a token - and
   never with a lock of the client held, so it may block on its device, and it must be safe to
   call from several threads at once (serialise inside it when the device cannot).
   fork(): after a fork() the child's signatures call it in the child. State that does not
   survive a fork (a PKCS#11 session, a device handle the parent opened) must be noticed there
   - compare getpid() with the process that opened it - and opened anew (>>pkcs11 does). */
typedef okta_cc_result (*okta_cc_sign_fn)(void *user, okta_cc_alg alg, const unsigned char *data,
                                          size_t len, const unsigned char *digest,
                                          size_t digest_len, unsigned char *out, size_t cap,
                                          size_t *out_len, okta_cc_error *err);

/* A private key. Caller-owned and self-contained (no pointers, no allocation): it can live on
   the stack or be copied. It holds secrets: call okta_cc_key_wipe() when done. A key made by
   okta_cc_key_from_signer holds the public half only, and a sign function that reaches the
   private half; its copies share that signer. */
typedef struct okta_cc_key {
    okta_cc_key_type type;
    unsigned bits;              /* RSA modulus size, or the curve's size (256, 384, 521) */
    int curve;                  /* BearSSL curve id (BR_EC_secp256r1 ...) for EC keys */
    okta_cc_alg alg;            /* the JWK's "alg" member, or OKTA_CC_ALG_DEFAULT */
    char kid[OKTA_CC_KID_MAX];  /* the JWK's "kid", or set by the caller; "" = none */
    /* RSA: n, e and the CRT private parts BearSSL signs with (big-endian, minimal length). */
    unsigned char n[OKTA_CC_RSA_MAX_BYTES], e[8];
    unsigned char p[OKTA_CC_RSA_MAX_BYTES / 2], q[OKTA_CC_RSA_MAX_BYTES / 2];
    unsigned char dp[OKTA_CC_RSA_MAX_BYTES / 2], dq[OKTA_CC_RSA_MAX_BYTES / 2];
    unsigned char iq[OKTA_CC_RSA_MAX_BYTES / 2];
    size_t n_len, e_len, p_len, q_len, dp_len, dq_len, iq_len;
    /* EC: the private scalar d and the uncompressed public point 04||x||y. */
    unsigned char d[OKTA_CC_EC_MAX_BYTES], pub[1 + 2 * OKTA_CC_EC_MAX_BYTES];
    size_t d_len, pub_len;
    okta_cc_sign_fn sign;       /* a signer's (okta_cc_key_from_signer); NULL for a key in memory */
    void *sign_user;
} okta_cc_key;

/* A key that signs through a callback: its private half stays in a TPM, a secure element, an
   HSM or a PKCS#11 token (>>pkcs11 makes one from a pkcs11: URI). The public half comes with
   it, for the public JWK, the thumbprint and a DPoP proof's jwk. Set either the RSA or the EC
   members. okta_cc_config.signer (the client assertion) and .dpop_signer (DPoP proofs) take one
   in place of a key; okta_cc_key_from_signer makes an okta_cc_key of it for every other
   function. Keys in memory sign through the same path: BearSSL is their sign function. */
typedef struct okta_cc_signer {
    okta_cc_alg alg;                /* DEFAULT: RS256 for RSA, the curve's ES* for EC */
    const unsigned char *rsa_n;     /* RSA: the modulus (2048 to 4096 bits), big-endian */
    size_t rsa_n_len;
    const unsigned char *rsa_e;     /* and the public exponent, big-endian */
    size_t rsa_e_len;
    const unsigned char *ec_point;  /* EC: the uncompressed point 04||x||y; its length names the
                                       curve: 65 P-256, 97 P-384, 133 P-521 */
    size_t ec_point_len;
    const char *kid;                /* optional: the key's kid (at most OKTA_CC_KID_MAX - 1 bytes) */
    okta_cc_sign_fn sign;           /* signs (see okta_cc_sign_fn: threads and fork()) */
    void *user;                     /* sign's first argument: must outlive every key made of it */
} okta_cc_signer;

/* Makes key a key that signs through s->sign. The public key is checked as a loaded key's is
   (RSA size and exponent; the EC point on its curve), and alg against it; nothing is signed
   here. Every signature made through the key is then verified against the public key before
   it is used: a sign function that answers with anything else (another key's signature, a
   wrong length) gives OKTA_CC_ERR_CRYPTO, so nothing unverifiable reaches a server. Such a key
   has no private part to export: okta_cc_key_to_pem refuses it (OKTA_CC_ERR_KEY_PUBLIC_ONLY). */
OKTA_CC_DEF okta_cc_result okta_cc_key_from_signer(okta_cc_key *key, const okta_cc_signer *s,
                                                   okta_cc_error *err);

/* Loads a private key from text, detecting the format:
     PEM "RSA PRIVATE KEY" (PKCS#1), "PRIVATE KEY" (PKCS#8, RSA or EC), "EC PRIVATE KEY" (SEC1),
     LF or CRLF, text around the block ignored; a JWK; a JWKS {"keys":[...]} (the key whose
     "kid" equals kid, or the only key when kid is NULL). Text whose newlines arrive as the two
     characters \n (an environment variable) is accepted too.
   The key is checked: sizes and curves, RSA's public exponent (FIPS 186-5: odd, 2^16 < e <
   2^256, and at most 64 bits here; anything else is OKTA_CC_ERR_KEY_UNSUPPORTED), JWK members
   against each other, and a sign-then-verify self-test. kid (optional) also becomes key->kid
   when the key has none. A NULL key or text is OKTA_CC_ERR_INVALID_ARGUMENT; on any error the
   key is wiped. */
OKTA_CC_DEF okta_cc_result okta_cc_key_load(okta_cc_key *key, const char *text, size_t len,
                                            const char *kid, okta_cc_error *err);
/* The same from a file (at most 1 MiB): a regular file or a pipe (a FIFO, a shell's <(...));
   a directory, a device such as /dev/zero or a socket is OKTA_CC_ERR_IO before anything is
   read, and a FIFO nobody writes to reads as empty rather than waiting. */
OKTA_CC_DEF okta_cc_result okta_cc_key_load_file(okta_cc_key *key, const char *path,
                                                 const char *kid, okta_cc_error *err);
/* Overwrites all key material. */
OKTA_CC_DEF void okta_cc_key_wipe(okta_cc_key *key);

/* Generates a key: RSA with bits 2048, 3072 or 4096 (e = 65537), or EC with bits 256, 384 or
   521 (P-256, P-384, P-521). rng may be NULL (a fresh system-seeded generator is used). */
OKTA_CC_DEF okta_cc_result okta_cc_key_generate(okta_cc_key *key, okta_cc_key_type type,
                                                unsigned bits, okta_cc_rng *rng,
                                                okta_cc_error *err);
/* The three exports below write text into out (cap bytes) and NUL-terminate it. *out_len
   (optional) receives its length without the NUL, or on OKTA_CC_ERR_BUFFER_TOO_SMALL the size
   needed including it; out may be NULL when cap is 0 (a size query). A key that is not loaded
   is OKTA_CC_ERR_INVALID_ARGUMENT. */
/* The private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). Holds a secret:
   wipe it. */
OKTA_CC_DEF okta_cc_result okta_cc_key_to_pem(const okta_cc_key *key, char *out, size_t cap,
                                              size_t *out_len, okta_cc_error *err);
/* The public JWK: {"e","kty","n"} or {"crv","kty","x","y"} (RFC 7638 member order), then
   "kid" (kid, or key->kid when kid is NULL; none when both are empty), "use":"sig" and "alg".
   A kid that is not UTF-8 is OKTA_CC_ERR_UTF8. */
OKTA_CC_DEF okta_cc_result okta_cc_key_public_jwk(const okta_cc_key *key, const char *kid,
                                                  char *out, size_t cap, size_t *out_len,
                                                  okta_cc_error *err);
/* The RFC 7638 JWK thumbprint: SHA-256, base64url, always 43 characters, so cap 44 does;
   *out_len gets 43, or 44 on OKTA_CC_ERR_BUFFER_TOO_SMALL. */
OKTA_CC_DEF okta_cc_result okta_cc_key_thumbprint(const okta_cc_key *key, char *out, size_t cap,
                                                  size_t *out_len, okta_cc_error *err);

/* The JWS name of an algorithm ("RS256" ...); "" for OKTA_CC_ALG_DEFAULT or an unknown value.
   Never NULL. */
OKTA_CC_DEF const char *okta_cc_alg_name(okta_cc_alg alg);
/* The algorithm of a JWS name, compared exactly ("RS256", not "rs256"); OKTA_CC_ALG_DEFAULT
   when name is NULL or names no algorithm this library signs with. */
OKTA_CC_DEF okta_cc_alg okta_cc_alg_from_name(const char *name);
/* The algorithm a key signs with when none is asked for (see OKTA_CC_ALG_DEFAULT). */
OKTA_CC_DEF okta_cc_alg okta_cc_key_default_alg(const okta_cc_key *key);

/* ---------------------------------------------------------------------------------------------
   >>jws        JWS (RFC 7515 compact serialization)
   ------------------------------------------------------------------------------------------- */

/* Largest signature: RSA 4096 is 512 bytes; ES512 is 132. */
#define OKTA_CC_SIG_MAX 512

/* Signs data with alg (DEFAULT: the key's default; a mismatch is OKTA_CC_ERR_ALG_MISMATCH):
   RSASSA-PKCS1-v1_5 for RS*, raw r||s (JWS form) for ES*, into out (cap bytes). Every
   signature of a key has one size: the modulus bytes for RSA, twice the curve size for EC
   (64, 96, 132), never more than OKTA_CC_SIG_MAX. *out_len (optional) receives it, on
   success and on OKTA_CC_ERR_BUFFER_TOO_SMALL; out may be NULL when cap is 0 (a size query). */
OKTA_CC_DEF okta_cc_result okta_cc_jws_sign_bytes(const okta_cc_key *key, okta_cc_alg alg,
                                                  const void *data, size_t len,
                                                  unsigned char *out, size_t cap,
                                                  size_t *out_len, okta_cc_error *err);
/* Verifies a signature with the key's public half: OKTA_CC_OK, or OKTA_CC_ERR_CRYPTO when it
   does not verify (a signature of another size than the key makes never does). No key is
   OKTA_CC_ERR_INVALID_ARGUMENT, an alg the key cannot use OKTA_CC_ERR_ALG_MISMATCH. */
OKTA_CC_DEF okta_cc_result okta_cc_jws_verify_bytes(const okta_cc_key *key, okta_cc_alg alg,
                                                    const void *data, size_t len,
                                                    const unsigned char *sig, size_t sig_len,
                                                    okta_cc_error *err);
/* BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature) into out (cap bytes),
   NUL-terminated. header_json is signed exactly as given; its "alg" member must name alg.
   *out_len (optional) gets the length without the NUL, or on OKTA_CC_ERR_BUFFER_TOO_SMALL the
   exact size needed including it; out may be NULL when cap is 0 (a size query). */
OKTA_CC_DEF okta_cc_result okta_cc_jws_compact(const okta_cc_key *key, okta_cc_alg alg,
                                               const char *header_json, size_t header_len,
                                               const void *payload, size_t payload_len,
                                               char *out, size_t cap, size_t *out_len,
                                               okta_cc_error *err);
/* A signed JWT: header {"alg":...,"kid":...,"typ":"JWT"} (kid: the argument, else key->kid,
   else none; at most OKTA_CC_KID_MAX - 1 bytes) over claims_json, which must be a JSON object
   and is signed byte for byte as given. out, cap, out_len as for okta_cc_jws_compact. */
OKTA_CC_DEF okta_cc_result okta_cc_jwt_sign(const okta_cc_key *key, okta_cc_alg alg,
                                            const char *kid, const char *claims_json,
                                            size_t claims_len, char *out, size_t cap,
                                            size_t *out_len, okta_cc_error *err);

/* ---------------------------------------------------------------------------------------------
   >>pkcs11     PKCS#11: keys in TPMs, smart cards and HSMs (OKTA_CC_PKCS11)
   Compiled only with OKTA_CC_PKCS11 defined (where the implementation is, and wherever these
   functions are called). The module (SoftHSM, tpm2-pkcs11, OpenSC, a vendor's) is loaded with
   dlopen at run time: no library is linked (glibc before 2.34 needs -ldl). The private key
   never enters this process: the token signs (RSASSA-PKCS1-v1_5 with CKM_SHA256/384/512_RSA_PKCS,
   ECDSA with CKM_ECDSA over the digest), and every signature is verified with the public key
   read from the token before it is used (see okta_cc_key_from_signer).
   Threads: the key's one session is locked while it signs, so every thread of a shared client
   may sign with it (the module is initialised with CKF_OS_LOCKING_OK). fork(): a child's
   first signature notices the new process id and initialises the module again, opens a new
   session and logs in again (PKCS#11 requires it); the parent's session is left alone.
   ------------------------------------------------------------------------------------------- */

#ifdef OKTA_CC_PKCS11

#define OKTA_CC_PKCS11_TEXT_MAX 256     /* a decoded attribute of a pkcs11: URI */
#define OKTA_CC_PKCS11_ID_MAX 128       /* bytes of a CKA_ID */

/* A parsed RFC 7512 pkcs11: URI, attributes percent-decoded; "" (id_len 0) when absent. It may
   hold a PIN (pin_value): okta_cc_wipe it when done. */
typedef struct okta_cc_pkcs11_uri {
    char token[OKTA_CC_PKCS11_TEXT_MAX];        /* the token's label (CK_TOKEN_INFO) */
    char manufacturer[OKTA_CC_PKCS11_TEXT_MAX]; /* the token's manufacturerID */
    char model[OKTA_CC_PKCS11_TEXT_MAX];
    char serial[OKTA_CC_PKCS11_TEXT_MAX];
    char object[OKTA_CC_PKCS11_TEXT_MAX];       /* CKA_LABEL */
    unsigned char id[OKTA_CC_PKCS11_ID_MAX];    /* CKA_ID */
    size_t id_len;
    char type[16];                              /* "private", "public", "cert" ... */
    long slot_id;                               /* slot-id, -1 when absent */
    char pin_value[OKTA_CC_PKCS11_TEXT_MAX];    /* query attribute pin-value */
    char pin_source[OKTA_CC_PKCS11_TEXT_MAX];   /* pin-source: a file (path or file: URI) */
    char module_path[OKTA_CC_PKCS11_TEXT_MAX];  /* module-path: the module's file */
} okta_cc_pkcs11_uri;

/* Parses a pkcs11: URI (RFC 7512) strictly: the scheme, then path attributes separated by ';'
   and query attributes after '?' separated by '&', each name=value at most once; values
   percent-decoded (RFC 3986: a '%' not followed by two hex digits is an error, so is a
   character the grammar does not allow, such as a space); id any bytes, every other value
   text without NUL or control characters. Path attributes known: token, manufacturer, model,
   serial, object, id, type (private, public, cert, secret-key, data), slot-id,
   library-manufacturer, library-description, library-version, slot-description,
   slot-manufacturer (the last five read and ignored); query: pin-value, pin-source,
   module-path, module-name. An unknown attribute, a repeated one, pin-value with pin-source,
   or a value too long is OKTA_CC_ERR_INVALID_ARGUMENT, its message naming the attribute
   (never a PIN). */
OKTA_CC_DEF okta_cc_result okta_cc_pkcs11_uri_parse(okta_cc_pkcs11_uri *uri, const char *text,
                                                    okta_cc_error *err);

/* A PKCS#11 module loaded, a token's session logged in, and one private key in it. Opaque. */
typedef struct okta_cc_pkcs11 okta_cc_pkcs11;

/* Opens the private key the pkcs11: URI names: loads the module (module: its path; NULL: the
   URI's module-path), initialises it, finds the token (token, manufacturer, model, serial,
   slot-id; the first with a token when none is named), opens a session, logs in with the
   URI's pin-value, else the first line of the file its pin-source names, else pin (none at
   all: no login, for tokens whose keys need none) - once: a wrong PIN is never tried again, so the token's retry
   counter drops by one, not to its lock-out - and finds exactly one private key by object
   and/or id (type, when given, must be private). Its public key is read from the token:
   CKA_MODULUS and CKA_PUBLIC_EXPONENT, or for EC CKA_EC_POINT of the public key with the same
   id or label, or CKA_PUBLIC_KEY_INFO. alloc (NULL: the macros) serves its memory.
   One-line errors: no module named (OKTA_CC_ERR_CONFIG); a module that cannot be loaded or
   is not PKCS#11 (OKTA_CC_ERR_IO);
   no token or no key matching (OKTA_CC_ERR_NOT_FOUND); a wrong or locked PIN, a token gone
   (OKTA_CC_ERR_DEVICE); a public key without its private half (OKTA_CC_ERR_KEY_PUBLIC_ONLY);
   a key with CKA_SIGN false, or not RSA / P-256 / P-384 / P-521 (OKTA_CC_ERR_KEY_UNSUPPORTED).
   Close it with okta_cc_pkcs11_close once no key made of it is used any more. */
OKTA_CC_DEF okta_cc_result okta_cc_pkcs11_open(okta_cc_pkcs11 **out, const char *module, const char *uri,
                                               const char *pin, const okta_cc_allocator *alloc,
                                               okta_cc_error *err);
/* Generates a key pair inside the token the URI names and opens it as okta_cc_pkcs11_open
   does: RSA (bits 2048, 3072 or 4096, e = 65537) or EC (256, 384 or 521), labelled with the
   URI's object (required) and id (when given). The private key is made CKA_TOKEN,
   CKA_PRIVATE, CKA_SENSITIVE and not CKA_EXTRACTABLE, with CKA_SIGN only: it never exists
   outside the token. A key with the same object or id already there is OKTA_CC_ERR_CONFIG
   (nothing is generated). Needs a PIN (a session that may write). */
OKTA_CC_DEF okta_cc_result okta_cc_pkcs11_generate(okta_cc_pkcs11 **out, const char *module, const char *uri,
                                                   const char *pin, okta_cc_key_type type, unsigned bits,
                                                   const okta_cc_allocator *alloc, okta_cc_error *err);
/* The signer of an open key (okta_cc_config.signer or .dpop_signer take it; its user is p):
   valid until okta_cc_pkcs11_close. */
OKTA_CC_DEF const okta_cc_signer *okta_cc_pkcs11_signer(const okta_cc_pkcs11 *p);
/* Logs out, closes the session and, when this object initialised the module, finalizes it;
   unloads nothing that another open object still uses (objects on one module: close them in
   the reverse order of opening). In a forked child that never signed, only memory is freed:
   the parent's session is not touched. NULL is ignored. */
OKTA_CC_DEF void okta_cc_pkcs11_close(okta_cc_pkcs11 *p);

#endif /* OKTA_CC_PKCS11 */

/* ---------------------------------------------------------------------------------------------
   >>assertion  Client assertion (RFC 7523 private_key_jwt)
   For callers who bring their own HTTP.
   ------------------------------------------------------------------------------------------- */

typedef struct okta_cc_assertion {
    const char *client_id;      /* iss and sub */
    const char *audience;       /* aud: exactly the token endpoint URL that will be called */
    int64_t issued_at;          /* iat, Unix seconds */
    int ttl;                    /* exp - iat in seconds: 1..3600, 0 = 300 */
    const char *jti;            /* NULL: 192 random bits from rng, base64url */
    const char *kid;            /* NULL: key->kid; "" = no kid */
} okta_cc_assertion;

/* Signs the assertion: header {"alg","kid","typ":"JWT"}, claims {"iss","sub","aud","jti",
   "iat","exp"}. rng is needed only when a->jti is NULL. out, cap, out_len as for
   okta_cc_jws_compact. */
OKTA_CC_DEF okta_cc_result okta_cc_assertion_sign(const okta_cc_key *key, okta_cc_alg alg,
                                                    const okta_cc_assertion *a, okta_cc_rng *rng,
                                                    char *out, size_t cap, size_t *out_len,
                                                    okta_cc_error *err);

/* ---------------------------------------------------------------------------------------------
   >>url        URLs: text rules, normalisation, joining, origins, redaction
   No public functions: okta_cc_dpop_htu (>>dpop) and okta_cc_client_token_url (>>client)
   apply its rules.
   ------------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------------
   >>dpop       DPoP proof (RFC 9449)
   The DPoP header's JWT, for callers who bring their own HTTP.
   ------------------------------------------------------------------------------------------- */

/* The htu of a request URL: scheme and host in lower case, the port only when it is not the
   default, the path percent-decoded the way Okta compares it ("/api/v1/users/a%40b.com" gives
   "/api/v1/users/a@b.com"; every %XX is decoded, %2F to '/' as well), no query, no fragment, an
   empty path as "/". OKTA_CC_ERR_INVALID_ARGUMENT for anything but http(s)://host[:port]...,
   a space or control byte, a malformed % escape or one that decodes to a control byte or NUL.
   Text into (out, cap, out_len) as for okta_cc_key_public_jwk. */
OKTA_CC_DEF okta_cc_result okta_cc_dpop_htu(const char *url, char *out, size_t cap, size_t *out_len,
                                            okta_cc_error *err);
/* The ath claim: base64url(SHA-256(the len bytes of access_token)), always 43 characters, so
   cap 44 does; *out_len gets 43, or 44 on OKTA_CC_ERR_BUFFER_TOO_SMALL. */
OKTA_CC_DEF okta_cc_result okta_cc_dpop_ath(const char *access_token, size_t len, char *out, size_t cap,
                                            size_t *out_len, okta_cc_error *err);

typedef struct okta_cc_dpop_claims {
    const char *htm;            /* the request method, an RFC 9110 token ("POST", "GET" ...) */
    const char *url;            /* the request URL; htu is derived (okta_cc_dpop_htu) */
    const char *nonce;          /* the server's DPoP-Nonce (1*NQCHAR); NULL: none */
    const char *access_token;   /* NULL: no ath (token requests); else ath is its hash */
    int64_t issued_at;          /* iat, Unix seconds */
    const char *jti;            /* NULL: 192 random bits from rng, base64url */
} okta_cc_dpop_claims;

/* Signs a DPoP proof: header {"typ":"dpop+jwt","alg","jwk"} whose jwk holds the key's public
   members only ({"kty","n","e"} or {"kty","crv","x","y"}: no kid, use, alg, and never a
   private member), claims {"jti","htm","htu","iat"[,"nonce"][,"ath"]}, compact JSON in that
   order. A new proof for every request: never reuse one. rng is needed only when c->jti is
   NULL. A key that is not loaded is OKTA_CC_ERR_INVALID_ARGUMENT. out, cap, out_len as for
   okta_cc_jws_compact (with a random jti, a size query still gives the exact size). */
OKTA_CC_DEF okta_cc_result okta_cc_dpop_proof_sign(const okta_cc_key *key, okta_cc_alg alg,
                                                   const okta_cc_dpop_claims *c, okta_cc_rng *rng,
                                                   char *out, size_t cap, size_t *out_len,
                                                   okta_cc_error *err);

/* ---------------------------------------------------------------------------------------------
   >>http       HTTP: transport, requests, responses, errors
   HTTP transport: one request in, one response out. libcurl is the default implementation;
   any other can be plugged in through okta_cc_config.transport.
   ------------------------------------------------------------------------------------------- */

typedef struct okta_cc_http_request {
    const char *method;             /* "GET", "POST" ... */
    const char *url;
    const char *const *headers;     /* "Name: value" lines */
    size_t header_count;
    const char *body;               /* NULL for none */
    size_t body_len;
} okta_cc_http_request;

/* A response being received or received. The members starting with an underscore are
   private; the others may be read (and max_body set after init). */
typedef struct okta_cc_http_response {
    long status;
    char *headers;                  /* "name: value\n" lines of the final response, NUL-ended */
    size_t headers_len;
    char *body;                     /* NUL-terminated, may hold a token: wiped on free */
    size_t body_len;
    size_t max_body;                /* cap on body_len (0 = 1 MiB) */
    int body_too_large;             /* set when the body passed max_body or the headers 64 KiB */
    size_t _headers_cap, _body_cap; /* bytes allocated */
    char *_values;                  /* headers with each value NUL-terminated (what
                                       okta_cc_http_response_header returns points here) */
    size_t _values_cap;
    okta_cc_allocator _alloc;
} okta_cc_http_response;

/* What a response's X-Rate-Limit-* headers say (Okta's rate limits, see RETRIES). */
typedef struct okta_cc_rate_limit {
    int present;                    /* the X-Rate-Limit-* headers came */
    int64_t limit, remaining;
    int64_t reset;                  /* Unix seconds (the smallest when the header repeats) */
} okta_cc_rate_limit;

/* A transport performs one request and fills resp with the helpers below. It returns
   OKTA_CC_OK when an HTTP response arrived (whatever its status), else an error with err filled
   (when not NULL). The result decides whether okta_cc_request may repeat the request:
     OKTA_CC_ERR_CONNECT   no byte of the request left: no connection could be made (DNS,
                           refused, unreachable, proxy handshake). Repeated for any method.
     OKTA_CC_ERR_NETWORK   the connection failed after bytes may have left (reset, cut short).
                           Repeated only for GET, HEAD and OPTIONS.
     OKTA_CC_ERR_TIMEOUT, _TLS, _RESPONSE_TOO_LARGE, _NO_MEMORY ...   never repeated.
   When unsure whether anything was sent, say NETWORK. The client hands a transport only
   requests whose method is an RFC 9110 token, whose URL has no space or control byte and whose
   header lines have no control byte but HTAB; the libcurl transport refuses anything else
   itself (OKTA_CC_ERR_INVALID_ARGUMENT, nothing sent), so CR/LF can never add a header line. */
typedef struct okta_cc_transport {
    okta_cc_result (*perform)(void *ctx, const okta_cc_http_request *req,
                              okta_cc_http_response *resp, okta_cc_error *err);
    void *ctx;
    int concurrent;     /* 1: perform may run on several threads at once (the libcurl transport
                           does); 0: a client hands it one request at a time (a request of
                           the client from inside perform is OKTA_CC_ERR_THREAD) */
} okta_cc_transport;

typedef void (*okta_cc_log_fn)(void *user, const char *line);

/* The defaults of okta_cc_http_settings, which okta_cc_config_init writes into cfg.http. */
#define OKTA_CC_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define OKTA_CC_DEFAULT_TIMEOUT_MS 30000
#define OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS 8             /* libcurl handles per transport */
#define OKTA_CC_MAX_PARALLEL_REQUESTS 256

/* The network settings of the libcurl transport: all it reads, and all the client hands it
   (cfg.http). A number left 0 means its default; a negative one, or a user agent with a
   control character (CR or LF would start a new header line), or a CA file that is not a
   regular file (a FIFO would block every connection), is OKTA_CC_ERR_CONFIG. */
typedef struct okta_cc_http_settings {
    long connect_timeout_ms;        /* OKTA_CC_DEFAULT_CONNECT_TIMEOUT_MS */
    long timeout_ms;                /* whole request: OKTA_CC_DEFAULT_TIMEOUT_MS */
    const char *ca_file;            /* PEM bundle to trust instead of the system's */
    const char *ca_pem;             /* or PEM text in memory */
    int insecure_skip_tls_verify;   /* for local tests only, never in production: 1 turns
                                       off the certificate and host name checks, with a
                                       warning through the log function, once per transport.
                                       Default 0 (verify); no environment variable or okta-cc
                                       flag sets it */
    const char *user_agent;         /* appended to "okta-cc/<version> libcurl/<version>" */
    int max_parallel_requests;      /* requests run at once (a pool of easy handles; see
                                       THREADING): OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS; 1 to
                                       OKTA_CC_MAX_PARALLEL_REQUESTS; 1 = one at a time */
} okta_cc_http_settings;

/* The libcurl transport on its own, e.g. to wrap it with logging or metrics: what
   okta_cc_client_new makes from cfg.http when cfg.transport is unset. It copies http (zeros
   as defaults); alloc (NULL: OKTA_CC_MALLOC / _FREE) serves its memory; log (optional) gets
   its one warning (TLS verification off). It is concurrent: up to max_parallel_requests
   requests run at once, each on its own libcurl easy handle, and a further one waits for a
   handle to come back. After fork() (made while no thread is using it) the child's requests
   run on connections of its own, and okta_cc_curl_transport_free in the child leaves the
   parent's alone (see THREADING). Not available with OKTA_CC_NO_CURL. */
OKTA_CC_DEF okta_cc_result okta_cc_curl_transport_new(okta_cc_transport *out,
                                                      const okta_cc_http_settings *http,
                                                      const okta_cc_allocator *alloc,
                                                      okta_cc_log_fn log, void *log_user,
                                                      okta_cc_error *err);
/* Frees a transport made by okta_cc_curl_transport_new: its handles, connections and share
   handle; t->perform and t->ctx become NULL. NULL, or a transport freed already, is ignored.
   No request may be running on it. */
OKTA_CC_DEF void okta_cc_curl_transport_free(okta_cc_transport *t);

/* Starts an empty response whose buffers come from alloc (NULL: OKTA_CC_MALLOC / _FREE) and
   whose body may reach max_body bytes (0 = 1 MiB). */
OKTA_CC_DEF void okta_cc_http_response_init(okta_cc_http_response *resp,
                                            const okta_cc_allocator *alloc, size_t max_body);
/* Appends body bytes, all or none. OKTA_CC_ERR_RESPONSE_TOO_LARGE when they would take the
   body past max_body (body_too_large is set), OKTA_CC_ERR_NO_MEMORY. */
OKTA_CC_DEF okta_cc_result okta_cc_http_response_append_body(okta_cc_http_response *resp,
                                                             const void *data, size_t len,
                                                             okta_cc_error *err);
/* Feeds one raw header line (a trailing CR LF is dropped; blank lines are ignored). A status
   line "HTTP/<version> <3 digits>[ <reason>]" starts a new response (after 1xx or redirects):
   the headers so far are forgotten and status is set; a line starting "HTTP/" that is not
   such a status line is OKTA_CC_ERR_BAD_RESPONSE (status 0). OKTA_CC_ERR_RESPONSE_TOO_LARGE
   when the header block would pass 64 KiB (body_too_large is set), OKTA_CC_ERR_NO_MEMORY. */
OKTA_CC_DEF okta_cc_result okta_cc_http_response_header_line(okta_cc_http_response *resp,
                                                             const char *line, size_t len,
                                                             okta_cc_error *err);
/* The value of the index-th header called name (case-insensitive), or NULL: a NUL-terminated
   string, blanks around it dropped, valid until the response changes or is freed. *value_len
   (optional) gets its length (a NUL the server sent inside a value would end the string
   early; value_len counts on to the real end). */
OKTA_CC_DEF const char *okta_cc_http_response_header(const okta_cc_http_response *resp,
                                                     const char *name, size_t index,
                                                     size_t *value_len);
/* Frees (after wiping) a response's body and headers; the status stays. Harmless on a
   response already freed or zeroed. */
OKTA_CC_DEF void okta_cc_http_response_free(okta_cc_http_response *resp);

/* ---------------------------------------------------------------------------------------------
   >>store      Token store: a client's token state kept across processes
   A place to keep the state of one identity between processes (see TOKEN STORE), and the
   built-in store that keeps it in files.
   ------------------------------------------------------------------------------------------- */

/* A place to keep the state of one identity between processes. Callbacks get the identity's
   id: 64 lowercase hex characters (SHA-256 of what makes a token valid: token URL, client id,
   scopes sorted, auth method, the client key's thumbprint (or a hash of the client secret),
   the DPoP mode and the configured dpop key's thumbprint). The data is opaque to the store (a
   JSON document of the library's, holding a token and possibly a private key: keep it
   secret). The client calls these with none of its locks held, so they may call the client. */
typedef struct okta_cc_token_store {
    /* Copies the saved state into (out, cap, out_len): OKTA_CC_OK; OKTA_CC_ERR_NOT_FOUND when
       there is none; OKTA_CC_ERR_BUFFER_TOO_SMALL with *out_len = size needed; any other error
       (err says why, e.g. "ignored: a symlink") = unusable, treated as none. */
    okta_cc_result (*load)(void *user, const char *id, char *out, size_t cap, size_t *out_len,
                           okta_cc_error *err);
    /* Replaces the saved state with data (len bytes, not NUL-terminated). */
    okta_cc_result (*save)(void *user, const char *id, const char *data, size_t len,
                           okta_cc_error *err);
    /* Forgets the saved state; none saved is OKTA_CC_OK. */
    okta_cc_result (*remove)(void *user, const char *id, okta_cc_error *err);
    /* Optional (NULL: no cross-process single flight): takes an exclusive lock of the
       identity, waiting at most wait_ms; *held is handed back to unlock. A lock of a process
       that died is free. OKTA_CC_ERR_TIMEOUT when not taken in time. */
    okta_cc_result (*lock)(void *user, const char *id, long wait_ms, void **held,
                           okta_cc_error *err);
    void (*unlock)(void *user, void *held);
    void *user;
} okta_cc_token_store;

/* The file store: one 0600 file per identity, <id>.json, and its lock file <id>.lock, in dir
   (made 0700 when missing, parents too; an existing dir must be a directory, not a symlink,
   owned by the effective user and closed to group and others, else OKTA_CC_ERR_IO). The store
   keeps the directory open (O_CLOEXEC) until okta_cc_file_store_free: every file is opened
   in that directory, whatever happens to its path later. A file that is a symlink, not a
   regular file, owned by someone else, group/world accessible or over 64 KiB is never read
   (load fails with OKTA_CC_ERR_IO, "ignored: ..."): the client fetches a new token and its
   save replaces the entry (a symlink itself, never its target). Saves write a temporary file
   (O_EXCL, 0600), fsync it and rename it over the entry. Locks are flock(2) locks, polled
   without blocking until wait_ms: they die with their holder. May be shared by threads and
   clients; free it after the last client using it. */
OKTA_CC_DEF okta_cc_result okta_cc_file_store_new(okta_cc_token_store *out, const char *dir,
                                                  okta_cc_error *err);
/* Closes the directory and frees what okta_cc_file_store_new made; *store is zeroed. NULL, a
   zeroed store or one freed already is ignored. */
OKTA_CC_DEF void okta_cc_file_store_free(okta_cc_token_store *store);

/* One entry of a file store, as okta-cc cache list shows it: never a token. The strings are
   valid during the callback only. */
typedef struct okta_cc_store_entry {
    const char *id, *token_url, *client_id, *token_type;   /* token_type "" when none held */
    int64_t expires_at;                 /* Unix seconds (the server's clock); 0 when no token */
    int dpop_required;                  /* the app was found to require DPoP */
} okta_cc_store_entry;
/* Called for each entry; returns nonzero to stop. */
typedef int (*okta_cc_store_entry_fn)(void *user, const okta_cc_store_entry *entry);
/* Calls fn for each readable entry of a file store (fn returns nonzero to stop), in no
   particular order; entries that cannot be read are skipped. OKTA_CC_ERR_INVALID_ARGUMENT for
   a store that okta_cc_file_store_new did not make, OKTA_CC_ERR_IO when the directory cannot
   be listed. */
OKTA_CC_DEF okta_cc_result okta_cc_file_store_list(const okta_cc_token_store *store,
                                                   okta_cc_store_entry_fn fn, void *user,
                                                   okta_cc_error *err);
/* Removes every entry (and lock file, and temporary file left by a crash) of a file store;
   *removed (optional) counts the entries. A process holding a lock keeps it. */
OKTA_CC_DEF okta_cc_result okta_cc_file_store_clear(const okta_cc_token_store *store,
                                                    size_t *removed, okta_cc_error *err);

/* ---------------------------------------------------------------------------------------------
   >>client     Token client
   ------------------------------------------------------------------------------------------- */

typedef enum okta_cc_auth_method {
    OKTA_CC_AUTH_PRIVATE_KEY_JWT = 0,   /* the default, and the only one Okta's org server takes */
    OKTA_CC_AUTH_CLIENT_SECRET_BASIC,   /* custom authorization servers only */
    OKTA_CC_AUTH_CLIENT_SECRET_POST     /* custom authorization servers only */
} okta_cc_auth_method;

/* DPoP (RFC 9449) for the token endpoint and the API. With DPoP every token request carries a
   proof (htm POST, htu the token URL) and every API call "Authorization: DPoP <token>" and a
   new proof (htm, htu, ath, never reused, not even by a retry). A 400 (token endpoint) or 401
   (API) use_dpop_nonce with a DPoP-Nonce header is retried once with that nonce (and a new
   assertion; at the token endpoint once more after each rate-limit wait); the latest
   DPoP-Nonce of any response is kept, one for the token endpoint and one for the API. AUTO
   costs one extra round trip for the first token of an app that requires DPoP (plus the nonce
   round trip), nothing for one that does not. A DPoP request must get token_type DPoP, a plain
   one Bearer (else OKTA_CC_ERR_BAD_RESPONSE). */
typedef enum okta_cc_dpop_mode {
    OKTA_CC_DPOP_AUTO = 0,      /* Bearer until the token endpoint says the app requires DPoP
                                   ("The DPoP proof JWT header is missing."), then DPoP */
    OKTA_CC_DPOP_ALWAYS,        /* a DPoP proof with every token request and API call */
    OKTA_CC_DPOP_NEVER          /* Bearer only: no DPoP header is ever sent */
} okta_cc_dpop_mode;

typedef int64_t (*okta_cc_clock_fn)(void *user);                         /* Unix seconds */
typedef void (*okta_cc_sleep_fn)(void *user, long ms);
typedef okta_cc_result (*okta_cc_random_fn)(void *user, void *buf, size_t len);

/* The defaults of okta_cc_config, which okta_cc_config_init writes into it. */
#define OKTA_CC_DEFAULT_ASSERTION_TTL 300                   /* seconds */
#define OKTA_CC_MAX_ASSERTION_TTL 3600                      /* Okta refuses longer assertions */
#define OKTA_CC_DEFAULT_TOKEN_SKEW 60                       /* seconds */
#define OKTA_CC_DEFAULT_MAX_RESPONSE_BYTES ((size_t)1 << 20) /* 1 MiB */
#define OKTA_CC_DEFAULT_MAX_RETRIES 2
#define OKTA_CC_DEFAULT_RETRY_DEADLINE_MS 60000
#define OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD 240             /* seconds */

typedef struct okta_cc_config okta_cc_config;

/* Configuration. okta_cc_config_init sets every field: the numbers to their OKTA_CC_DEFAULT_*,
   everything else to zero/NULL; then set what you need. A number left 0 (a config zeroed
   instead of initialised, as older versions asked) still means its default. A negative value
   means "none" where a field says so (token_skew, token_refresh_ahead, max_retries);
   elsewhere it is refused with OKTA_CC_ERR_CONFIG. Strings are copied by okta_cc_client_new;
   the config can go away afterwards. okta_cc_client_new refuses with OKTA_CC_ERR_CONFIG any control character
   (0x00-0x1F, 0x7F) in org_url, token_url, client_id, scopes (a tab is a separator there),
   key_id and http.user_agent, and a space in the URLs: such a byte is a mistake at best and, in the
   user agent, a new header line. */
struct okta_cc_config {
    const char *org_url;            /* "https://dev-123.okta.com"; http only for loopback.
                                       Normalised once (scheme and host in lower case, no
                                       default port, no trailing slash; a path, query,
                                       fragment or user@ is refused): every URL and the
                                       assertion's aud are built from that one value */
    const char *client_id;          /* letters, digits and $-_.+!*'(), only (what Okta allows
                                       in one); anything else is OKTA_CC_ERR_CONFIG */
    const char *private_key;        /* PEM or JWK text, or a path to a file holding it, or
                                       (OKTA_CC_PKCS11) a pkcs11: URI naming a key in a token */
    const okta_cc_key *key;         /* or a key already loaded (copied) */
    const okta_cc_signer *signer;   /* or a key that signs through a callback (a TPM, a secure
                                       element, an HSM; okta_cc_signer): copied, its user
                                       pointer kept, so that must outlive the client */
    const char *pkcs11_module;      /* with OKTA_CC_PKCS11, private_key and dpop_key may be RFC
                                       7512 pkcs11: URIs (see >>pkcs11): the module's path
                                       (OKTA_CC_PKCS11_MODULE; NULL: the URI's module-path) */
    const char *pkcs11_pin;         /* and the token's PIN when the URI has none
                                       (OKTA_CC_PKCS11_PIN); tried once, never again */
    const char *key_id;             /* kid: sent in the assertion, selects a JWKS entry;
                                       at most OKTA_CC_KID_MAX - 1 bytes */
    const char *scopes;             /* space or comma separated, e.g. "okta.users.read"; needed
                                       to fetch a token (OKTA_CC_ERR_CONFIG then), not to sign */
    const char *auth_server_id;     /* custom authorization server: /oauth2/{id}/v1/token
                                       (letters, digits and -._~ only) */
    const char *token_url;          /* overrides the token URL built from the two above
                                       (its origin normalised like org_url's) */
    const char *client_secret;      /* for client_secret_basic / _post (custom servers) */
    okta_cc_auth_method auth_method;
    okta_cc_alg alg;                /* DEFAULT: from the key */
    int assertion_ttl;              /* seconds: OKTA_CC_DEFAULT_ASSERTION_TTL; 1 to
                                       OKTA_CC_MAX_ASSERTION_TTL */
    int token_skew;                 /* renew this long before expiry (at most a quarter of the
                                       token's lifetime): OKTA_CC_DEFAULT_TOKEN_SKEW; <0 = none */
    size_t max_response_bytes;      /* cap on a response body: OKTA_CC_DEFAULT_MAX_RESPONSE_BYTES */
    okta_cc_http_settings http;     /* timeouts, CA, TLS checks, user agent, parallel requests
                                       of the libcurl transport (>>http); its TLS warning goes
                                       to log, once per client */
    okta_cc_transport transport;    /* perform == NULL: libcurl, made from http */
    okta_cc_clock_fn clock;         /* NULL: time() */
    void *clock_user;
    okta_cc_random_fn random;       /* NULL: BearSSL HMAC-DRBG seeded from the system */
    void *random_user;
    okta_cc_sleep_fn sleep;         /* NULL: poll() (retries wait with it) */
    void *sleep_user;
    okta_cc_log_fn log;             /* one line per HTTP exchange, secrets redacted, one per
                                       DPoP proof (header and claims, no signature), and every
                                       warning (a failed refresh ahead, TLS verification off):
                                       the library never writes to stderr. NULL: none */
    void *log_user;
    int max_retries;                /* API calls and token requests: retries after 429,
                                       503/504, failed connections (see RETRIES):
                                       OKTA_CC_DEFAULT_MAX_RETRIES; <0 = none (API calls
                                       also per request, okta_cc_request_options) */
    long retry_deadline_ms;         /* total time an API call or a token fetch may take with
                                       its retries: OKTA_CC_DEFAULT_RETRY_DEADLINE_MS */
    okta_cc_allocator alloc;
    int token_refresh_ahead;        /* start fetching the next token this long before the
                                       cached one is due for renewal (token_skew before expiry;
                                       at most a quarter of the lifetime), while callers keep
                                       using the cached one: OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD;
                                       <0 = none (callers wait for the fetch at renewal) */
    okta_cc_dpop_mode dpop;         /* OKTA_CC_DPOP_AUTO (default), _ALWAYS or _NEVER */
    const okta_cc_signer *dpop_signer; /* the DPoP key signing through a callback, in place of
                                       dpop_key (kept as signer is) */
    const char *dpop_key;           /* the DPoP proof key: PEM/JWK text or a file path, separate
                                       from private_key; NULL: an EC P-256 key generated per
                                       client (not with OKTA_CC_DPOP_NEVER) */
    okta_cc_token_store token_store; /* where tokens outlive the process (see TOKEN STORE):
                                       okta_cc_file_store_new, or your own; load == NULL:
                                       none (the default) */
};

/* Sets every field of cfg to its default (see above). */
OKTA_CC_DEF void okta_cc_config_init(okta_cc_config *cfg);
/* Fills every setting that is still unset (NULL) from the environment, with the Okta SDKs'
   names: OKTA_CLIENT_ORGURL, OKTA_CLIENT_CLIENTID, OKTA_CLIENT_PRIVATEKEY (file path or inline
   PEM/JWK), OKTA_CLIENT_PRIVATEKEYID (or OKTA_CLIENT_KID), OKTA_CLIENT_SCOPES,
   OKTA_CLIENT_AUTHSERVERID, OKTA_CLIENT_CLIENTSECRET, OKTA_CLIENT_DPOPKEY, and OKTA_CC_CA_FILE;
   OKTA_CLIENT_DPOPENABLED=true|false sets dpop to OKTA_CC_DPOP_ALWAYS|_NEVER when it is still
   OKTA_CC_DPOP_AUTO (any other value leaves it). Explicit settings win. The strings point into the environment: do not change it while cfg is in use. */
OKTA_CC_DEF void okta_cc_config_from_env(okta_cc_config *cfg);

typedef struct okta_cc_client okta_cc_client;

typedef struct okta_cc_token_info {
    char token_type[16];            /* "Bearer", or "DPoP" for a DPoP-bound token */
    int64_t expires_in;             /* as the server said */
    int64_t expires_at;             /* local clock, Unix seconds */
    char scope[512];
    unsigned long generation;       /* which token this is: 1 for the first one fetched, then 2 ...
                                       (see okta_cc_client_invalidate_token_generation) */
    int from_store;                 /* the token was read from the token store */
} okta_cc_token_info;

/* Creates a client: loads the key, builds the token URL, sets up libcurl. The application owns
   curl_global_init(CURL_GLOBAL_DEFAULT): call it once before the first client. A client may
   be shared by threads, and used on both sides of a fork() made while no thread is using it:
   the child then makes connections of its own (see THREADING). On success *out is the client
   (free it with okta_cc_client_free); on any failure *out is NULL, err says why and nothing
   needs freeing. */
OKTA_CC_DEF okta_cc_result okta_cc_client_new(okta_cc_client **out, const okta_cc_config *cfg,
                                              okta_cc_error *err);
/* Frees the client, wiping its secrets (key, token, DPoP key). NULL is ignored. It must not
   run while any other thread uses the client or may still call it (join them first): the
   client's locks and memory go with it. Pagers begun on it must be ended before. In a forked
   child it leaves the parent's libcurl handles and connections alone, allocated (see
   THREADING). */
OKTA_CC_DEF void okta_cc_client_free(okta_cc_client *client);
/* The token endpoint URL in use, normalised: "https://X.okta.com:443/" gives
   "https://x.okta.com/oauth2/v1/token". It is also the assertion's aud. Valid while the
   client lives. */
OKTA_CC_DEF const char *okta_cc_client_token_url(const okta_cc_client *client);

/* Copies a valid access token into out (cap bytes, NUL-terminated): the cached one while it
   has more than token_skew seconds left, else a new one (one fetch however many threads ask;
   with a token store, first the one another process saved meanwhile, see TOKEN STORE).
   Inside the token_refresh_ahead window before that, the first caller fetches the next token
   and gets it, and the others get the cached one without waiting (see THREADING); a failed
   fetch there still returns the cached token. info (optional) describes it. On OKTA_CC_ERR_BUFFER_TOO_SMALL *out_len holds the size
   needed and the token stays cached, so asking again with a bigger buffer fetches nothing.
   A fetch waits out the token endpoint's 429, 503 and 504 and retries connections never made
   (see RETRIES); a rate limit that outlasts the budget is OKTA_CC_ERR_RATE_LIMITED.
   From a callback of this client's own token fetch, with no valid token cached:
   OKTA_CC_ERR_THREAD (the token would be that fetch's). */
OKTA_CC_DEF okta_cc_result okta_cc_client_get_token(okta_cc_client *client, char *out, size_t cap,
                                                    size_t *out_len, okta_cc_token_info *info,
                                                    okta_cc_error *err);
/* Fetches the next token now, while every other caller keeps using the cached one, when there
   is none or the cached one is due for renewal (token_skew before expiry) within `within`
   seconds (0: inside the client's token_refresh_ahead window); else does nothing. OKTA_CC_OK
   when no fetch was needed, one is already under way, or it succeeded; the fetch's error
   otherwise (the cached token stays in use while valid). While the cached token is valid the
   fetch waits out no rate limit (see RETRIES): it fails at once. The library starts no
   threads: an application that wants no request ever to pay for a fetch calls this from its
   own timer thread with a window wider than token_refresh_ahead, e.g. every 30 s with 600. */
OKTA_CC_DEF okta_cc_result okta_cc_client_refresh_token(okta_cc_client *client, int within,
                                                        okta_cc_error *err);
/* Drops the cached token; the next okta_cc_client_get_token fetches a new one. With a token
   store, the store's entry goes too while it holds that token, and that token is never taken
   from the store again. */
OKTA_CC_DEF void okta_cc_client_invalidate_token(okta_cc_client *client);
/* Drops the cached token only if it is still the one of that generation (info.generation of
   the token that was refused). Use this after a 401: when another thread has already replaced
   the refused token, the newer one is kept instead of being thrown away for a third. */
OKTA_CC_DEF void okta_cc_client_invalidate_token_generation(okta_cc_client *client,
                                                     unsigned long generation);
/* Tokens fetched so far (successful requests to the token endpoint; a token taken from the
   token store is not one). */
OKTA_CC_DEF unsigned long okta_cc_client_token_fetches(okta_cc_client *client);
/* Seconds added to the local clock for assertions, learnt from the server's Date header when
   it differs by more than 5 s (only from strict IMF-fixdates in [2020, 2100), see TIME). */
OKTA_CC_DEF int64_t okta_cc_client_clock_offset(okta_cc_client *client);
/* The RFC 7638 thumbprint (base64url SHA-256, 43 characters) of the client's DPoP key: the
   jkt a DPoP-bound token is bound to. Text into (out, cap, out_len) as for
   okta_cc_key_thumbprint; OKTA_CC_ERR_NOT_FOUND for a client in OKTA_CC_DPOP_NEVER mode. */
OKTA_CC_DEF okta_cc_result okta_cc_client_dpop_jkt(okta_cc_client *client, char *out, size_t cap,
                                                   size_t *out_len, okta_cc_error *err);
/* Signs a client assertion for this client's token URL (for debugging and the CLI). */
OKTA_CC_DEF okta_cc_result okta_cc_client_sign_assertion(okta_cc_client *client, char *out,
                                                         size_t cap, size_t *out_len,
                                                         okta_cc_error *err);

/* ---------------------------------------------------------------------------------------------
   >>api        Okta API requests
   ------------------------------------------------------------------------------------------- */

typedef struct okta_cc_response {
    okta_cc_http_response http;     /* http.status (0 when no response arrived), http.body,
                                       http.body_len; headers: okta_cc_http_response_header */
    okta_cc_rate_limit rate_limit;
    int retries;                    /* retries this request took (429, 5xx, resets, 401) */
} okta_cc_response;

typedef struct okta_cc_request_options {
    const char *content_type;       /* with a body; NULL = application/json; at most 128
                                       bytes, no control characters */
    int max_retries;                /* 0 = the client's setting, <0 = no retries */
    long deadline_ms;               /* 0 = the client's setting */
} okta_cc_request_options;

/* Calls the Okta API. path_or_url is a path ("/api/v1/users?limit=10", joined to the org URL)
   or an absolute URL on the org's own origin (anything else is OKTA_CC_ERR_ORIGIN and nothing
   is sent). Origins are compared normalised, so "HTTPS://X.okta.com:443/api/v1/users" is on
   the origin of org "https://x.okta.com"; such a URL is sent on the org URL's spelling
   ("https://x.okta.com/api/v1/users"). Adds "Authorization: Bearer <token>" (fetching the
   token as needed; for a DPoP token "Authorization: DPoP <token>" and a new DPoP proof each
   attempt), Accept and, with a body, Content-Type. A 401 use_dpop_nonce (with DPoP-Nonce) is
   retried once with that nonce, outside max_retries; a refused proof's error and description
   (WWW-Authenticate) go to err->oauth_error and oauth_error_description. Retries: a 401 drops the token it
   was sent with (not a newer one another thread fetched meanwhile), gets a fresh one and
   retries once; 429 waits until X-Rate-Limit-Reset (measured against the response's Date,
   + 1 s, with jitter; else Retry-After); 503, 504 and lost connections (OKTA_CC_ERR_NETWORK)
   back off exponentially for GET/HEAD/OPTIONS only, connections never made
   (OKTA_CC_ERR_CONNECT) for any method; timeouts are not retried; all within max_retries and
   the deadline, each retry with X-Okta-Retry-For and X-Okta-Retry-Count (see RETRIES); a
   token fetch that fails (it made its own retries) ends the call with its error. GET and HEAD
   take no body (OKTA_CC_ERR_INVALID_ARGUMENT).
   Refused with OKTA_CC_ERR_INVALID_ARGUMENT before anything is sent (not even a token
   fetched): a method that is not an RFC 9110 token (letters, digits, !#$%&'*+-.^_`|~; so no
   space, CR or LF), a path or URL with a space or control character (percent-encode them), a
   content type with a control character.
   OKTA_CC_OK for 1xx-3xx; OKTA_CC_ERR_HTTP (err has Okta's errorCode, errorSummary, errorId,
   causes and X-Okta-Request-Id) or OKTA_CC_ERR_RATE_LIMITED (err->rate_limit_reset)
   otherwise, with resp still filled.
   Free resp with okta_cc_response_free in every case. opts may be NULL. */
OKTA_CC_DEF okta_cc_result okta_cc_request(okta_cc_client *client, const char *method,
                                           const char *path_or_url, const char *body,
                                           size_t body_len, const okta_cc_request_options *opts,
                                           okta_cc_response *resp, okta_cc_error *err);
/* The URL of the first link whose rel lists "next", from every Link header (RFC 8288: several
   links per header, parameters quoted with backslash escapes, only a link's first rel counts),
   into out. OKTA_CC_ERR_NOT_FOUND when there is none; OKTA_CC_ERR_BAD_RESPONSE when a Link
   header is malformed, whatever else the headers hold (so a broken header never looks like the
   last page); OKTA_CC_ERR_BUFFER_TOO_SMALL when out (cap bytes; NULL with cap 0 asks for the
   size) cannot hold it. *out_len (optional) receives the URL's length, or on
   OKTA_CC_ERR_BUFFER_TOO_SMALL the size needed including the NUL. Linear in the headers. */
OKTA_CC_DEF okta_cc_result okta_cc_response_next_link(const okta_cc_response *resp, char *out,
                                                      size_t cap, size_t *out_len,
                                                      okta_cc_error *err);
/* Frees an API response's body and headers (okta_cc_http_response_free on resp->http). Call it
   after every okta_cc_request, failed ones included; harmless on a zeroed or freed response
   and on a page okta_cc_pager_next failed on (it holds nothing then). */
OKTA_CC_DEF void okta_cc_response_free(okta_cc_response *resp);

/* Pagination: GET path, then each rel="next" link exactly as given, until there is none.
     okta_cc_pager pg;  okta_cc_response page;
     okta_cc_pager_begin(&pg, client, "/api/v1/users?limit=200", &err);
     while ((r = okta_cc_pager_next(&pg, &page, &err)) == OKTA_CC_OK) {
         ... page.http.body ...;  okta_cc_response_free(&page);
     }
     if (r != OKTA_CC_END) ... err ...;   okta_cc_pager_end(&pg);
   (a failed call leaves no page to free: the loop cannot leak)
   A server cannot keep the pager going for ever. Before each request the pager refuses, with
   OKTA_CC_ERR_BAD_RESPONSE, a next link to any page it has already fetched (a cycle such as
   a -> b -> a; URLs are compared absolute, a path joined to the org URL), a next link after
   max_pages pages, and going on after a malformed Link header. The page that carried such a
   link has been delivered; the refusal comes with the following call, and with every call
   after it, and nothing more is sent. The visited pages are kept as 64-bit SHA-256 hashes in
   a set grown through the client's allocator: about 16 bytes a page (at most 32), 2 MiB at the
   default cap; a false "cycle" needs a 64-bit collision (odds about pages^2 / 2^65).
   Polling listings (Okta's System Log, GET /api/v1/logs without "until"): such a listing never
   runs out of next links - when nothing is new, its page is [] and its next link repeats the
   cursor (okta-sdk-python#231 looped for ever on it). So a page that is an empty JSON array
   (whitespace aside), or whose next link is the page just fetched, is the last one of this
   listing: it is delivered like any page, the following call returns OKTA_CC_END, and
   okta_cc_pager_resume_url still gives its next link: the URL to poll later (begin a new pager
   there; a saved one is checked against the org's origin before anything is sent, token
   included, as every next link is). A bounded listing (with "until"; /api/v1/users) ends at
   its last page as before, resume_url NULL. An empty page without a next link ends a listing
   the same way as it always did.                                                               */
#ifndef OKTA_CC_PAGER_MAX_PAGES
#define OKTA_CC_PAGER_MAX_PAGES 100000  /* 20 million users at 200 a page */
#endif

/* pages and max_pages are yours to read (and max_pages to set); the members starting with an
   underscore are the pager's own: do not touch them. */
typedef struct okta_cc_pager {
    int pages;                      /* pages fetched so far */
    int max_pages;                  /* no more pages than this: begin sets OKTA_CC_PAGER_MAX_PAGES;
                                       change it after begin (<= 0: that default) */
    okta_cc_client *_client;
    char *_next;                    /* the next URL or path to fetch; NULL when done */
    char *_last;                    /* the one fetched last */
    int _bad_link;                  /* the last page's Link header was malformed */
    int _polled;                    /* a polling listing ended: _next is where to poll again */
    uint64_t *_seen;                /* hashes of the pages fetched (open addressing, 0 = empty) */
    size_t _seen_count, _seen_cap;
} okta_cc_pager;

/* Starts a listing at path_or_url (nothing is sent yet). OKTA_CC_ERR_INVALID_ARGUMENT for a
   NULL argument, OKTA_CC_ERR_NO_MEMORY. End it with okta_cc_pager_end in every case. */
OKTA_CC_DEF okta_cc_result okta_cc_pager_begin(okta_cc_pager *pager, okta_cc_client *client,
                                               const char *path_or_url, okta_cc_error *err);
/* OKTA_CC_OK with the next page in page (always a 2xx), OKTA_CC_END after the last, or an
   error: a page with another status (a 3xx too) is OKTA_CC_ERR_HTTP (or _RATE_LIMITED), a next
   link on another origin OKTA_CC_ERR_ORIGIN, a refused one (see above, or one holding a space
   or control character) OKTA_CC_ERR_BAD_RESPONSE; after a failed request (HTTP error, network)
   the pager keeps its place and the next call asks for the same page again. Free page with
   okta_cc_response_free after each OKTA_CC_OK. On any other result page holds no memory
   (okta_cc_response_free on it is harmless): err has the status, Okta's error fields and
   X-Okta-Request-Id, and page keeps http.status, rate_limit and retries, not body or headers. */
OKTA_CC_DEF okta_cc_result okta_cc_pager_next(okta_cc_pager *pager, okta_cc_response *page,
                                              okta_cc_error *err);
/* Where the listing stands: the path or URL the next okta_cc_pager_next call asks for (after a
   failed request, the page that failed; for a path, as given to begin), or NULL once the last
   page of a bounded listing has been delivered. Once a polling listing has ended (an empty page,
   or a next link to itself: see above) it is its last next link, where to poll for what is new.
   Resuming a listing there later (okta_cc_pager_begin with it) lists the rest. Valid until the
   next call on the pager. The URL is a next link as the server gave it: it may carry a cursor,
   but no secret of ours. */
OKTA_CC_DEF const char *okta_cc_pager_resume_url(const okta_cc_pager *pager);
/* Frees what the pager holds (the next URL, the visited-page set) once the listing is over,
   whatever okta_cc_pager_next returned; the pager may then be begun again. Call it only on a
   pager okta_cc_pager_begin succeeded on (or one zeroed before), and before its client goes. */
OKTA_CC_DEF void okta_cc_pager_end(okta_cc_pager *pager);

#ifdef __cplusplus
}
#endif

#endif /* OKTA_CC_H */

/* =============================================================================================
   IMPLEMENTATION
   ============================================================================================= */

#ifdef OKTA_CC_IMPLEMENTATION
#ifndef OKTA_CC_IMPLEMENTATION_DONE
#define OKTA_CC_IMPLEMENTATION_DONE

#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <bearssl.h>
#include <unistd.h>
#include <stdlib.h>
#include <time.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/file.h>
#include <dirent.h>
#if defined(__linux__)
#include <sys/random.h>
#endif
#ifndef OKTA_CC_NO_CURL
#include <curl/curl.h>
#endif
#ifndef OKTA_CC_NO_THREADS
#include <pthread.h>
#endif

/* OKTA_CC_REALLOC may be defined too (older versions asked for it); it is never used. */
#if defined(OKTA_CC_MALLOC) && defined(OKTA_CC_FREE)
/* both given */
#elif !defined(OKTA_CC_MALLOC) && !defined(OKTA_CC_FREE)
#include <stdlib.h>
#define OKTA_CC_MALLOC(sz) malloc(sz)
#define OKTA_CC_FREE(p) free(p)
#else
#error "okta_cc.h: define both OKTA_CC_MALLOC and OKTA_CC_FREE, or neither"
#endif

#ifndef OKTA_CC_ASSERT
#include <assert.h>
#define OKTA_CC_ASSERT(x) assert(x)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
   >>result     Results, errors, memory
   uses: nothing
   ------------------------------------------------------------------------------------------- */

OKTA_CC_DEF const char *okta_cc_result_str(okta_cc_result r)
{
#define OKTA_CC_RESULT_CASE_(name, value, text) case name: return #name ": " text;
    switch (r) {
    OKTA_CC_RESULTS(OKTA_CC_RESULT_CASE_)
    }
#undef OKTA_CC_RESULT_CASE_
    return "OKTA_CC_ERR_UNKNOWN: unknown result";
}

/* Fills err (if any) with r and the message. */
static void okta_cc__set_error(okta_cc_error *err, okta_cc_result r, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = r;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
}

/* Fills err (if any) and returns r, so failures read: return okta_cc__fail(err, r, ...). A macro
   rather than a variadic function returning r, because static analyzers do not follow variadic
   calls (clang's takes their result as unknown): every failure path would seem to return any
   result at all, and the callers' checks of it would raise false alarms. r is evaluated twice:
   a constant or a variable, never an expression with side effects. */
#define okta_cc__fail(err, r, ...) (okta_cc__set_error((err), (r), __VA_ARGS__), (r))

/* Empties every field. The strings only get their first byte: clearing all 2.3 KB on every call
   was half the cost of a cached okta_cc_client_get_token (make bench). */
static void okta_cc__error_reset(okta_cc_error *err)
{
    if (!err) return;
    err->code = OKTA_CC_OK;
    err->offset = 0;
    err->http_status = err->transport_code = 0;
    err->message[0] = err->oauth_error[0] = err->oauth_error_description[0] = '\0';
    err->okta_error_code[0] = err->okta_error_summary[0] = err->okta_error_id[0] = '\0';
    err->okta_request_id[0] = '\0';
    err->rate_limit_reset = 0;
}

OKTA_CC_DEF void okta_cc_wipe(void *p, size_t len)
{
    /* A volatile function pointer keeps the compiler from dropping the memset as a dead store. */
    static void *(*const volatile wipe_memset)(void *, int, size_t) = memset;
    if (p && len) wipe_memset(p, 0, len);
}

/* a's functions when it holds both, else the macros: never mix one's malloc with the other's
   free. (The test is written out in both functions rather than called: clang's analyzer, short
   of budget, does not look into such a call and then takes a NULL a for a custom allocator.) */
static void *okta_cc__malloc(const okta_cc_allocator *a, size_t n)
{
    if (a && a->malloc_fn && a->free_fn) return a->malloc_fn(a->user, n);
    return OKTA_CC_MALLOC(n);
}

static void okta_cc__free(const okta_cc_allocator *a, void *p)
{
    if (!p) return;
    if (a && a->malloc_fn && a->free_fn) a->free_fn(a->user, p);
    else OKTA_CC_FREE(p);
}

/* An allocator given by a caller: both functions (the caller's memory) or neither (the
   macros); one without the other is a mistake, refused. */
static okta_cc_result okta_cc__check_allocator(const okta_cc_allocator *a, okta_cc_error *err)
{
    if (!a->malloc_fn != !a->free_fn)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "the allocator needs both malloc_fn and free_fn, or neither");
    return OKTA_CC_OK;
}

/* ---- growable buffers --------------------------------------------------------------------

   The one place where memory grows. What grows here may hold secrets (a form body with a
   client assertion or secret, a response body with a token, JSON being built), so a buffer
   grows by allocate, copy, wipe, free - never realloc, which may leave a copy of the old
   block in freed memory - and is wiped before it is freed. The text is kept NUL-terminated,
   so a body or a header block can be handed on as a C string. */

typedef struct okta_cc__buf {
    char *p;                        /* NULL until something was reserved */
    size_t len, cap;                /* bytes used (without the NUL) and allocated */
    size_t max;                     /* most bytes len may reach; 0 = what size_t allows */
    const okta_cc_allocator *alloc; /* NULL (or incomplete) = OKTA_CC_MALLOC / OKTA_CC_FREE */
} okta_cc__buf;

static void okta_cc__buf_init(okta_cc__buf *b, const okta_cc_allocator *alloc, size_t max)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->alloc = alloc;
}

/* A buffer over storage that a public struct keeps in members of its own (the JSON writer's
   buf, an HTTP response's body and headers); the caller stores p, len and cap back after. */
static okta_cc__buf okta_cc__buf_of(char *p, size_t len, size_t cap, size_t max,
                                    const okta_cc_allocator *alloc)
{
    okta_cc__buf b;
    okta_cc__buf_init(&b, alloc, max);
    b.p = p;
    b.len = len;
    b.cap = cap;
    return b;
}

/* Makes room for n more bytes and the NUL. OKTA_CC_ERR_BUFFER_TOO_SMALL when len would pass
   max (the caller says what that means: a response too large ...), OKTA_CC_ERR_NO_MEMORY when
   the size overflows or the allocation fails. The capacity doubles (from 256), so appending
   byte by byte costs amortised constant time. */
static okta_cc_result okta_cc__buf_reserve(okta_cc__buf *b, size_t n)
{
    size_t want, cap;
    char *np;
    if (b->max && (b->len > b->max || n > b->max - b->len)) return OKTA_CC_ERR_BUFFER_TOO_SMALL;
    if (n >= (size_t)-1 - b->len) return OKTA_CC_ERR_NO_MEMORY;   /* len + n + 1 overflows */
    want = b->len + n + 1;
    if (want <= b->cap) return OKTA_CC_OK;
    for (cap = b->cap ? b->cap : 256; cap < want;) cap = cap > (size_t)-1 / 2 ? want : cap * 2;
    np = (char *)okta_cc__malloc(b->alloc, cap);
    if (!np) return OKTA_CC_ERR_NO_MEMORY;
    if (b->p) {
        memcpy(np, b->p, b->len);
        okta_cc_wipe(b->p, b->cap);
        okta_cc__free(b->alloc, b->p);
    }
    np[b->len] = '\0';
    b->p = np;
    b->cap = cap;
    return OKTA_CC_OK;
}

/* Appends n bytes (all or none) and keeps the NUL after them. */
static okta_cc_result okta_cc__buf_append(okta_cc__buf *b, const void *data, size_t n)
{
    okta_cc_result r = okta_cc__buf_reserve(b, n);
    if (r != OKTA_CC_OK) return r;
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return OKTA_CC_OK;
}

static okta_cc_result okta_cc__buf_append_str(okta_cc__buf *b, const char *s)
{
    return okta_cc__buf_append(b, s, strlen(s));
}

/* Empties the buffer and wipes what it held, keeping the block for what comes next. */
static void okta_cc__buf_clear(okta_cc__buf *b)
{
    if (b->p) okta_cc_wipe(b->p, b->cap);    /* leaves "" behind */
    b->len = 0;
}

static void okta_cc__buf_wipe_free(okta_cc__buf *b)
{
    if (b->p) {
        okta_cc_wipe(b->p, b->cap);
        okta_cc__free(b->alloc, b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ---- ASCII character classes (JSON escapes, URLs, HTTP tokens) ---------------------------- */

static int okta_cc__lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int okta_cc__is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A hexadecimal digit, either case. */
static int okta_cc__is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The value of a hexadecimal digit (okta_cc__is_hex first). */
static int okta_cc__hex_digit(unsigned char c)
{
    return c <= '9' ? c - '0' : okta_cc__lower(c) - 'a' + 10;
}

/* ---- strings a client owns ------------------------------------------------------------------- */

static char *okta_cc__strdup(const okta_cc_allocator *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)okta_cc__malloc(a, n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Frees a string the client copied; the client keeps them as const char * in its okta_cc_config,
   so the cast to a mutable pointer lives here only. */
static void okta_cc__free_str(const okta_cc_allocator *a, const char *s)
{
    okta_cc__free(a, (void *)(uintptr_t)s);
}

static void okta_cc__free_secret_str(const okta_cc_allocator *a, const char *s)
{
    if (!s) return;
    okta_cc_wipe((void *)(uintptr_t)s, strlen(s));
    okta_cc__free_str(a, s);
}

/* ---- files: read whole, never waiting, never keeping a copy ------------------------------- */

/* Opens path for reading without ever waiting: O_NONBLOCK, so a FIFO nobody writes to does not
   block in open(). -1 with errno on failure. */
static int okta_cc__open_nonblock(const char *path)
{
    int flags = O_RDONLY | O_NONBLOCK;
#ifdef O_CLOEXEC
    flags |= O_CLOEXEC;
#endif
    return open(path, flags);
}

/* Opens path for blocking reads if it is a regular file or a pipe (a FIFO, /dev/stdin on a pipe,
   a shell's <(...)); a directory, a device (/dev/zero, a terminal) or a socket is refused
   before anything is read. The open itself never waits (a FIFO nobody writes to). */
static okta_cc_result okta_cc__open_readable(const char *path, int *fd_out, okta_cc_error *err)
{
    struct stat st;
    int fd = okta_cc__open_nonblock(path), flags, e;
    if (fd < 0) return okta_cc__fail(err, OKTA_CC_ERR_IO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        e = errno;
        close(fd);
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        close(fd);
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "%s: %s, not a regular file or a pipe", path,
                             S_ISDIR(st.st_mode) ? "a directory" : "a device or socket");
    }
    /* Blocking again for the reads: a pipe's writer may be slower than us. */
    flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
        e = errno;
        close(fd);
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "%s: %s", path, strerror(e));
    }
    *fd_out = fd;
    return OKTA_CC_OK;
}

/* Reads fd to its end, at most max bytes, into a new NUL-terminated buffer from a; name is
   what messages call it. The buffer grows with what arrives (through the grow-and-wipe
   buffer), so a key costs about its own size, not max; read(2), not stdio, whose own buffer
   would keep a copy that fclose frees unwiped. More than max: OKTA_CC_ERR_BUFFER_TOO_SMALL
   (a stream that never ends is cut there), err saying so. */
static okta_cc_result okta_cc__read_fd(int fd, const char *name, size_t max, const okta_cc_allocator *a,
                                       char **out, size_t *out_len, okta_cc_error *err)
{
    char chunk[4096];
    okta_cc__buf b;
    okta_cc_result r;
    okta_cc__buf_init(&b, a, max);
    r = okta_cc__buf_reserve(&b, 0);                /* an empty file is "" */
    while (r == OKTA_CC_OK) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got < 0) r = okta_cc__fail(err, OKTA_CC_ERR_IO, "%s: %s", name, strerror(errno));
            break;
        }
        r = okta_cc__buf_append(&b, chunk, (size_t)got);
    }
    okta_cc_wipe(chunk, sizeof chunk);
    if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL)
        r = okta_cc__fail(err, r, "%s: larger than %lu bytes", name, (unsigned long)max);
    else if (r == OKTA_CC_ERR_NO_MEMORY)
        r = okta_cc__fail(err, r, "out of memory");
    if (r != OKTA_CC_OK) {
        okta_cc__buf_wipe_free(&b);
        return r;
    }
    *out = b.p;
    *out_len = b.len;
    return OKTA_CC_OK;
}

/* okta_cc__read_fd of the file at path (see okta_cc__open_readable for which files). A FIFO
   nobody writes to reads as empty, one that streams is cut at max. */
static okta_cc_result okta_cc__read_file(const char *path, size_t max, const okta_cc_allocator *a, char **out,
                                         size_t *out_len, okta_cc_error *err)
{
    int fd = -1;
    okta_cc_result r = okta_cc__open_readable(path, &fd, err);
    if (r != OKTA_CC_OK) return r;
    r = okta_cc__read_fd(fd, path, max, a, out, out_len, err);
    close(fd);
    return r;
}

/* The public readers: a file too large is a file error there. */
static okta_cc_result okta_cc__read_result(okta_cc_result r)
{
    return r == OKTA_CC_ERR_BUFFER_TOO_SMALL ? OKTA_CC_ERR_IO : r;
}

OKTA_CC_DEF okta_cc_result okta_cc_read_file(const char *path, size_t max, const okta_cc_allocator *alloc,
                                             char **out, size_t *out_len, okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (!path || !out || !out_len) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no file or output given");
    if (alloc && okta_cc__check_allocator(alloc, err) != OKTA_CC_OK) return OKTA_CC_ERR_CONFIG;
    return okta_cc__read_result(okta_cc__read_file(path, max, alloc, out, out_len, err));
}

OKTA_CC_DEF okta_cc_result okta_cc_read_fd(int fd, const char *name, size_t max, const okta_cc_allocator *alloc,
                                           char **out, size_t *out_len, okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (fd < 0 || !out || !out_len) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no file or output given");
    if (alloc && okta_cc__check_allocator(alloc, err) != OKTA_CC_OK) return OKTA_CC_ERR_CONFIG;
    return okta_cc__read_result(okta_cc__read_fd(fd, name ? name : "input", max, alloc, out, out_len, err));
}

OKTA_CC_DEF void okta_cc_free_wiped(const okta_cc_allocator *alloc, void *p, size_t len)
{
    if (!p) return;
    okta_cc_wipe(p, len);
    okta_cc__free(alloc, p);
}

/* ---------------------------------------------------------------------------------------------
   >>b64url     base64url (RFC 4648 section 5, no padding)
   uses: >>result
   ------------------------------------------------------------------------------------------- */

static const char okta_cc__b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

OKTA_CC_DEF size_t okta_cc_b64url_encoded_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

OKTA_CC_DEF size_t okta_cc_b64url_decoded_max(size_t n)
{
    return n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
}

OKTA_CC_DEF okta_cc_result okta_cc_b64url_encode(const void *in, size_t n, char *out, size_t cap,
                                                 size_t *out_len, okta_cc_error *err)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t need = okta_cc_b64url_encoded_len(n), i, o = 0;
    okta_cc__error_reset(err);
    if ((!in && n) || (!out && cap)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "base64url: no input or output");
    /* Beyond this, need (+ 1) would wrap round and let a small buffer through (a length no real
       buffer has with a 64-bit size_t, but one that fits in a 32-bit address space). */
    if (n > ((size_t)-1) / 4 * 3) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "base64url: input too long");
    if (cap < need + 1) {
        if (out_len) *out_len = need + 1;
        return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL, "base64url: %lu bytes needed", (unsigned long)need + 1);
    }
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = okta_cc__b64url_alphabet[v >> 18];
        out[o++] = okta_cc__b64url_alphabet[v >> 12 & 63];
        out[o++] = okta_cc__b64url_alphabet[v >> 6 & 63];
        out[o++] = okta_cc__b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        out[o++] = okta_cc__b64url_alphabet[p[i] >> 2];
        out[o++] = okta_cc__b64url_alphabet[(p[i] & 3) << 4];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];
        out[o++] = okta_cc__b64url_alphabet[v >> 10];
        out[o++] = okta_cc__b64url_alphabet[v >> 4 & 63];
        out[o++] = okta_cc__b64url_alphabet[(v & 15) << 2];
    }
    OKTA_CC_ASSERT(o == need);
    out[o] = '\0';
    if (out_len) *out_len = o;
    return OKTA_CC_OK;
}

/* The 6-bit value of a base64url character, or -1. */
static int okta_cc__b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

/* Validates the whole input first so that a failure writes nothing. */
static int okta_cc__b64url_valid(const char *in, size_t n)
{
    size_t i;
    int last;
    if (n % 4 == 1) return 0;
    for (i = 0; i < n; i++)
        if (okta_cc__b64url_value((unsigned char)in[i]) < 0) return 0;
    if (n % 4 == 0) return 1;
    /* The unused low bits of the last character must be zero (4 bits after 2 chars, 2 after 3). */
    last = okta_cc__b64url_value((unsigned char)in[n - 1]);
    return n % 4 == 2 ? (last & 15) == 0 : (last & 3) == 0;
}

OKTA_CC_DEF okta_cc_result okta_cc_b64url_decode(const char *in, size_t n, void *out, size_t cap,
                                                 size_t *out_len, okta_cc_error *err)
{
    unsigned char *o = (unsigned char *)out;
    size_t need, i, k = 0;
    uint32_t acc = 0;
    int bits = 0;
    okta_cc__error_reset(err);
    if ((!in && n) || (!out && cap)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "base64url: no input or output");
    if (!okta_cc__b64url_valid(in, n))
        return okta_cc__fail(err, OKTA_CC_ERR_BASE64, "not strict unpadded base64url");
    need = okta_cc_b64url_decoded_max(n);
    if (cap < need) {
        if (out_len) *out_len = need;
        return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL, "base64url: %lu bytes needed", (unsigned long)need);
    }
    for (i = 0; i < n; i++) {
        acc = (acc << 6 | (uint32_t)okta_cc__b64url_value((unsigned char)in[i])) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (unsigned char)(acc >> bits);
        }
    }
    if (out_len) *out_len = k;
    return OKTA_CC_OK;
}

/* ---------------------------------------------------------------------------------------------
   >>json       JSON: emitter and parser
   uses: >>result

   UTF-8 first (shared by the JSON emitter and parser), then the emitter, then the parser.
   ------------------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 if it is invalid:
   overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid. */
static size_t okta_cc__utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80) return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

/* Writes code point cp as UTF-8 into out (4 bytes room); returns the byte count. */
static size_t okta_cc__utf8_put(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) { out[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xc0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 63));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xe0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
        out[2] = (unsigned char)(0x80 | (cp & 63));
        return 3;
    }
    out[0] = (unsigned char)(0xf0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 63));
    out[3] = (unsigned char)(0x80 | (cp & 63));
    return 4;
}

/* ---------------------------------------------------------------------------------------------
   JSON emitter
   ------------------------------------------------------------------------------------------- */

/* Per-level state bits: the container kind, whether a value was written (comma needed), and
   inside objects whether a key is waiting for its value. */
#define OKTA_CC__JW_OBJECT 1u
#define OKTA_CC__JW_ARRAY 2u
#define OKTA_CC__JW_HAS_ITEM 4u
#define OKTA_CC__JW_AFTER_KEY 8u

OKTA_CC_DEF void okta_cc_json_writer_init(okta_cc_json_writer *w, char *buf, size_t cap)
{
    if (!w) return;
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->_cap = buf ? cap : 0;
}

OKTA_CC_DEF void okta_cc_json_writer_init_growable(okta_cc_json_writer *w,
                                                   const okta_cc_allocator *alloc)
{
    if (!w) return;
    memset(w, 0, sizeof *w);
    w->_growable = 1;
    if (alloc) w->_alloc = *alloc;
}

/* Appends to a growable writer's text (kept NUL-terminated) through the buffer module. */
static okta_cc_result okta_cc__jw_grow_append(okta_cc_json_writer *w, const char *s, size_t n)
{
    okta_cc__buf b = okta_cc__buf_of(w->buf, w->len, w->_cap, 0, &w->_alloc);
    okta_cc_result r = okta_cc__buf_append(&b, s, n);
    w->buf = b.p;
    w->len = b.len;
    w->_cap = b.cap;
    return r;
}

static void okta_cc__jw_put(okta_cc_json_writer *w, const char *s, size_t n)
{
    if (w->_status != OKTA_CC_OK) return;
    if (w->_growable) {
        w->_status = okta_cc__jw_grow_append(w, s, n);
        return;
    }
    /* A fixed buffer takes what fits and counts the rest, so finish can say the size needed. */
    if (w->len < w->_cap) {
        size_t room = w->_cap - w->len;
        memcpy(w->buf + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

/* Called before every value: writes the separating comma and checks the grammar. */
static void okta_cc__jw_before_value(okta_cc_json_writer *w)
{
    unsigned char *st = &w->_state[w->_depth];
    if (w->_status != OKTA_CC_OK) return;
    if (w->_depth == 0) {
        if (*st & OKTA_CC__JW_HAS_ITEM) w->_status = OKTA_CC_ERR_INVALID_ARGUMENT;
        *st |= OKTA_CC__JW_HAS_ITEM;
        return;
    }
    if (*st & OKTA_CC__JW_OBJECT) {
        if (!(*st & OKTA_CC__JW_AFTER_KEY)) { w->_status = OKTA_CC_ERR_INVALID_ARGUMENT; return; }
        *st &= (unsigned char)~OKTA_CC__JW_AFTER_KEY;
        return;
    }
    if (*st & OKTA_CC__JW_HAS_ITEM) okta_cc__jw_put(w, ",", 1);
    *st |= OKTA_CC__JW_HAS_ITEM;
}

static void okta_cc__jw_open(okta_cc_json_writer *w, unsigned kind, char c)
{
    okta_cc__jw_before_value(w);
    if (w->_status != OKTA_CC_OK) return;
    if (w->_depth >= OKTA_CC_JSON_WRITER_MAX_DEPTH) { w->_status = OKTA_CC_ERR_JSON_DEPTH; return; }
    okta_cc__jw_put(w, &c, 1);
    w->_state[++w->_depth] = (unsigned char)kind;
}

static void okta_cc__jw_close(okta_cc_json_writer *w, unsigned kind, char c)
{
    unsigned char st;
    if (w->_status != OKTA_CC_OK) return;
    st = w->_state[w->_depth];
    if (w->_depth == 0 || !(st & kind) || (st & OKTA_CC__JW_AFTER_KEY)) {
        w->_status = OKTA_CC_ERR_INVALID_ARGUMENT;
        return;
    }
    w->_depth--;
    okta_cc__jw_put(w, &c, 1);
}

OKTA_CC_DEF void okta_cc_json_write_object_begin(okta_cc_json_writer *w)
{
    if (!w) return;
    okta_cc__jw_open(w, OKTA_CC__JW_OBJECT, '{');
}

OKTA_CC_DEF void okta_cc_json_write_object_end(okta_cc_json_writer *w)
{
    if (!w) return;
    okta_cc__jw_close(w, OKTA_CC__JW_OBJECT, '}');
}

OKTA_CC_DEF void okta_cc_json_write_array_begin(okta_cc_json_writer *w)
{
    if (!w) return;
    okta_cc__jw_open(w, OKTA_CC__JW_ARRAY, '[');
}

OKTA_CC_DEF void okta_cc_json_write_array_end(okta_cc_json_writer *w)
{
    if (!w) return;
    okta_cc__jw_close(w, OKTA_CC__JW_ARRAY, ']');
}

/* Writes s as a quoted JSON string; refuses invalid UTF-8 so the output is always valid. */
static void okta_cc__jw_quoted(okta_cc_json_writer *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;
    if (!s && n) { w->_status = OKTA_CC_ERR_INVALID_ARGUMENT; return; }
    okta_cc__jw_put(w, "\"", 1);
    while (i < n && w->_status == OKTA_CC_OK) {
        unsigned char c = p[i];
        char esc[6] = {'\\', 'u', '0', '0', 0, 0};
        size_t esc_len = 2, seq;
        if (c >= 0x20 && c != '"' && c != '\\') {
            seq = okta_cc__utf8_seq_len(p + i, n - i);
            if (!seq) { w->_status = OKTA_CC_ERR_UTF8; return; }
            i += seq;
            run += seq;
            continue;
        }
        okta_cc__jw_put(w, (const char *)p + i - run, run);
        run = 0;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            esc_len = 6;
        }
        okta_cc__jw_put(w, esc, esc_len);
        i++;
    }
    okta_cc__jw_put(w, (const char *)p + i - run, run);
    okta_cc__jw_put(w, "\"", 1);
}

OKTA_CC_DEF void okta_cc_json_write_key(okta_cc_json_writer *w, const char *key)
{
    unsigned char *st;
    if (!w || w->_status != OKTA_CC_OK) return;
    st = &w->_state[w->_depth];
    if (!key || !(*st & OKTA_CC__JW_OBJECT) || (*st & OKTA_CC__JW_AFTER_KEY)) {
        w->_status = OKTA_CC_ERR_INVALID_ARGUMENT;
        return;
    }
    if (*st & OKTA_CC__JW_HAS_ITEM) okta_cc__jw_put(w, ",", 1);
    *st |= OKTA_CC__JW_HAS_ITEM | OKTA_CC__JW_AFTER_KEY;
    okta_cc__jw_quoted(w, key, strlen(key));
    okta_cc__jw_put(w, ":", 1);
}

OKTA_CC_DEF void okta_cc_json_write_string_n(okta_cc_json_writer *w, const char *s, size_t n)
{
    if (!w) return;
    okta_cc__jw_before_value(w);
    if (w->_status == OKTA_CC_OK) okta_cc__jw_quoted(w, s, n);
}

OKTA_CC_DEF void okta_cc_json_write_string(okta_cc_json_writer *w, const char *s)
{
    if (!w) return;
    if (!s) { if (w->_status == OKTA_CC_OK) w->_status = OKTA_CC_ERR_INVALID_ARGUMENT; return; }
    okta_cc_json_write_string_n(w, s, strlen(s));
}

OKTA_CC_DEF void okta_cc_json_write_int64(okta_cc_json_writer *w, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    /* Work on the magnitude as unsigned so INT64_MIN needs no special case. */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (!w) return;
    do {
        tmp[--i] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) tmp[--i] = '-';
    okta_cc__jw_before_value(w);
    okta_cc__jw_put(w, tmp + i, sizeof tmp - i);
}

OKTA_CC_DEF void okta_cc_json_write_bool(okta_cc_json_writer *w, int v)
{
    if (!w) return;
    okta_cc__jw_before_value(w);
    if (v) okta_cc__jw_put(w, "true", 4);
    else okta_cc__jw_put(w, "false", 5);
}

OKTA_CC_DEF void okta_cc_json_write_null(okta_cc_json_writer *w)
{
    if (!w) return;
    okta_cc__jw_before_value(w);
    okta_cc__jw_put(w, "null", 4);
}

OKTA_CC_DEF okta_cc_result okta_cc_json_writer_finish(okta_cc_json_writer *w, size_t *out_len,
                                                      okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (!w) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no JSON writer");
    if (w->_status == OKTA_CC_OK && (w->_depth != 0 || !(w->_state[0] & OKTA_CC__JW_HAS_ITEM)))
        w->_status = OKTA_CC_ERR_INVALID_ARGUMENT;   /* unclosed container or no value at all */
    if (w->_status == OKTA_CC_OK && w->_growable)
        w->_status = okta_cc__jw_grow_append(w, "", 0);   /* a buffer to hold the NUL */
    if (w->_status != OKTA_CC_OK)
        return okta_cc__fail(err, w->_status, "JSON writer: %s", okta_cc_result_str(w->_status));
    if (w->len >= w->_cap) {
        if (out_len) *out_len = w->len + 1;
        return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL, "JSON writer: %lu bytes needed",
                             (unsigned long)w->len + 1);
    }
    w->buf[w->len] = '\0';
    if (out_len) *out_len = w->len;
    return OKTA_CC_OK;
}

OKTA_CC_DEF void okta_cc_json_writer_free(okta_cc_json_writer *w)
{
    okta_cc__buf b;
    if (!w || !w->_growable) return;     /* a fixed buffer is the caller's */
    b = okta_cc__buf_of(w->buf, w->len, w->_cap, 0, &w->_alloc);
    okta_cc__buf_wipe_free(&b);
    w->buf = NULL;
    w->len = w->_cap = 0;
}

/* ---------------------------------------------------------------------------------------------
   JSON parser

   A state machine over the input. okta_cc__jp.state says what comes next - a value, an
   object member's key, or ',' / the closing bracket - and one short function reads each. The
   open containers (their token indices, at most max_depth) are a stack in okta_cc__jp instead
   of C recursion, so no input can drive the C stack. Scalars are validated in place.
   ------------------------------------------------------------------------------------------- */

/* The parser's hard ceiling on nesting: okta_cc_json_limits.max_depth is capped to it. It sizes
   only the parser's own stack, never a public struct, so translation units may differ. */
#ifndef OKTA_CC_JSON_MAX_DEPTH
#define OKTA_CC_JSON_MAX_DEPTH 64
#endif
#if OKTA_CC_JSON_MAX_DEPTH < 1
#error "okta_cc.h: OKTA_CC_JSON_MAX_DEPTH must be at least 1"
#endif

typedef enum okta_cc__jp_state {
    OKTA_CC__JP_VALUE,          /* a value: at the top, after '[', after ',' in an array, after ':' */
    OKTA_CC__JP_KEY,            /* a member's key and its ':' (after '{', after ',' in an object) */
    OKTA_CC__JP_NEXT,           /* ',' or the closing bracket of the innermost container */
    OKTA_CC__JP_DONE            /* the top-level value is complete */
} okta_cc__jp_state;

typedef struct okta_cc__jp {
    const unsigned char *s;
    size_t len, pos;
    okta_cc_json_token *tok;    /* NULL: only count the tokens */
    size_t cap, count;
    okta_cc__jp_state state;
    unsigned depth, max_depth;
    size_t open[OKTA_CC_JSON_MAX_DEPTH];            /* token index of each open container */
    unsigned char open_is_object[OKTA_CC_JSON_MAX_DEPTH];
    okta_cc_error *err;
} okta_cc__jp;

static okta_cc_result okta_cc__jp_fail(okta_cc__jp *p, okta_cc_result r, const char *what)
{
    okta_cc_result out = okta_cc__fail(p->err, r, "JSON: %s at byte %lu", what,
                                       (unsigned long)p->pos);
    if (p->err) p->err->offset = p->pos;
    return out;
}

static void okta_cc__jp_skip_ws(okta_cc__jp *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

/* Appends a token (or only counts it when there is no array). Returns its index or -1. */
static long okta_cc__jp_add(okta_cc__jp *p, okta_cc_json_type type, size_t start, size_t end)
{
    if (p->tok) {
        okta_cc_json_token *t;
        if (p->count >= p->cap) return -1;
        t = &p->tok[p->count];
        t->type = type;
        t->start = (uint32_t)start;
        t->end = (uint32_t)end;
        t->count = 0;
        t->next = (uint32_t)(p->count + 1);
    }
    return (long)p->count++;
}

static uint32_t okta_cc__hex4(const unsigned char *s)
{
    uint32_t v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        unsigned c = s[i];
        v = v << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* Decodes one character of an already validated JSON string body at s[*i] (escaped text) into
   out (4 bytes room); returns the number of bytes produced. */
static size_t okta_cc__json_unescape_one(const unsigned char *s, size_t *i, unsigned char *out)
{
    uint32_t cp;
    if (s[*i] != '\\') {
        out[0] = s[(*i)++];
        return 1;
    }
    switch (s[*i + 1]) {
    case 'b': *i += 2; out[0] = '\b'; return 1;
    case 'f': *i += 2; out[0] = '\f'; return 1;
    case 'n': *i += 2; out[0] = '\n'; return 1;
    case 'r': *i += 2; out[0] = '\r'; return 1;
    case 't': *i += 2; out[0] = '\t'; return 1;
    case 'u': break;
    default: out[0] = s[*i + 1]; *i += 2; return 1;   /* " \ / */
    }
    cp = okta_cc__hex4(s + *i + 2);
    *i += 6;
    if (cp >= 0xd800 && cp <= 0xdbff) {   /* validated: a low surrogate escape follows */
        cp = 0x10000 + ((cp - 0xd800) << 10) + (okta_cc__hex4(s + *i + 2) - 0xdc00);
        *i += 6;
    }
    return okta_cc__utf8_put(cp, out);
}

/* Validates a \u escape at p->pos (pointing at the backslash), pairing surrogates. */
static int okta_cc__jp_unicode_escape(okta_cc__jp *p)
{
    const unsigned char *s = p->s;
    uint32_t cp;
    if (p->pos + 6 > p->len) return 0;
    if (!okta_cc__is_hex(s[p->pos + 2]) || !okta_cc__is_hex(s[p->pos + 3]) ||
        !okta_cc__is_hex(s[p->pos + 4]) || !okta_cc__is_hex(s[p->pos + 5]))
        return 0;
    cp = okta_cc__hex4(s + p->pos + 2);
    p->pos += 6;
    if (cp >= 0xdc00 && cp <= 0xdfff) return 0;          /* low surrogate first */
    if (cp < 0xd800 || cp > 0xdbff) return 1;
    if (p->pos + 6 > p->len || s[p->pos] != '\\' || s[p->pos + 1] != 'u') return 0;
    if (!okta_cc__is_hex(s[p->pos + 2]) || !okta_cc__is_hex(s[p->pos + 3]) ||
        !okta_cc__is_hex(s[p->pos + 4]) || !okta_cc__is_hex(s[p->pos + 5]))
        return 0;
    cp = okta_cc__hex4(s + p->pos + 2);
    if (cp < 0xdc00 || cp > 0xdfff) return 0;            /* high surrogate without its pair */
    p->pos += 6;
    return 1;
}

/* Scans a string starting at the opening quote; on success p->pos is past the closing quote. */
static okta_cc_result okta_cc__jp_string(okta_cc__jp *p, size_t *start, size_t *end)
{
    const unsigned char *s = p->s;
    p->pos++;
    *start = p->pos;
    while (p->pos < p->len) {
        unsigned char c = s[p->pos];
        if (c == '"') {
            *end = p->pos++;
            return OKTA_CC_OK;
        }
        if (c < 0x20) return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "control character in string");
        if (c == '\\') {
            unsigned char e = p->pos + 1 < p->len ? s[p->pos + 1] : 0;
            if (e == 'u') {
                if (!okta_cc__jp_unicode_escape(p))
                    return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid \\u escape");
            } else if (e && strchr("\"\\/bfnrt", e)) {
                p->pos += 2;
            } else {
                return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid escape");
            }
        } else {
            size_t n = okta_cc__utf8_seq_len(s + p->pos, p->len - p->pos);
            if (!n) return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid UTF-8 in string");
            p->pos += n;
        }
    }
    return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "unterminated string");
}

static int okta_cc__is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static okta_cc_result okta_cc__jp_number(okta_cc__jp *p)
{
    const unsigned char *s = p->s;
    size_t n = p->len;
    if (p->pos < n && s[p->pos] == '-') p->pos++;
    if (p->pos >= n || !okta_cc__is_digit(s[p->pos]))
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid number");
    if (s[p->pos] == '0') p->pos++;
    else while (p->pos < n && okta_cc__is_digit(s[p->pos])) p->pos++;
    if (p->pos < n && s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= n || !okta_cc__is_digit(s[p->pos]))
            return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid number fraction");
        while (p->pos < n && okta_cc__is_digit(s[p->pos])) p->pos++;
    }
    if (p->pos < n && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < n && (s[p->pos] == '+' || s[p->pos] == '-')) p->pos++;
        if (p->pos >= n || !okta_cc__is_digit(s[p->pos]))
            return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "invalid number exponent");
        while (p->pos < n && okta_cc__is_digit(s[p->pos])) p->pos++;
    }
    return OKTA_CC_OK;
}

static int okta_cc__jp_literal(okta_cc__jp *p, const char *word, size_t n)
{
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0) return 0;
    p->pos += n;
    return 1;
}

/* Parses one scalar value at p->pos and appends its token. */
static okta_cc_result okta_cc__jp_scalar(okta_cc__jp *p)
{
    unsigned char c = p->s[p->pos];
    size_t start = p->pos, end = p->pos;
    okta_cc_json_type type;
    okta_cc_result r;
    if (c == '"') {
        r = okta_cc__jp_string(p, &start, &end);
        if (r != OKTA_CC_OK) return r;
        type = OKTA_CC_JSON_STRING;
    } else if (c == '-' || okta_cc__is_digit(c)) {
        r = okta_cc__jp_number(p);
        if (r != OKTA_CC_OK) return r;
        type = OKTA_CC_JSON_NUMBER;
        end = p->pos;
    } else if (okta_cc__jp_literal(p, "true", 4)) {
        type = OKTA_CC_JSON_TRUE, end = p->pos;
    } else if (okta_cc__jp_literal(p, "false", 5)) {
        type = OKTA_CC_JSON_FALSE, end = p->pos;
    } else if (okta_cc__jp_literal(p, "null", 4)) {
        type = OKTA_CC_JSON_NULL, end = p->pos;
    } else {
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "unexpected character");
    }
    if (okta_cc__jp_add(p, type, start, end) < 0)
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_TOKENS, "token array full");
    return OKTA_CC_OK;
}

/* A value is complete: its container counts one more member or element, and ',' or the
   closing bracket comes next; after the top-level value, nothing does. */
static void okta_cc__jp_value_done(okta_cc__jp *p)
{
    if (p->depth == 0) {
        p->state = OKTA_CC__JP_DONE;
        return;
    }
    if (p->tok) p->tok[p->open[p->depth - 1]].count++;
    p->state = OKTA_CC__JP_NEXT;
}

/* Closes the innermost container at its closing bracket: now its end and the index after its
   subtree are known. */
static void okta_cc__jp_close(okta_cc__jp *p)
{
    size_t t;
    OKTA_CC_ASSERT(p->depth > 0);
    t = p->open[--p->depth];
    p->pos++;
    if (p->tok) {
        p->tok[t].end = (uint32_t)p->pos;
        p->tok[t].next = (uint32_t)p->count;
    }
    okta_cc__jp_value_done(p);
}

/* '{' or '[' at p->pos: pushes the container, or closes it at once when it is empty. */
static okta_cc_result okta_cc__jp_open(okta_cc__jp *p)
{
    int is_obj = p->s[p->pos] == '{';
    long t;
    if (p->depth >= p->max_depth) return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_DEPTH, "nesting too deep");
    t = okta_cc__jp_add(p, is_obj ? OKTA_CC_JSON_OBJECT : OKTA_CC_JSON_ARRAY, p->pos, p->pos);
    if (t < 0) return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_TOKENS, "token array full");
    p->open[p->depth] = (size_t)t;
    p->open_is_object[p->depth++] = (unsigned char)is_obj;
    p->pos++;
    okta_cc__jp_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == (is_obj ? '}' : ']')) okta_cc__jp_close(p);
    else p->state = is_obj ? OKTA_CC__JP_KEY : OKTA_CC__JP_VALUE;
    return OKTA_CC_OK;
}

/* State VALUE: a container opens, or a scalar is read whole. */
static okta_cc_result okta_cc__jp_value(okta_cc__jp *p)
{
    okta_cc_result r;
    okta_cc__jp_skip_ws(p);
    if (p->pos >= p->len) return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "unexpected end of input");
    if (p->s[p->pos] == '{' || p->s[p->pos] == '[') return okta_cc__jp_open(p);
    r = okta_cc__jp_scalar(p);
    if (r == OKTA_CC_OK) okta_cc__jp_value_done(p);
    return r;
}

/* State KEY: a string (its own token, not counted as a member: its value is) and ':'. */
static okta_cc_result okta_cc__jp_key(okta_cc__jp *p)
{
    okta_cc_result r;
    okta_cc__jp_skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != '"')
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "expected a string key");
    r = okta_cc__jp_scalar(p);
    if (r != OKTA_CC_OK) return r;
    okta_cc__jp_skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':')
        return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "expected ':'");
    p->pos++;
    p->state = OKTA_CC__JP_VALUE;
    return OKTA_CC_OK;
}

/* State NEXT: ',' (another key or element follows) or the innermost closing bracket. */
static okta_cc_result okta_cc__jp_next(okta_cc__jp *p)
{
    int in_object = p->open_is_object[p->depth - 1];
    okta_cc__jp_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ',') {
        p->pos++;
        p->state = in_object ? OKTA_CC__JP_KEY : OKTA_CC__JP_VALUE;
        return OKTA_CC_OK;
    }
    if (p->pos < p->len && p->s[p->pos] == (in_object ? '}' : ']')) {
        okta_cc__jp_close(p);
        return OKTA_CC_OK;
    }
    return okta_cc__jp_fail(p, OKTA_CC_ERR_JSON_SYNTAX, "expected ',' or closing bracket");
}

/* One step: consumes at least one byte or fails, so the loop that calls it ends. */
static okta_cc_result okta_cc__jp_step(okta_cc__jp *p)
{
    switch (p->state) {
    case OKTA_CC__JP_VALUE: return okta_cc__jp_value(p);
    case OKTA_CC__JP_KEY: return okta_cc__jp_key(p);
    case OKTA_CC__JP_NEXT: return okta_cc__jp_next(p);
    case OKTA_CC__JP_DONE: break;
    }
    return OKTA_CC_OK;
}

/* Sets the parser up from the limits; the size limit is checked before anything is read. */
static okta_cc_result okta_cc__jp_start(okta_cc__jp *p, const char *json, size_t len,
                                        okta_cc_json_token *tokens, size_t cap,
                                        const okta_cc_json_limits *limits, okta_cc_error *err)
{
    size_t max_bytes = limits && limits->max_bytes ? limits->max_bytes : (size_t)1 << 20;
    memset(p, 0, sizeof *p);
    p->max_depth = OKTA_CC_JSON_MAX_DEPTH > 64 ? 64 : OKTA_CC_JSON_MAX_DEPTH;  /* NOLINT(bugprone-branch-clone): 64 is the default */
    if (limits && limits->max_depth)
        p->max_depth = limits->max_depth < OKTA_CC_JSON_MAX_DEPTH ? limits->max_depth
                                                                  : OKTA_CC_JSON_MAX_DEPTH;
    if (len > max_bytes || len > 0xffffffffu)     /* token offsets are 32-bit */
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TOO_LARGE,
                             "JSON: input of %lu bytes exceeds the limit of %lu",
                             (unsigned long)len, (unsigned long)max_bytes);
    p->s = (const unsigned char *)json;
    p->len = len;
    p->tok = tokens;
    p->cap = tokens ? cap : 0;
    p->err = err;
    p->state = OKTA_CC__JP_VALUE;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_json_parse(const char *json, size_t len,
                                              okta_cc_json_token *tokens, size_t cap,
                                              const okta_cc_json_limits *limits,
                                              okta_cc_json_doc *doc, okta_cc_error *err)
{
    okta_cc__jp p;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!doc || (!json && len)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "JSON: no input");
    memset(doc, 0, sizeof *doc);
    r = okta_cc__jp_start(&p, json, len, tokens, cap, limits, err);
    while (r == OKTA_CC_OK && p.state != OKTA_CC__JP_DONE) r = okta_cc__jp_step(&p);
    if (r != OKTA_CC_OK) return r;
    okta_cc__jp_skip_ws(&p);
    if (p.pos != p.len) return okta_cc__jp_fail(&p, OKTA_CC_ERR_JSON_SYNTAX, "trailing data after the value");
    doc->json = json;
    doc->len = len;
    doc->tokens = tokens;
    doc->count = p.count;
    return OKTA_CC_OK;
}

static const okta_cc_json_token *okta_cc__jtok(const okta_cc_json_doc *doc, size_t i)
{
    return doc && doc->tokens && i < doc->count ? &doc->tokens[i] : NULL;
}

OKTA_CC_DEF long okta_cc_json_first(const okta_cc_json_doc *doc, size_t tok)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    if (!t || (t->type != OKTA_CC_JSON_OBJECT && t->type != OKTA_CC_JSON_ARRAY) || !t->count)
        return -1;
    return (long)tok + 1;
}

OKTA_CC_DEF long okta_cc_json_next(const okta_cc_json_doc *doc, size_t parent, size_t elem)
{
    const okta_cc_json_token *pt = okta_cc__jtok(doc, parent), *et = okta_cc__jtok(doc, elem);
    if (!pt || !et || elem <= parent) return -1;
    return et->next < pt->next ? (long)et->next : -1;
}

OKTA_CC_DEF int okta_cc_json_string_equals(const okta_cc_json_doc *doc, size_t tok, const char *s)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    const unsigned char *src;
    size_t i, k = 0, n;
    if (!t || t->type != OKTA_CC_JSON_STRING || !s) return 0;
    src = (const unsigned char *)doc->json;
    n = strlen(s);
    for (i = t->start; i < t->end;) {
        unsigned char ch[4];
        size_t m = okta_cc__json_unescape_one(src, &i, ch);
        if (k + m > n || memcmp(s + k, ch, m) != 0) return 0;
        k += m;
    }
    return k == n;
}

OKTA_CC_DEF long okta_cc_json_find(const okta_cc_json_doc *doc, size_t obj, const char *key)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, obj);
    long i;
    if (!t || t->type != OKTA_CC_JSON_OBJECT || !key) return -1;
    for (i = okta_cc_json_first(doc, obj); i >= 0; i = okta_cc_json_next(doc, obj, (size_t)i)) {
        long v = (long)doc->tokens[i].next;       /* the value follows its key */
        if (okta_cc_json_string_equals(doc, (size_t)i, key)) return v;
        i = v;
    }
    return -1;
}

/* The first checks of every getter: the token exists, has the type asked for, out is given. */
static okta_cc_result okta_cc__json_get_check(const okta_cc_json_token *t, int type_ok, int out_ok,
                                              okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (!out_ok) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "JSON: no output");
    if (!t) return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "JSON: no such value");
    if (!type_ok) return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "JSON: a value of another type");
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_json_get_string(const okta_cc_json_doc *doc, size_t tok,
                                                   char *out, size_t cap, size_t *out_len,
                                                   okta_cc_error *err)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    const unsigned char *src;
    size_t i, k = 0;
    okta_cc_result r = okta_cc__json_get_check(t, t && t->type == OKTA_CC_JSON_STRING, out || !cap, err);
    if (r != OKTA_CC_OK) return r;
    src = (const unsigned char *)doc->json;
    for (i = t->start; i < t->end;) {       /* first pass: the length */
        unsigned char ch[4];
        k += okta_cc__json_unescape_one(src, &i, ch);
    }
    if (cap < k + 1) {
        if (out_len) *out_len = k + 1;
        return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL, "JSON string: %lu bytes needed", (unsigned long)k + 1);
    }
    for (i = t->start, k = 0; i < t->end;) {
        k += okta_cc__json_unescape_one(src, &i, (unsigned char *)out + k);
        OKTA_CC_ASSERT(k < cap);
    }
    out[k] = '\0';
    if (out_len) *out_len = k;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_json_get_int64(const okta_cc_json_doc *doc, size_t tok,
                                                  int64_t *out, okta_cc_error *err)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    const char *s;
    size_t i;
    int neg;
    uint64_t v = 0, limit;
    okta_cc_result r = okta_cc__json_get_check(t, t && t->type == OKTA_CC_JSON_NUMBER, out != NULL, err);
    if (r != OKTA_CC_OK) return r;
    s = doc->json;
    i = t->start;
    neg = s[i] == '-';
    if (neg) i++;
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < t->end; i++) {
        unsigned d;
        if (!okta_cc__is_digit((unsigned char)s[i]))      /* . or e */
            return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "JSON: a number that is not an integer");
        d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) return okta_cc__fail(err, OKTA_CC_ERR_RANGE, "JSON: an integer out of range");
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return OKTA_CC_OK;
}

/* Reads true (1) or false (0) into *out; any other value is OKTA_CC_ERR_JSON_TYPE. */
OKTA_CC_DEF okta_cc_result okta_cc_json_get_bool(const okta_cc_json_doc *doc, size_t tok, int *out,
                                                 okta_cc_error *err)
{
    const okta_cc_json_token *t = okta_cc__jtok(doc, tok);
    okta_cc_result r = okta_cc__json_get_check(
        t, t && (t->type == OKTA_CC_JSON_TRUE || t->type == OKTA_CC_JSON_FALSE), out != NULL, err);
    if (r != OKTA_CC_OK) return r;
    *out = t->type == OKTA_CC_JSON_TRUE;
    return OKTA_CC_OK;
}

/* ---------------------------------------------------------------------------------------------
   >>rng        Randomness
   uses: >>result
   ------------------------------------------------------------------------------------------- */

/* The opaque okta_cc_rng storage must hold BearSSL's DRBG. (C89-style compile-time check.) */
typedef char okta_cc__rng_fits[sizeof(((okta_cc_rng *)0)->_state) >= sizeof(br_hmac_drbg_context)
                               ? 1 : -1];

static br_hmac_drbg_context *okta_cc__drbg(okta_cc_rng *rng)
{
    return (br_hmac_drbg_context *)(void *)rng->_state;
}

/* Mixes fresh system entropy into the DRBG: BearSSL's seeder (getrandom or /dev/urandom) and,
   on Linux, getrandom() directly. Succeeds if at least one source worked. */
static int okta_cc__rng_mix_system(okta_cc_rng *rng)
{
    br_hmac_drbg_context *ctx = okta_cc__drbg(rng);
    br_prng_seeder seeder = br_prng_seeder_system(NULL);
    int ok = seeder && seeder(&ctx->vtable);
#if defined(__linux__)
    {
        unsigned char buf[32];
        if (getrandom(buf, sizeof buf, 0) == (ssize_t)sizeof buf) {
            br_hmac_drbg_update(ctx, buf, sizeof buf);
            ok = 1;
        }
        okta_cc_wipe(buf, sizeof buf);
    }
#endif
    return ok;
}

OKTA_CC_DEF void okta_cc_rng_wipe(okta_cc_rng *rng)
{
    if (rng) okta_cc_wipe(rng, sizeof *rng);
}

OKTA_CC_DEF okta_cc_result okta_cc_rng_init(okta_cc_rng *rng, okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (!rng) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no generator");
    memset(rng, 0, sizeof *rng);
    br_hmac_drbg_init(okta_cc__drbg(rng), &br_sha256_vtable, NULL, 0);
    if (!okta_cc__rng_mix_system(rng)) {
        okta_cc_rng_wipe(rng);
        return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "the system gave no randomness");
    }
    rng->_seeded = 1;
    rng->_pid = (long)getpid();
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_rng_bytes(okta_cc_rng *rng, void *buf, size_t n, okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (!rng || (!buf && n)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no generator or buffer");
    if (!rng->_seeded) return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "the generator was never seeded");
    /* Reseed after a fork (a child must not repeat its parent's jti values) and every 64 KiB. */
    if (rng->_pid != (long)getpid() || rng->_since_reseed > 65536) {
        if (!okta_cc__rng_mix_system(rng)) return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "the system gave no randomness");
        rng->_pid = (long)getpid();
        rng->_since_reseed = 0;
    }
    br_hmac_drbg_generate(okta_cc__drbg(rng), buf, n);
    rng->_since_reseed += n;
    return OKTA_CC_OK;
}

/* ---------------------------------------------------------------------------------------------
   >>key        Keys: RSA and EC private keys
   uses: >>result >>b64url >>json >>rng

   Loading goes: text -> normalised text (CR dropped, literal \n turned into newlines) -> PEM
   (BearSSL's decoder, label checked against the DER structure) or JWK (our JSON parser) ->
   okta_cc_key -> checks (sizes, curves, consistency, sign-then-verify).
   Sub-sections, each using only those above it: curves and algorithms; integers and BearSSL
   views; DER; PEM; JWK; signing primitives; checks; loading; generation; export. The signing
   primitives come before the checks because the sign-then-verify self-test needs them.
   ------------------------------------------------------------------------------------------- */

/* ---- curves and algorithms: every fact about them lives in these two tables --------------- */

/* One row per supported curve; adding a curve is adding a row (and, if it is larger than
   P-521, raising OKTA_CC_EC_MAX_BYTES). A coordinate, the private scalar and each of r and s
   in a JWS signature take okta_cc__curve_size bytes; the hash is that of the row's alg. The
   curve OIDs never appear here: BearSSL reads and writes them. */
typedef struct okta_cc__curve {
    int id;                     /* BearSSL curve id, as in okta_cc_key.curve */
    unsigned bits;              /* okta_cc_key.bits; what okta_cc_key_generate takes */
    const char *crv;            /* the JWK "crv" name (RFC 7518 section 6.2.1.1) */
    okta_cc_alg alg;            /* the JWS algorithm of the curve (RFC 7518 section 3.4) */
} okta_cc__curve;

static const okta_cc__curve okta_cc__curves[] = {
    {BR_EC_secp256r1, 256, "P-256", OKTA_CC_ALG_ES256},
    {BR_EC_secp384r1, 384, "P-384", OKTA_CC_ALG_ES384},
    {BR_EC_secp521r1, 521, "P-521", OKTA_CC_ALG_ES512},
};
#define OKTA_CC__CURVE_COUNT (sizeof okta_cc__curves / sizeof okta_cc__curves[0])

/* One row per JWS algorithm: its name, the key type it signs with, its hash and the hash's
   DigestInfo OID (which only RSASSA-PKCS1-v1_5 puts into the signature). */
typedef struct okta_cc__alg_info {
    okta_cc_alg alg;
    const char *name;
    okta_cc_key_type kty;
    const br_hash_class *hash;
    const unsigned char *oid;
} okta_cc__alg_info;

static const okta_cc__alg_info okta_cc__algs[] = {
    {OKTA_CC_ALG_RS256, "RS256", OKTA_CC_KEY_RSA, &br_sha256_vtable, BR_HASH_OID_SHA256},
    {OKTA_CC_ALG_RS384, "RS384", OKTA_CC_KEY_RSA, &br_sha384_vtable, BR_HASH_OID_SHA384},
    {OKTA_CC_ALG_RS512, "RS512", OKTA_CC_KEY_RSA, &br_sha512_vtable, BR_HASH_OID_SHA512},
    {OKTA_CC_ALG_ES256, "ES256", OKTA_CC_KEY_EC, &br_sha256_vtable, BR_HASH_OID_SHA256},
    {OKTA_CC_ALG_ES384, "ES384", OKTA_CC_KEY_EC, &br_sha384_vtable, BR_HASH_OID_SHA384},
    {OKTA_CC_ALG_ES512, "ES512", OKTA_CC_KEY_EC, &br_sha512_vtable, BR_HASH_OID_SHA512},
};

/* RSA moduli we take: at least 2048 bits (NIST SP 800-131A), at most what okta_cc_key holds. */
#define OKTA_CC__RSA_MIN_BITS 2048u
#define OKTA_CC__RSA_MAX_BITS (8u * OKTA_CC_RSA_MAX_BYTES)

static const okta_cc__curve *okta_cc__curve_by_id(int id)
{
    size_t i;
    for (i = 0; i < OKTA_CC__CURVE_COUNT; i++)
        if (okta_cc__curves[i].id == id) return &okta_cc__curves[i];
    return NULL;
}

static const okta_cc__curve *okta_cc__curve_by_bits(unsigned bits)
{
    size_t i;
    for (i = 0; i < OKTA_CC__CURVE_COUNT; i++)
        if (okta_cc__curves[i].bits == bits) return &okta_cc__curves[i];
    return NULL;
}

/* Bytes of a coordinate, of the private scalar, and of each of r and s. */
static size_t okta_cc__curve_size(const okta_cc__curve *c)
{
    return (c->bits + 7) / 8;
}

/* The supported curves for messages, e.g. "P-256, P-384 and P-521" (last_sep " and "), or
   with with_bits "P-256 (256 bits), ...". Messages read the table, so they can never name a
   curve it lacks or miss one it has. */
static const char *okta_cc__curve_list(char *buf, size_t cap, const char *last_sep, int with_bits)
{
    size_t i, len = 0;
    buf[0] = '\0';
    for (i = 0; i < OKTA_CC__CURVE_COUNT && len < cap; i++) {
        const okta_cc__curve *c = &okta_cc__curves[i];
        const char *sep = i == 0 ? "" : i + 1 < OKTA_CC__CURVE_COUNT ? ", " : last_sep;
        int n = with_bits ? snprintf(buf + len, cap - len, "%s%s (%u bits)", sep, c->crv, c->bits)
                          : snprintf(buf + len, cap - len, "%s%s", sep, c->crv);
        if (n < 0) break;
        len += (size_t)n;   /* past cap when truncated: the loop ends, buf stays terminated */
    }
    return buf;
}

static const okta_cc__alg_info *okta_cc__alg_info_of(okta_cc_alg alg)
{
    size_t i;
    for (i = 0; i < sizeof okta_cc__algs / sizeof okta_cc__algs[0]; i++)
        if (okta_cc__algs[i].alg == alg) return &okta_cc__algs[i];
    return NULL;
}

OKTA_CC_DEF const char *okta_cc_alg_name(okta_cc_alg alg)
{
    const okta_cc__alg_info *ai = okta_cc__alg_info_of(alg);
    return ai ? ai->name : "";
}

OKTA_CC_DEF okta_cc_alg okta_cc_alg_from_name(const char *name)
{
    size_t i;
    for (i = 0; name && i < sizeof okta_cc__algs / sizeof okta_cc__algs[0]; i++)
        if (strcmp(name, okta_cc__algs[i].name) == 0) return okta_cc__algs[i].alg;
    return OKTA_CC_ALG_DEFAULT;
}

/* The curve row of an EC key, or NULL (an RSA key, or a curve id no row has). */
static const okta_cc__curve *okta_cc__key_curve(const okta_cc_key *key)
{
    return key->type == OKTA_CC_KEY_EC ? okta_cc__curve_by_id(key->curve) : NULL;
}

/* "RSA" or the curve name, for messages. */
static const char *okta_cc__key_kind(const okta_cc_key *key)
{
    const okta_cc__curve *c = okta_cc__key_curve(key);
    return key->type == OKTA_CC_KEY_RSA ? "RSA" : c ? c->crv : "unknown";
}

OKTA_CC_DEF okta_cc_alg okta_cc_key_default_alg(const okta_cc_key *key)
{
    const okta_cc__curve *c;
    if (!key || key->type == OKTA_CC_KEY_NONE) return OKTA_CC_ALG_DEFAULT;
    if (key->alg != OKTA_CC_ALG_DEFAULT) return key->alg;
    if (key->type == OKTA_CC_KEY_RSA) return OKTA_CC_ALG_RS256;
    c = okta_cc__key_curve(key);
    return c ? c->alg : OKTA_CC_ALG_DEFAULT;
}

/* Whether key can sign with alg: RS* for any RSA key, ES* only on its own curve. */
static int okta_cc__alg_fits_key(const okta_cc_key *key, okta_cc_alg alg)
{
    const okta_cc__alg_info *ai = okta_cc__alg_info_of(alg);
    const okta_cc__curve *c = okta_cc__key_curve(key);
    if (!ai || ai->kty != key->type) return 0;
    return key->type == OKTA_CC_KEY_RSA || (c && c->alg == alg);
}

OKTA_CC_DEF void okta_cc_key_wipe(okta_cc_key *key)
{
    if (key) okta_cc_wipe(key, sizeof *key);
}

/* ---- integers and BearSSL views ------------------------------------------------------------ */

/* Copies a big-endian integer without its leading zero bytes; 0 if it does not fit. */
static int okta_cc__copy_uint(unsigned char *dst, size_t cap, size_t *dst_len,
                              const unsigned char *src, size_t n)
{
    while (n > 0 && src[0] == 0) src++, n--;
    if (n > cap) return 0;
    memcpy(dst, src, n);
    *dst_len = n;
    return 1;
}

static unsigned okta_cc__bit_length(const unsigned char *x, size_t n)
{
    unsigned bits;
    unsigned char top;
    while (n > 0 && x[0] == 0) x++, n--;
    if (!n) return 0;
    bits = (unsigned)(n - 1) * 8;
    for (top = x[0]; top; top >>= 1) bits++;
    return bits;
}

/* Whether key is a loaded key that signing and export can work on: the public functions
   check this first, so a zeroed or wiped struct is an invalid argument, and lengths that do
   not fit their arrays (or an RSA bits that BearSSL would size its output by) never reach
   BearSSL. */
static int okta_cc__key_ok(const okta_cc_key *key)
{
    const okta_cc__curve *c;
    if (!key) return 0;
    if (key->type == OKTA_CC_KEY_RSA)
        return key->n_len <= sizeof key->n && key->e_len <= sizeof key->e &&
               key->p_len <= sizeof key->p && key->q_len <= sizeof key->q &&
               key->dp_len <= sizeof key->dp && key->dq_len <= sizeof key->dq &&
               key->iq_len <= sizeof key->iq && key->bits >= OKTA_CC__RSA_MIN_BITS &&
               key->bits == okta_cc__bit_length(key->n, key->n_len);
    c = okta_cc__key_curve(key);
    return c && key->d_len <= sizeof key->d && key->pub_len == 1 + 2 * okta_cc__curve_size(c);
}

/* BearSSL views of a loaded key. They point into the okta_cc_key. */
static void okta_cc__rsa_views(const okta_cc_key *key, br_rsa_private_key *sk,
                               br_rsa_public_key *pk)
{
    if (sk) {
        sk->n_bitlen = key->bits;
        sk->p = (unsigned char *)key->p, sk->plen = key->p_len;
        sk->q = (unsigned char *)key->q, sk->qlen = key->q_len;
        sk->dp = (unsigned char *)key->dp, sk->dplen = key->dp_len;
        sk->dq = (unsigned char *)key->dq, sk->dqlen = key->dq_len;
        sk->iq = (unsigned char *)key->iq, sk->iqlen = key->iq_len;
    }
    if (pk) {
        pk->n = (unsigned char *)key->n, pk->nlen = key->n_len;
        pk->e = (unsigned char *)key->e, pk->elen = key->e_len;
    }
}

static void okta_cc__ec_views(const okta_cc_key *key, br_ec_private_key *sk, br_ec_public_key *pk)
{
    if (sk) {
        sk->curve = key->curve;
        sk->x = (unsigned char *)key->d, sk->xlen = key->d_len;
    }
    if (pk) {
        pk->curve = key->curve;
        pk->q = (unsigned char *)key->pub, pk->qlen = key->pub_len;
    }
}

/* The RSA sizes we take, checked alike for DER and JWK keys (generation makes only these). */
static okta_cc_result okta_cc__rsa_check_bits(unsigned bits, okta_cc_error *err)
{
    if (bits < OKTA_CC__RSA_MIN_BITS)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_TOO_SMALL, "RSA key of %u bits; at least %u are required",
                             bits, OKTA_CC__RSA_MIN_BITS);
    if (bits > OKTA_CC__RSA_MAX_BITS)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED, "RSA keys over %u bits are not supported",
                             OKTA_CC__RSA_MAX_BITS);
    return OKTA_CC_OK;
}

/* The public exponents we take, checked alike for DER and JWK keys before anything else reads
   them: FIPS 186-5's range, odd and 2^16 < e < 2^256. With e = 1 the private operation is the
   identity, the sign-then-verify self-test passes and every "signature" is the padded hash
   anyone can compute; small and even exponents are as wrong. e is big-endian, leading zeros
   allowed. Exponents over 64 bits are in the range but do not fit okta_cc_key: unsupported. */
static okta_cc_result okta_cc__rsa_check_exponent(const unsigned char *e, size_t len, okta_cc_error *err)
{
    unsigned bits;
    unsigned long v = 0;
    size_t i;
    int in_range;
    while (len > 0 && e[0] == 0) e++, len--;
    bits = okta_cc__bit_length(e, len);
    in_range = bits > 16 && bits <= 256 && (e[len - 1] & 1);     /* odd and 17 bits: > 2^16 */
    if (in_range && len <= sizeof ((okta_cc_key *)0)->e) return OKTA_CC_OK;
    if (in_range)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                             "RSA public exponent over 64 bits (a %u-bit e): within FIPS 186-5's range but not supported (use e = 65537)",
                             bits);
    if (len > sizeof v)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                             "RSA key with a %u-bit e refused: FIPS 186-5 requires an odd e with 2^16 < e < 2^256 (use e = 65537)",
                             bits);
    for (i = 0; i < len; i++) v = v << 8 | e[i];
    return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                         "RSA key with e = %lu refused: FIPS 186-5 requires an odd e with 2^16 < e < 2^256 (use e = 65537)",
                         v);
}

/* The one copy of an RSA key's parts into an okta_cc_key, whatever they were read from (DER,
   JWK, generation): n and e from pk, the CRT parts from sk, each minimal big-endian; the size
   is n's own bit length. 0 when a part is longer than okta_cc_key holds. */
static int okta_cc__key_set_rsa(okta_cc_key *key, const br_rsa_private_key *sk,
                                const br_rsa_public_key *pk)
{
    key->type = OKTA_CC_KEY_RSA;
    if (!okta_cc__copy_uint(key->n, sizeof key->n, &key->n_len, pk->n, pk->nlen) ||
        !okta_cc__copy_uint(key->e, sizeof key->e, &key->e_len, pk->e, pk->elen) ||
        !okta_cc__copy_uint(key->p, sizeof key->p, &key->p_len, sk->p, sk->plen) ||
        !okta_cc__copy_uint(key->q, sizeof key->q, &key->q_len, sk->q, sk->qlen) ||
        !okta_cc__copy_uint(key->dp, sizeof key->dp, &key->dp_len, sk->dp, sk->dplen) ||
        !okta_cc__copy_uint(key->dq, sizeof key->dq, &key->dq_len, sk->dq, sk->dqlen) ||
        !okta_cc__copy_uint(key->iq, sizeof key->iq, &key->iq_len, sk->iq, sk->iqlen))
        return 0;
    key->bits = okta_cc__bit_length(key->n, key->n_len);
    return 1;
}

/* Sets the EC private scalar and derives the public point with BearSSL. */
static okta_cc_result okta_cc__ec_set_private(okta_cc_key *key, int curve,
                                              const unsigned char *d, size_t d_len,
                                              okta_cc_error *err)
{
    br_ec_private_key sk;
    br_ec_public_key pk;
    const okta_cc__curve *c = okta_cc__curve_by_id(curve);
    char names[64];
    if (!c)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED, "unsupported EC curve (%s are supported)",
                             okta_cc__curve_list(names, sizeof names, " and ", 0));
    /* A row for a curve larger than okta_cc_key holds is a mistake in the table. */
    OKTA_CC_ASSERT(okta_cc__curve_size(c) <= OKTA_CC_EC_MAX_BYTES);
    if (d_len > sizeof key->d) return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "EC private key too long");
    key->type = OKTA_CC_KEY_EC;
    key->curve = curve;
    key->bits = c->bits;
    memcpy(key->d, d, d_len);
    key->d_len = d_len;
    okta_cc__ec_views(key, &sk, NULL);
    key->pub_len = br_ec_compute_pub(br_ec_get_default(), &pk, key->pub, &sk);
    if (!key->pub_len)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT, "EC private key out of range");
    return OKTA_CC_OK;
}

/* ---- DER: just enough to check a key's structure and read RSA n and e ---------------------- */

typedef struct okta_cc__der {
    const unsigned char *p;
    size_t n;
} okta_cc__der;

/* Reads one TLV from in; returns its tag (0 on malformed input) and its contents. */
static unsigned okta_cc__der_next(okta_cc__der *in, okta_cc__der *content)
{
    size_t len, k, hdr = 2;
    unsigned tag;
    if (in->n < 2) return 0;
    tag = in->p[0];
    len = in->p[1];
    if (len & 0x80) {
        k = len & 0x7f;
        if (k == 0 || k > 3 || in->n < 2 + k) return 0;
        for (len = 0; k; k--, hdr++) len = len << 8 | in->p[hdr];
    }
    if (len > in->n - hdr) return 0;
    content->p = in->p + hdr;
    content->n = len;
    in->p += hdr + len;
    in->n -= hdr + len;
    return tag;
}

/* The structure a PEM label promises: PKCS#1 and SEC1 and PKCS#8 differ in the tag of the
   second element of the outer SEQUENCE (INTEGER n, OCTET STRING d, SEQUENCE algorithm). */
static int okta_cc__der_matches_label(const unsigned char *der, size_t n, const char *label)
{
    okta_cc__der in, seq, item;
    unsigned second;
    in.p = der, in.n = n;
    if (okta_cc__der_next(&in, &seq) != 0x30 || in.n != 0) return 0;
    if (okta_cc__der_next(&seq, &item) != 0x02) return 0;        /* version */
    second = okta_cc__der_next(&seq, &item);
    if (strcmp(label, "RSA PRIVATE KEY") == 0) return second == 0x02;
    if (strcmp(label, "EC PRIVATE KEY") == 0) return second == 0x04;
    return second == 0x30;                                        /* PRIVATE KEY (PKCS#8) */
}

/* Finds n and e in PKCS#1 RSAPrivateKey, or in the PKCS#1 inside a PKCS#8 OCTET STRING; pk
   points into der. (BearSSL's key decoder keeps only the private parts.) */
static int okta_cc__der_rsa_public(const unsigned char *der, size_t len, br_rsa_public_key *pk)
{
    okta_cc__der in, seq, item, n, e;
    in.p = der, in.n = len;
    if (okta_cc__der_next(&in, &seq) != 0x30) return 0;
    if (okta_cc__der_next(&seq, &item) != 0x02) return 0;
    if (seq.n && seq.p[0] == 0x30) {          /* PKCS#8 wrapper: one level, never recursion */
        if (okta_cc__der_next(&seq, &item) != 0x30) return 0;
        if (okta_cc__der_next(&seq, &item) != 0x04) return 0;
        in = item;
        if (okta_cc__der_next(&in, &seq) != 0x30) return 0;
        if (okta_cc__der_next(&seq, &item) != 0x02) return 0;
    }
    if (okta_cc__der_next(&seq, &n) != 0x02 || okta_cc__der_next(&seq, &e) != 0x02) return 0;
    pk->n = (unsigned char *)n.p, pk->nlen = n.n;
    pk->e = (unsigned char *)e.p, pk->elen = e.n;
    return 1;
}

/* An RSA key out of BearSSL's decoder: the CRT parts from sk, n and e from the DER itself. */
static okta_cc_result okta_cc__key_from_der_rsa(okta_cc_key *key, const br_rsa_private_key *sk,
                                                const unsigned char *der, size_t len,
                                                okta_cc_error *err)
{
    br_rsa_public_key pk;
    okta_cc_result r = okta_cc__rsa_check_bits(sk->n_bitlen, err);
    if (r != OKTA_CC_OK) return r;
    if (!okta_cc__der_rsa_public(der, len, &pk))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "malformed RSA private key (modulus or exponent)");
    r = okta_cc__rsa_check_exponent(pk.e, pk.elen, err);
    if (r != OKTA_CC_OK) return r;
    if (!okta_cc__key_set_rsa(key, sk, &pk) || key->bits != sk->n_bitlen)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "malformed RSA private key (modulus or exponent)");
    return OKTA_CC_OK;
}

/* Decodes a DER private key with BearSSL and copies it out of the decoder's context. */
static okta_cc_result okta_cc__key_from_der(okta_cc_key *key, const unsigned char *der, size_t len,
                                            okta_cc_error *err)
{
    br_skey_decoder_context dc;
    const br_rsa_private_key *rsa;
    const br_ec_private_key *ec;
    okta_cc_result r;
    char names[64];
    br_skey_decoder_init(&dc);
    br_skey_decoder_push(&dc, der, len);
    rsa = br_skey_decoder_get_rsa(&dc);
    ec = br_skey_decoder_get_ec(&dc);
    if (rsa)
        r = okta_cc__key_from_der_rsa(key, rsa, der, len, err);
    else if (ec)
        r = okta_cc__ec_set_private(key, ec->curve, ec->x, ec->xlen, err);
    else if (br_skey_decoder_last_error(&dc) == BR_ERR_X509_UNSUPPORTED)
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                          "unsupported key type or curve (RSA, %s are supported)",
                          okta_cc__curve_list(names, sizeof names, " and ", 0));
    else
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "malformed private key (DER decoding error %d)",
                          br_skey_decoder_last_error(&dc));
    okta_cc_wipe(&dc, sizeof dc);
    return r;
}

/* ---- PEM --------------------------------------------------------------------------------- */

#define OKTA_CC__DER_MAX 8192

typedef struct okta_cc__der_buf {
    unsigned char data[OKTA_CC__DER_MAX];
    size_t len;
    int overflow;
} okta_cc__der_buf;

static void okta_cc__der_append(void *ctx, const void *data, size_t len)
{
    okta_cc__der_buf *b = (okta_cc__der_buf *)ctx;
    if (len > sizeof b->data - b->len) { b->overflow = 1; return; }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

/* Pointer to the first occurrence of needle in s[0..n), or NULL. */
static const char *okta_cc__memmem(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; k <= n && i <= n - k; i++)
        if (memcmp(s + i, needle, k) == 0) return s + i;
    return NULL;
}

/* The labels of the private keys we read. */
static int okta_cc__private_key_label(const char *label)
{
    return strcmp(label, "PRIVATE KEY") == 0 || strcmp(label, "RSA PRIVATE KEY") == 0 ||
           strcmp(label, "EC PRIVATE KEY") == 0;
}

/* OKTA_CC_OK for a private key label, else the error that explains what the block is. */
static okta_cc_result okta_cc__pem_label_check(const char *label, okta_cc_error *err)
{
    if (okta_cc__private_key_label(label)) return OKTA_CC_OK;
    if (strcmp(label, "ENCRYPTED PRIVATE KEY") == 0)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_ENCRYPTED,
                             "encrypted keys are not supported - decrypt first: openssl pkcs8 -topk8 -nocrypt -in KEY -out key-plain.pem");
    if (strstr(label, "PUBLIC KEY"))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_PUBLIC_ONLY,
                             "this is a public key (%s); the private key is needed", label);
    return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                         "PEM block \"%s\" is not a private key (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", label);
}

/* Decodes the first private-key PEM object of text (normalised: LF line ends, final newline)
   into der. Other blocks (a certificate before the key, a public key) are skipped; when there
   is no private key at all, label names the first other block so the caller can say why. */
static okta_cc_result okta_cc__pem_decode(const char *text, size_t len, char *label, size_t label_cap,
                                          okta_cc__der_buf *der, okta_cc_error *err)
{
    br_pem_decoder_context pc;
    size_t off = 0;
    int in_object = 0;
    char first_other[128] = "";
    br_pem_decoder_init(&pc);
    br_pem_decoder_setdest(&pc, okta_cc__der_append, der);
    while (off < len) {
        off += br_pem_decoder_push(&pc, text + off, len - off);
        switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
            snprintf(label, label_cap, "%s", br_pem_decoder_name(&pc));
            in_object = 1;
            der->len = 0, der->overflow = 0;
            break;
        case BR_PEM_END_OBJ:
            in_object = 0;
            if (okta_cc__private_key_label(label)) {
                okta_cc_wipe(&pc, sizeof pc);
                return der->overflow ? okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "PEM key too large") : OKTA_CC_OK;
            }
            if (!first_other[0]) snprintf(first_other, sizeof first_other, "%s", label);
            okta_cc_wipe(der->data, sizeof der->data);
            break;
        case BR_PEM_ERROR:
            okta_cc_wipe(&pc, sizeof pc);
            return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "invalid PEM (bad base64 or line in the body)");
        default: break;
        }
    }
    okta_cc_wipe(&pc, sizeof pc);
    if (in_object) return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "truncated PEM: no END line");
    if (!first_other[0]) return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "no PEM block found");
    snprintf(label, label_cap, "%s", first_other);
    return OKTA_CC_OK;
}

static okta_cc_result okta_cc__key_from_pem(okta_cc_key *key, const char *text, size_t len,
                                            const okta_cc_allocator *a, okta_cc_error *err)
{
    okta_cc__der_buf *der;
    char label[128], end_line[160];
    okta_cc_result r;
    if (okta_cc__memmem(text, len, "Proc-Type: 4,ENCRYPTED"))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_ENCRYPTED,
                             "encrypted keys are not supported - decrypt first: openssl pkcs8 -topk8 -nocrypt -in KEY -out key-plain.pem");
    der = (okta_cc__der_buf *)okta_cc__malloc(a, sizeof *der);
    if (!der) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    der->len = 0, der->overflow = 0;
    label[0] = '\0';
    r = okta_cc__pem_decode(text, len, label, sizeof label, der, err);
    if (r == OKTA_CC_OK) r = okta_cc__pem_label_check(label, err);
    if (r == OKTA_CC_OK) {
        /* BearSSL does not compare the END label with the BEGIN label: we do. */
        snprintf(end_line, sizeof end_line, "-----END %s-----", label);
        if (!okta_cc__memmem(text, len, end_line))
            r = okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "PEM END line does not match BEGIN %s", label);
    }
    if (r == OKTA_CC_OK && !okta_cc__der_matches_label(der->data, der->len, label))
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                          "the PEM body is not the structure its label \"%s\" promises (truncated or mislabelled)", label);
    if (r == OKTA_CC_OK) r = okta_cc__key_from_der(key, der->data, der->len, err);
    okta_cc_wipe(der, sizeof *der);
    okta_cc__free(a, der);
    return r;
}

/* ---- JWK --------------------------------------------------------------------------------- */

/* Decodes the base64url member name of the JWK at index obj into out; exact_len (if not 0)
   is the length it must have. Absent: OKTA_CC_ERR_NOT_FOUND. */
static okta_cc_result okta_cc__jwk_member(const okta_cc_json_doc *doc, size_t obj, const char *name,
                                          unsigned char *out, size_t cap, size_t *out_len,
                                          size_t exact_len, okta_cc_error *err)
{
    long i = okta_cc_json_find(doc, obj, name);
    const okta_cc_json_token *t;
    size_t n;
    if (i < 0) return OKTA_CC_ERR_NOT_FOUND;
    t = &doc->tokens[i];
    if (t->type != OKTA_CC_JSON_STRING)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "JWK member \"%s\" is not a string", name);
    if (okta_cc_b64url_decode(doc->json + t->start, t->end - t->start, out, cap, &n, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                             "JWK member \"%s\" is not unpadded base64url or is too long", name);
    if (exact_len && n != exact_len)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                             "JWK member \"%s\" must be %u bytes, not %u (RFC 7518 section 6.2)",
                             name, (unsigned)exact_len, (unsigned)n);
    *out_len = n;
    return OKTA_CC_OK;
}

/* The members of an RSA private JWK (RFC 7518 section 6.3), in the order they are read. */
enum {
    OKTA_CC__JWK_N, OKTA_CC__JWK_E, OKTA_CC__JWK_D, OKTA_CC__JWK_P, OKTA_CC__JWK_Q,
    OKTA_CC__JWK_DP, OKTA_CC__JWK_DQ, OKTA_CC__JWK_QI, OKTA_CC__JWK_RSA_MEMBERS
};
static const char *const okta_cc__jwk_rsa_names[OKTA_CC__JWK_RSA_MEMBERS] = {
    "n", "e", "d", "p", "q", "dp", "dq", "qi"
};

/* The decoded members, as they came (leading zeros included: okta_cc__key_set_rsa drops
   them). The room above a 4096-bit modulus lets a member with a few leading zero bytes in. */
typedef struct okta_cc__jwk_rsa_parts {
    unsigned char v[OKTA_CC__JWK_RSA_MEMBERS][OKTA_CC_RSA_MAX_BYTES + 8];
    size_t len[OKTA_CC__JWK_RSA_MEMBERS];
} okta_cc__jwk_rsa_parts;

/* Decodes RSA member i; a missing one is a format error that names it. */
static okta_cc_result okta_cc__jwk_rsa_read(okta_cc__jwk_rsa_parts *m, const okta_cc_json_doc *doc,
                                            size_t obj, int i, okta_cc_error *err)
{
    const char *name = okta_cc__jwk_rsa_names[i];
    okta_cc_result r = okta_cc__jwk_member(doc, obj, name, m->v[i], sizeof m->v[i], &m->len[i], 0, err);
    if (r == OKTA_CC_ERR_NOT_FOUND)
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                          "RSA JWK without \"%s\" (n, e, d, p, q, dp, dq and qi are needed)", name);
    return r;
}

/* n must be p*q: BearSSL recomputes it from p and q. */
static int okta_cc__rsa_modulus_matches(const okta_cc_key *key)
{
    br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
    br_rsa_private_key sk;
    unsigned char n[OKTA_CC_RSA_MAX_BYTES];
    int ok;
    okta_cc__rsa_views(key, &sk, NULL);
    ok = modulus(NULL, &sk) == key->n_len && modulus(n, &sk) == key->n_len &&
         memcmp(n, key->n, key->n_len) == 0;
    okta_cc_wipe(n, sizeof n);
    return ok;
}

/* d must be the inverse of e: checks x^(e*d) = x mod n with BearSSL's modular exponentiation
   (okta_cc_key keeps no d, so this is the only place it is looked at). */
static int okta_cc__rsa_d_consistent(const okta_cc_key *key, const unsigned char *d, size_t d_len)
{
    br_rsa_public pub = br_rsa_public_get_default();
    br_rsa_public_key pk;
    unsigned char x[OKTA_CC_RSA_MAX_BYTES];
    size_t i;
    int ok;
    while (d_len > 0 && d[0] == 0) d++, d_len--;
    if (d_len > key->n_len) return 0;
    okta_cc__rsa_views(key, NULL, &pk);
    memset(x, 0, key->n_len);
    x[key->n_len - 1] = 0x2a;
    x[key->n_len / 2] = 0x5c;
    ok = pub(x, key->n_len, &pk) == 1;          /* x^e */
    pk.e = (unsigned char *)d, pk.elen = d_len;
    ok = ok && pub(x, key->n_len, &pk) == 1;    /* (x^e)^d */
    for (i = 0; ok && i < key->n_len; i++)
        ok = x[i] == (i == key->n_len - 1 ? 0x2a : i == key->n_len / 2 ? 0x5c : 0);
    okta_cc_wipe(x, sizeof x);
    return ok;
}

/* Copies the decoded members into key, then checks that they belong to one key. */
static okta_cc_result okta_cc__jwk_rsa_set(okta_cc_key *key, const okta_cc__jwk_rsa_parts *m,
                                           okta_cc_error *err)
{
    br_rsa_private_key sk;
    br_rsa_public_key pk;
    memset(&sk, 0, sizeof sk);
    pk.n = (unsigned char *)m->v[OKTA_CC__JWK_N], pk.nlen = m->len[OKTA_CC__JWK_N];
    pk.e = (unsigned char *)m->v[OKTA_CC__JWK_E], pk.elen = m->len[OKTA_CC__JWK_E];
    sk.p = (unsigned char *)m->v[OKTA_CC__JWK_P], sk.plen = m->len[OKTA_CC__JWK_P];
    sk.q = (unsigned char *)m->v[OKTA_CC__JWK_Q], sk.qlen = m->len[OKTA_CC__JWK_Q];
    sk.dp = (unsigned char *)m->v[OKTA_CC__JWK_DP], sk.dplen = m->len[OKTA_CC__JWK_DP];
    sk.dq = (unsigned char *)m->v[OKTA_CC__JWK_DQ], sk.dqlen = m->len[OKTA_CC__JWK_DQ];
    sk.iq = (unsigned char *)m->v[OKTA_CC__JWK_QI], sk.iqlen = m->len[OKTA_CC__JWK_QI];
    if (!okta_cc__key_set_rsa(key, &sk, &pk))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                             "RSA JWK member too large (at most %u-bit keys)", OKTA_CC__RSA_MAX_BITS);
    if (!okta_cc__rsa_modulus_matches(key))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT, "RSA JWK: n is not p*q");
    if (!okta_cc__rsa_d_consistent(key, m->v[OKTA_CC__JWK_D], m->len[OKTA_CC__JWK_D]))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT, "RSA JWK: d does not match e, p and q");
    return OKTA_CC_OK;
}

/* An RSA private JWK. The order of the checks decides which error a broken JWK gets: a
   public key says so before its size is judged, and its size before a missing CRT member. */
static okta_cc_result okta_cc__jwk_rsa(okta_cc_key *key, const okta_cc_json_doc *doc, size_t obj,
                                       okta_cc_error *err)
{
    okta_cc__jwk_rsa_parts m;
    okta_cc_result r = okta_cc__jwk_rsa_read(&m, doc, obj, OKTA_CC__JWK_N, err);
    int i;
    if (r == OKTA_CC_OK) r = okta_cc__jwk_rsa_read(&m, doc, obj, OKTA_CC__JWK_E, err);
    if (r == OKTA_CC_OK && okta_cc_json_find(doc, obj, "d") < 0)
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_PUBLIC_ONLY,
                          "this JWK is a public key (no \"d\"); the private key is needed");
    if (r == OKTA_CC_OK)
        r = okta_cc__rsa_check_bits(okta_cc__bit_length(m.v[OKTA_CC__JWK_N], m.len[OKTA_CC__JWK_N]), err);
    if (r == OKTA_CC_OK) r = okta_cc__rsa_check_exponent(m.v[OKTA_CC__JWK_E], m.len[OKTA_CC__JWK_E], err);
    for (i = OKTA_CC__JWK_D; r == OKTA_CC_OK && i < OKTA_CC__JWK_RSA_MEMBERS; i++)
        r = okta_cc__jwk_rsa_read(&m, doc, obj, i, err);
    if (r == OKTA_CC_OK) r = okta_cc__jwk_rsa_set(key, &m, err);
    okta_cc_wipe(&m, sizeof m);
    return r;
}

/* The curve row the JWK's "crv" names, or NULL. */
static const okta_cc__curve *okta_cc__jwk_curve(const okta_cc_json_doc *doc, size_t obj)
{
    long crv = okta_cc_json_find(doc, obj, "crv");
    size_t i;
    for (i = 0; crv >= 0 && i < OKTA_CC__CURVE_COUNT; i++)
        if (okta_cc_json_string_equals(doc, (size_t)crv, okta_cc__curves[i].crv)) return &okta_cc__curves[i];
    return NULL;
}

static okta_cc_result okta_cc__jwk_ec(okta_cc_key *key, const okta_cc_json_doc *doc, size_t obj,
                                      okta_cc_error *err)
{
    unsigned char d[OKTA_CC_EC_MAX_BYTES], x[OKTA_CC_EC_MAX_BYTES], y[OKTA_CC_EC_MAX_BYTES];
    size_t d_len = 0, x_len = 0, y_len = 0, size;
    const okta_cc__curve *c = okta_cc__jwk_curve(doc, obj);
    char names[64];
    okta_cc_result r;
    if (!c)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                             "EC JWK curve is missing or unsupported (%s are supported)",
                             okta_cc__curve_list(names, sizeof names, " and ", 0));
    size = okta_cc__curve_size(c);
    r = okta_cc__jwk_member(doc, obj, "x", x, sizeof x, &x_len, size, err);
    if (r == OKTA_CC_OK) r = okta_cc__jwk_member(doc, obj, "y", y, sizeof y, &y_len, size, err);
    if (r == OKTA_CC_ERR_NOT_FOUND) r = okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                                                      "EC JWK without \"x\" or \"y\"");
    if (r != OKTA_CC_OK) return r;
    r = okta_cc__jwk_member(doc, obj, "d", d, sizeof d, &d_len, size, err);
    if (r == OKTA_CC_ERR_NOT_FOUND)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_PUBLIC_ONLY,
                             "this JWK is a public key (no \"d\"); the private key is needed");
    if (r == OKTA_CC_OK) r = okta_cc__ec_set_private(key, c->id, d, d_len, err);
    /* The public point derived from d must be the one the JWK states. */
    if (r == OKTA_CC_OK && (key->pub_len != 1 + 2 * size || memcmp(key->pub + 1, x, size) != 0 ||
                            memcmp(key->pub + 1 + size, y, size) != 0))
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT,
                          "EC JWK: x and y do not match d (or are not a point on %s)", c->crv);
    okta_cc_wipe(d, sizeof d);
    return r;
}

/* Finds the JWK to use in a JWK or JWKS document; sets *obj. */
static okta_cc_result okta_cc__jwk_select(const okta_cc_json_doc *doc, const char *kid, size_t *obj,
                                          okta_cc_error *err)
{
    long keys = okta_cc_json_find(doc, 0, "keys"), k, only = -1;
    int count = 0;
    if (doc->tokens[0].type != OKTA_CC_JSON_OBJECT)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "a JWK must be a JSON object");
    if (keys < 0) { *obj = 0; return OKTA_CC_OK; }
    if (doc->tokens[keys].type != OKTA_CC_JSON_ARRAY)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "JWKS \"keys\" is not an array");
    for (k = okta_cc_json_first(doc, (size_t)keys); k >= 0; k = okta_cc_json_next(doc, (size_t)keys, (size_t)k)) {
        long kid_tok = okta_cc_json_find(doc, (size_t)k, "kid");
        count++;
        only = k;
        if (kid && kid_tok >= 0 && okta_cc_json_string_equals(doc, (size_t)kid_tok, kid)) {
            *obj = (size_t)k;
            return OKTA_CC_OK;
        }
    }
    if (!kid && count == 1) { *obj = (size_t)only; return OKTA_CC_OK; }
    if (kid) return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "no key with kid \"%s\" in the JWKS", kid);
    return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "the JWKS holds %d keys: choose one by kid", count);
}

/* Copies the optional "kid" and "alg" members of the JWK at obj into the key. */
static okta_cc_result okta_cc__jwk_kid_alg(okta_cc_key *key, const okta_cc_json_doc *doc, size_t obj,
                                           okta_cc_error *err)
{
    long kid = okta_cc_json_find(doc, obj, "kid"), alg = okta_cc_json_find(doc, obj, "alg");
    char name[16];
    if (kid >= 0 && okta_cc_json_get_string(doc, (size_t)kid, key->kid, sizeof key->kid, NULL, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                             "JWK \"kid\" is not a string of at most %d bytes", OKTA_CC_KID_MAX - 1);
    if (alg < 0) return OKTA_CC_OK;
    if (okta_cc_json_get_string(doc, (size_t)alg, name, sizeof name, NULL, NULL) != OKTA_CC_OK ||
        (key->alg = okta_cc_alg_from_name(name)) == OKTA_CC_ALG_DEFAULT || !okta_cc__alg_fits_key(key, key->alg))
        return okta_cc__fail(err, OKTA_CC_ERR_ALG_MISMATCH,
                             "JWK \"alg\" is not an algorithm this key can sign with");
    return OKTA_CC_OK;
}

static okta_cc_result okta_cc__key_from_jwk(okta_cc_key *key, const char *text, size_t len,
                                            const char *kid, const okta_cc_allocator *a, okta_cc_error *err)
{
    okta_cc_json_doc doc;
    okta_cc_json_token *tok;
    okta_cc_error jerr;
    size_t obj = 0;
    long kty;
    okta_cc_result r = okta_cc_json_parse(text, len, NULL, 0, NULL, &doc, &jerr);
    if (r != OKTA_CC_OK) return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "malformed JWK: %s", jerr.message);
    tok = (okta_cc_json_token *)okta_cc__malloc(a, doc.count * sizeof *tok);
    if (!tok) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    okta_cc_json_parse(text, len, tok, doc.count, NULL, &doc, NULL);
    r = okta_cc__jwk_select(&doc, kid, &obj, err);
    kty = r == OKTA_CC_OK ? okta_cc_json_find(&doc, obj, "kty") : -1;
    if (r != OKTA_CC_OK) {
        /* keep the error */
    } else if (kty < 0) {
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "JWK without \"kty\"");
    } else if (okta_cc_json_string_equals(&doc, (size_t)kty, "RSA")) {
        r = okta_cc__jwk_rsa(key, &doc, obj, err);
    } else if (okta_cc_json_string_equals(&doc, (size_t)kty, "EC")) {
        r = okta_cc__jwk_ec(key, &doc, obj, err);
    } else {
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                          "JWK \"kty\" is not RSA or EC (symmetric and other keys cannot sign JWT client assertions)");
    }
    if (r == OKTA_CC_OK) r = okta_cc__jwk_kid_alg(key, &doc, obj, err);
    okta_cc__free(a, tok);
    return r;
}

/* ---- signing primitives: RSASSA-PKCS1-v1_5 and raw ECDSA on BearSSL ------------------------
   Used by the key self-test below and by the JWS layer, which adds only the JOSE framing.
   The caller has checked that alg fits the key (okta_cc__alg_fits_key) and that sig holds
   okta_cc__sig_len(key) bytes. */

/* Hashes data with hc; returns the digest length. */
static size_t okta_cc__hash(const br_hash_class *hc, const void *data, size_t len, unsigned char *out)
{
    br_hash_compat_context ctx;
    hc->init(&ctx.vtable);
    hc->update(&ctx.vtable, data, len);
    hc->out(&ctx.vtable, out);
    return (hc->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
}

/* The size of every signature a key makes: the modulus bytes for RSA; r||s for EC, each half
   the curve size (RFC 7518 section 3.4). */
static size_t okta_cc__sig_len(const okta_cc_key *key)
{
    const okta_cc__curve *c = okta_cc__key_curve(key);
    if (key->type == OKTA_CC_KEY_RSA) return (key->bits + 7) / 8;
    return c ? 2 * okta_cc__curve_size(c) : 0;
}

/* Signs a digest made with alg's hash into sig (okta_cc__sig_len(key) bytes); 0 when BearSSL
   fails. A key in memory only. */
static int okta_cc__sign_digest(const okta_cc_key *key, okta_cc_alg alg, const unsigned char *hash,
                                size_t hash_len, unsigned char *sig)
{
    const okta_cc__alg_info *ai = okta_cc__alg_info_of(alg);
    if (key->type == OKTA_CC_KEY_RSA) {
        br_rsa_private_key sk;
        okta_cc__rsa_views(key, &sk, NULL);
        return br_rsa_pkcs1_sign_get_default()(ai->oid, hash, hash_len, &sk, sig) == 1;
    } else {
        br_ec_private_key sk;
        okta_cc__ec_views(key, &sk, NULL);
        /* Raw r||s, each padded to the curve size: exactly the JWS form (RFC 7518 3.4). */
        return br_ecdsa_sign_raw_get_default()(br_ec_get_default(), ai->hash, hash, &sk, sig) ==
               okta_cc__sig_len(key);
    }
}

/* Signs data into sig (okta_cc__sig_len(key) bytes); 0 when BearSSL fails. A key in memory. */
static int okta_cc__sign_raw(const okta_cc_key *key, okta_cc_alg alg, const void *data, size_t len,
                             unsigned char *sig)
{
    unsigned char hash[64];
    size_t hash_len = okta_cc__hash(okta_cc__alg_info_of(alg)->hash, data, len, hash);
    return okta_cc__sign_digest(key, alg, hash, hash_len, sig);
}

/* 1 when sig is a signature of data by key with alg. A signature of another length than the
   key makes (a DER-encoded ECDSA one, say) never is. */
static int okta_cc__verify_raw(const okta_cc_key *key, okta_cc_alg alg, const void *data, size_t len,
                               const unsigned char *sig, size_t sig_len)
{
    const okta_cc__alg_info *ai = okta_cc__alg_info_of(alg);
    unsigned char hash[64], recovered[64];
    size_t hash_len = okta_cc__hash(ai->hash, data, len, hash);
    if (sig_len != okta_cc__sig_len(key)) return 0;
    if (key->type == OKTA_CC_KEY_RSA) {
        br_rsa_public_key pk;
        okta_cc__rsa_views(key, NULL, &pk);
        return br_rsa_pkcs1_vrfy_get_default()(sig, sig_len, ai->oid, hash_len, &pk, recovered) &&
               memcmp(recovered, hash, hash_len) == 0;
    } else {
        br_ec_public_key pk;
        okta_cc__ec_views(key, NULL, &pk);
        return br_ecdsa_vrfy_raw_get_default()(br_ec_get_default(), hash, hash_len, &pk, sig, sig_len) == 1;
    }
}

/* ---- the one signing path: keys in memory and signers alike ------------------------------- */

/* The sign function of a key in memory (an okta_cc_sign_fn; user is the key): BearSSL over the
   digest. */
static okta_cc_result okta_cc__memory_sign(void *user, okta_cc_alg alg, const unsigned char *data,
                                           size_t len, const unsigned char *digest, size_t digest_len,
                                           unsigned char *out, size_t cap, size_t *out_len,
                                           okta_cc_error *err)
{
    const okta_cc_key *key = (const okta_cc_key *)user;
    size_t need = okta_cc__sig_len(key);
    (void)data, (void)len;
    if (cap < need || !okta_cc__sign_digest(key, alg, digest, digest_len, out))
        return okta_cc__fail(err, OKTA_CC_ERR_CRYPTO, "signing failed");
    *out_len = need;
    return OKTA_CC_OK;
}

/* A DER ECDSA-Sig-Value, SEQUENCE { INTEGER r, INTEGER s }, turned in place into r||s of size
   bytes each; 0 when sig is not one or r or s does not fit. (BearSSL's br_ecdsa_asn1_to_raw
   sizes its output by the longer of r and s, not by the curve.) */
static size_t okta_cc__ecdsa_der_to_raw(unsigned char *sig, size_t len, size_t size)
{
    unsigned char raw[2 * OKTA_CC_EC_MAX_BYTES];
    okta_cc__der in, seq, v[2];
    size_t i;
    in.p = sig, in.n = len;
    if (okta_cc__der_next(&in, &seq) != 0x30 || in.n) return 0;
    if (okta_cc__der_next(&seq, &v[0]) != 0x02 || okta_cc__der_next(&seq, &v[1]) != 0x02 || seq.n) return 0;
    memset(raw, 0, sizeof raw);
    for (i = 0; i < 2; i++) {
        while (v[i].n && v[i].p[0] == 0) v[i].p++, v[i].n--;
        if (!v[i].n || v[i].n > size) return 0;
        memcpy(raw + i * size + size - v[i].n, v[i].p, v[i].n);
    }
    memcpy(sig, raw, 2 * size);
    return 2 * size;
}

/* A signer's answer (n bytes in sig) brought to JWS form - an ECDSA signature in DER becomes
   r||s - and verified with the public key: a device fault or the wrong key never reaches a
   server as an assertion it refuses with a vague "invalid signature". */
static okta_cc_result okta_cc__signer_answer(const okta_cc_key *key, okta_cc_alg alg, const void *data,
                                             size_t len, unsigned char *sig, size_t n, okta_cc_error *err)
{
    size_t need = okta_cc__sig_len(key);
    const okta_cc__curve *c = okta_cc__key_curve(key);
    if (n != need && c) n = okta_cc__ecdsa_der_to_raw(sig, n, okta_cc__curve_size(c));
    if (n != need)
        return okta_cc__fail(err, OKTA_CC_ERR_CRYPTO, "the signer's answer is not a %s signature (%lu bytes, or DER for ES*)",
                             okta_cc_alg_name(alg), (unsigned long)need);
    if (!okta_cc__verify_raw(key, alg, data, len, sig, need))
        return okta_cc__fail(err, OKTA_CC_ERR_CRYPTO,
                             "the signer's %s signature does not verify with its public key (another key's, or a "
                             "device fault): not used", okta_cc_alg_name(alg));
    return OKTA_CC_OK;
}

/* Calls a signer's sign function; its failure keeps the function's message, or gets one. */
static okta_cc_result okta_cc__signer_call(const okta_cc_key *key, okta_cc_alg alg, const void *data, size_t len,
                                           const unsigned char *hash, size_t hash_len, unsigned char *sig,
                                           size_t cap, size_t *n, okta_cc_error *err)
{
    okta_cc_error e;
    okta_cc_result r;
    okta_cc__error_reset(&e);
    r = key->sign(key->sign_user, alg, (const unsigned char *)data, len, hash, hash_len, sig, cap, n, &e);
    if (r == OKTA_CC_OK && *n > cap) {
        r = OKTA_CC_ERR_CRYPTO;
        e.message[0] = '\0';
    }
    if (r == OKTA_CC_OK) return r;
    if (r > 0) r = OKTA_CC_ERR_CRYPTO;
    if (e.message[0]) return okta_cc__fail(err, r, "%s", e.message);
    return okta_cc__fail(err, r, "the signer's sign function failed (%s)", okta_cc_result_str(r));
}

/* Every signature of every key goes through here: the digest, then the key's sign function
   (okta_cc__memory_sign for a key in memory, the signer's callback otherwise) and, for a
   signer, its answer checked. sig receives okta_cc__sig_len(key) bytes. */
static okta_cc_result okta_cc__key_sign(const okta_cc_key *key, okta_cc_alg alg, const void *data, size_t len,
                                        unsigned char *sig, okta_cc_error *err)
{
    unsigned char hash[64], got[OKTA_CC_SIG_MAX];
    size_t hash_len = okta_cc__hash(okta_cc__alg_info_of(alg)->hash, data, len, hash), n = 0;
    okta_cc_result r;
    if (key->sign) {
        r = okta_cc__signer_call(key, alg, data, len, hash, hash_len, got, sizeof got, &n, err);
        if (r == OKTA_CC_OK) r = okta_cc__signer_answer(key, alg, data, len, got, n, err);
    } else {
        r = okta_cc__memory_sign((void *)key, alg, (const unsigned char *)data, len, hash, hash_len, got,
                                 sizeof got, &n, err);
    }
    if (r == OKTA_CC_OK && sig) memcpy(sig, got, okta_cc__sig_len(key));   /* sig: never NULL here */
    okta_cc_wipe(got, sizeof got);
    return r;
}

/* ---- checks: on every key, whatever it was read from or generated by ----------------------- */

/* p and q of an RSA key are each about half the modulus. p = 1, q = n passes p*q = n and even
   signs (CRT degenerates to plain exponentiation), but is not a key anyone should use. */
static okta_cc_result okta_cc__rsa_primes_plausible(const okta_cc_key *key, okta_cc_error *err)
{
    unsigned half = key->bits / 2, pb, qb;
    if (key->type != OKTA_CC_KEY_RSA) return OKTA_CC_OK;
    pb = okta_cc__bit_length(key->p, key->p_len);
    qb = okta_cc__bit_length(key->q, key->q_len);
    if (pb + 64 < half || qb + 64 < half || pb > half + 64 || qb > half + 64)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT,
                             "RSA key: p (%u bits) and q (%u bits) are not two primes of about half of n (%u bits)",
                             pb, qb, key->bits);
    return OKTA_CC_OK;
}

/* Signs and verifies a fixed message: proves the private and public halves belong together. */
static okta_cc_result okta_cc__key_self_test(const okta_cc_key *key, okta_cc_error *err)
{
    static const char msg[] = "okta_cc key self-test";
    unsigned char sig[OKTA_CC_SIG_MAX];
    okta_cc_alg alg = okta_cc_key_default_alg(key);
    int ok = okta_cc__key_ok(key) && okta_cc__alg_fits_key(key, alg) &&
             okta_cc__sig_len(key) <= sizeof sig &&
             okta_cc__sign_raw(key, alg, msg, sizeof msg - 1, sig) &&
             okta_cc__verify_raw(key, alg, msg, sizeof msg - 1, sig, okta_cc__sig_len(key));
    okta_cc_wipe(sig, sizeof sig);
    if (!ok)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT,
                             "key self-test failed: a signature made with it does not verify");
    return OKTA_CC_OK;
}

/* ---- loading ----------------------------------------------------------------------------- */

/* Copies text into a new buffer with CRs dropped, literal "\n" turned into newlines when the
   text has no real newline (PEM pasted into an environment variable), and a final newline
   (BearSSL's PEM decoder needs one to finish the END line). */
static char *okta_cc__normalise_key_text(const okta_cc_allocator *a, const char *text, size_t len,
                                         size_t *out_len)
{
    char *out = (char *)okta_cc__malloc(a, len + 2);
    int escaped_newlines = !memchr(text, '\n', len) && okta_cc__memmem(text, len, "\\n");
    size_t i, k = 0;
    if (!out) return NULL;
    for (i = 0; i < len; i++) {
        if (text[i] == '\r') continue;
        if (escaped_newlines && text[i] == '\\' && i + 1 < len && text[i + 1] == 'n') {
            out[k++] = '\n';
            i++;
            continue;
        }
        out[k++] = text[i];
    }
    out[k++] = '\n';
    out[k] = '\0';
    *out_len = k;
    return out;
}

/* Reads the key in text, a JWK or PEM, by its first character past leading whitespace. */
static okta_cc_result okta_cc__key_from_text(okta_cc_key *key, const char *text, size_t len,
                                             const char *kid, const okta_cc_allocator *a,
                                             okta_cc_error *err)
{
    char *norm;
    size_t norm_len = 0, i = 0;
    okta_cc_result r;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) i++;
    if (i == len) return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "empty key");
    if ((unsigned char)text[i] == 0x30)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT,
                             "binary DER is not supported - convert to PEM: openssl pkey -inform DER -in KEY -out key.pem");
    if (text[i] == '{') return okta_cc__key_from_jwk(key, text + i, len - i, kid, a, err);
    if (!okta_cc__memmem(text, len, "-----BEGIN "))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_FORMAT, "not a PEM or JWK private key");
    norm = okta_cc__normalise_key_text(a, text, len, &norm_len);
    if (!norm) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    r = okta_cc__key_from_pem(key, norm, norm_len, a, err);
    okta_cc_wipe(norm, norm_len);
    okta_cc__free(a, norm);
    return r;
}

/* okta_cc_key_load with the scratch memory (normalised text, DER, JSON tokens) from a. */
static okta_cc_result okta_cc__load_key_text(okta_cc_key *key, const char *text, size_t len, const char *kid,
                                             const okta_cc_allocator *a, okta_cc_error *err)
{
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!key || !text) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no key given");
    memset(key, 0, sizeof *key);
    r = okta_cc__key_from_text(key, text, len, kid, a, err);
    if (r == OKTA_CC_OK) r = okta_cc__rsa_primes_plausible(key, err);
    if (r == OKTA_CC_OK) r = okta_cc__key_self_test(key, err);
    if (r == OKTA_CC_OK && kid && !key->kid[0]) {
        if (strlen(kid) >= sizeof key->kid) r = okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                                                              "kid too long");
        else strcpy(key->kid, kid);     /* NOLINT(clang-analyzer-security.insecureAPI.strcpy): fits, checked above */
    }
    if (r != OKTA_CC_OK) okta_cc_key_wipe(key);
    return r;
}

OKTA_CC_DEF okta_cc_result okta_cc_key_load(okta_cc_key *key, const char *text, size_t len,
                                            const char *kid, okta_cc_error *err)
{
    return okta_cc__load_key_text(key, text, len, kid, NULL, err);
}

/* okta_cc_key_load_file with the file's text and the scratch memory from a. */
static okta_cc_result okta_cc__load_key_file(okta_cc_key *key, const char *path, const char *kid,
                                             const okta_cc_allocator *a, okta_cc_error *err)
{
    char *text = NULL;
    size_t len = 0;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!key || !path) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no key file given");
    r = okta_cc__read_file(path, (size_t)1 << 20, a, &text, &len, err);
    if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL) r = OKTA_CC_ERR_KEY_FORMAT;  /* no key is that large */
    if (r != OKTA_CC_OK) return r;
    r = okta_cc__load_key_text(key, text, len, kid, a, err);
    okta_cc_wipe(text, len);
    okta_cc__free(a, text);
    return r;
}

OKTA_CC_DEF okta_cc_result okta_cc_key_load_file(okta_cc_key *key, const char *path,
                                                 const char *kid, okta_cc_error *err)
{
    return okta_cc__load_key_file(key, path, kid, NULL, err);
}

/* ---- generation -------------------------------------------------------------------------- */

static okta_cc_result okta_cc__generate_rsa(okta_cc_key *key, unsigned bits, okta_cc_rng *rng,
                                            okta_cc_error *err)
{
    unsigned char priv[BR_RSA_KBUF_PRIV_SIZE(OKTA_CC__RSA_MAX_BITS)];
    unsigned char pub[BR_RSA_KBUF_PUB_SIZE(OKTA_CC__RSA_MAX_BITS)];
    br_rsa_private_key sk;
    br_rsa_public_key pk;
    br_hmac_drbg_context *drbg = okta_cc__drbg(rng);
    okta_cc_result r = OKTA_CC_OK;
    if (bits != 2048 && bits != 3072 && bits != 4096)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "RSA keys are 2048, 3072 or 4096 bits");
    /* BearSSL takes 0 to mean e = 3: always ask for 65537 explicitly. */
    if (!br_rsa_keygen_get_default()(&drbg->vtable, &sk, priv, &pk, pub, bits, 65537) ||
        !okta_cc__key_set_rsa(key, &sk, &pk))
        r = okta_cc__fail(err, OKTA_CC_ERR_CRYPTO, "RSA key generation failed");
    okta_cc_wipe(priv, sizeof priv);
    return r;
}

static okta_cc_result okta_cc__generate_ec(okta_cc_key *key, unsigned bits, okta_cc_rng *rng,
                                           okta_cc_error *err)
{
    unsigned char priv[BR_EC_KBUF_PRIV_MAX_SIZE];
    br_ec_private_key sk;
    br_hmac_drbg_context *drbg = okta_cc__drbg(rng);
    const okta_cc__curve *c = okta_cc__curve_by_bits(bits);
    char names[96];
    okta_cc_result r;
    if (!c) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "EC keys are %s",
                                 okta_cc__curve_list(names, sizeof names, " or ", 1));
    if (!br_ec_keygen(&drbg->vtable, br_ec_get_default(), &sk, priv, c->id))
        return okta_cc__fail(err, OKTA_CC_ERR_CRYPTO, "EC key generation failed");
    r = okta_cc__ec_set_private(key, c->id, sk.x, sk.xlen, err);
    okta_cc_wipe(priv, sizeof priv);
    return r;
}

OKTA_CC_DEF okta_cc_result okta_cc_key_generate(okta_cc_key *key, okta_cc_key_type type,
                                                unsigned bits, okta_cc_rng *rng,
                                                okta_cc_error *err)
{
    okta_cc_rng local;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!key) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no key given");
    memset(key, 0, sizeof *key);
    if (!rng) {
        if (okta_cc_rng_init(&local, NULL) != OKTA_CC_OK)
            return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "no system randomness");
        rng = &local;
    } else if (okta_cc_rng_bytes(rng, NULL, 0, NULL) != OKTA_CC_OK) {   /* reseeds after a fork */
        return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "random generator not seeded");
    }
    if (type == OKTA_CC_KEY_RSA) r = okta_cc__generate_rsa(key, bits, rng, err);
    else if (type == OKTA_CC_KEY_EC) r = okta_cc__generate_ec(key, bits, rng, err);
    else r = okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "key type must be RSA or EC");
    if (r == OKTA_CC_OK) r = okta_cc__key_self_test(key, err);
    if (r != OKTA_CC_OK) okta_cc_key_wipe(key);
    if (rng == &local) okta_cc_rng_wipe(&local);
    return r;
}

/* ---- signers: keys whose private half is elsewhere ----------------------------------------- */

/* The curve whose uncompressed points take len bytes, or NULL. */
static const okta_cc__curve *okta_cc__curve_by_point_len(size_t len)
{
    size_t i;
    for (i = 0; i < OKTA_CC__CURVE_COUNT; i++)
        if (len == 1 + 2 * okta_cc__curve_size(&okta_cc__curves[i])) return &okta_cc__curves[i];
    return NULL;
}

/* A signer's RSA public key, checked as a loaded key's is: size, exponent, an odd modulus. */
static okta_cc_result okta_cc__signer_rsa(okta_cc_key *key, const okta_cc_signer *s, okta_cc_error *err)
{
    unsigned bits = okta_cc__bit_length(s->rsa_n, s->rsa_n_len);
    okta_cc_result r = okta_cc__rsa_check_bits(bits, err);
    if (r == OKTA_CC_OK) r = okta_cc__rsa_check_exponent(s->rsa_e, s->rsa_e_len, err);
    if (r != OKTA_CC_OK) return r;
    if (!(s->rsa_n[s->rsa_n_len - 1] & 1))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT, "the signer's RSA modulus is even");
    okta_cc__copy_uint(key->n, sizeof key->n, &key->n_len, s->rsa_n, s->rsa_n_len);
    okta_cc__copy_uint(key->e, sizeof key->e, &key->e_len, s->rsa_e, s->rsa_e_len);
    key->type = OKTA_CC_KEY_RSA;
    key->bits = bits;
    return OKTA_CC_OK;
}

/* A signer's EC public key: an uncompressed point of a supported curve, on the curve (BearSSL
   refuses to multiply a point that is not). */
static okta_cc_result okta_cc__signer_ec(okta_cc_key *key, const okta_cc_signer *s, okta_cc_error *err)
{
    static const unsigned char one[1] = {1};
    unsigned char q[1 + 2 * OKTA_CC_EC_MAX_BYTES];
    char names[64];
    const okta_cc__curve *c = okta_cc__curve_by_point_len(s->ec_point_len);
    if (!c || s->ec_point[0] != 0x04)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED,
                             "the signer's EC point must be uncompressed (04||x||y) on %s",
                             okta_cc__curve_list(names, sizeof names, " or ", 0));
    memcpy(q, s->ec_point, s->ec_point_len);
    if (!br_ec_get_default()->mul(q, s->ec_point_len, one, 1, c->id))
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_INCONSISTENT, "the signer's EC point is not on %s", c->crv);
    memcpy(key->pub, s->ec_point, s->ec_point_len);
    key->pub_len = s->ec_point_len;
    key->type = OKTA_CC_KEY_EC;
    key->curve = c->id;
    key->bits = c->bits;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_key_from_signer(okta_cc_key *key, const okta_cc_signer *s,
                                                   okta_cc_error *err)
{
    okta_cc_result r;
    okta_cc__error_reset(err);
    okta_cc_key_wipe(key);
    if (!key || !s || !s->sign)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no key, signer or sign function");
    if (s->rsa_n && s->rsa_n_len && s->rsa_e && s->rsa_e_len && !s->ec_point)
        r = okta_cc__signer_rsa(key, s, err);
    else if (s->ec_point && s->ec_point_len && !s->rsa_n && !s->rsa_e)
        r = okta_cc__signer_ec(key, s, err);
    else
        r = okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                          "a signer needs an RSA modulus and exponent, or an EC point (not both)");
    if (r == OKTA_CC_OK && s->kid && strlen(s->kid) >= sizeof key->kid)
        r = okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "the signer's kid is longer than %d bytes",
                          OKTA_CC_KID_MAX - 1);
    /* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.strcpy): bounded by the strlen test */
    if (r == OKTA_CC_OK && s->kid) strcpy(key->kid, s->kid);
    key->alg = s->alg;
    if (r == OKTA_CC_OK && s->alg != OKTA_CC_ALG_DEFAULT && !okta_cc__alg_fits_key(key, s->alg))
        r = okta_cc__fail(err, OKTA_CC_ERR_ALG_MISMATCH, "the signer's %s does not fit its %s key",
                          okta_cc_alg_name(s->alg)[0] ? okta_cc_alg_name(s->alg) : "algorithm",
                          okta_cc__key_kind(key));
    key->sign = s->sign;
    key->sign_user = s->user;
    if (r != OKTA_CC_OK) okta_cc_key_wipe(key);
    return r;
}

/* ---- export ------------------------------------------------------------------------------ */

/* The OKTA_CC_ERR_BUFFER_TOO_SMALL of every output in this part: *out_len (optional) gets the
   size needed, so the caller can retry with exactly that. */
static okta_cc_result okta_cc__too_small(okta_cc_error *err, const char *what, size_t need,
                                         size_t *out_len)
{
    if (out_len) *out_len = need;
    return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL, "%s needs a buffer of %lu bytes", what,
                         (unsigned long)need);
}

/* The checks every export starts with: a usable key, and out only NULL for a size query. */
static okta_cc_result okta_cc__export_args(const okta_cc_key *key, const char *out, size_t cap,
                                           okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (!okta_cc__key_ok(key)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no key loaded");
    if (!out && cap) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no output buffer");
    return OKTA_CC_OK;
}

/* e as a 32-bit integer (BearSSL's privexp needs it); 0 if it does not fit. */
static uint32_t okta_cc__rsa_e32(const okta_cc_key *key)
{
    uint32_t e = 0;
    size_t i;
    if (key->e_len > 4) return 0;
    for (i = 0; i < key->e_len; i++) e = e << 8 | key->e[i];
    return e;
}

/* The key as PKCS#8 DER into der[cap]. RSA's needs d, which okta_cc_key does not keep (BearSSL
   signs with the CRT parts): it is recomputed from p, q and e. */
static okta_cc_result okta_cc__key_to_der(const okta_cc_key *key, unsigned char *der, size_t cap,
                                          size_t *der_len, okta_cc_error *err)
{
    size_t n = 0;
    if (key->type == OKTA_CC_KEY_RSA) {
        unsigned char d[OKTA_CC_RSA_MAX_BYTES];
        br_rsa_private_key sk;
        br_rsa_public_key pk;
        size_t d_len;
        okta_cc__rsa_views(key, &sk, &pk);
        d_len = br_rsa_compute_privexp_get_default()(d, &sk, okta_cc__rsa_e32(key));
        if (d_len && br_encode_rsa_pkcs8_der(NULL, &sk, &pk, d, d_len) <= cap)
            n = br_encode_rsa_pkcs8_der(der, &sk, &pk, d, d_len);
        okta_cc_wipe(d, sizeof d);
    } else {
        br_ec_private_key sk;
        br_ec_public_key pk;
        okta_cc__ec_views(key, &sk, &pk);
        if (br_encode_ec_pkcs8_der(NULL, &sk, &pk) <= cap) n = br_encode_ec_pkcs8_der(der, &sk, &pk);
    }
    if (!n) return okta_cc__fail(err, OKTA_CC_ERR_CRYPTO, "the key cannot be encoded as PKCS#8");
    *der_len = n;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_key_to_pem(const okta_cc_key *key, char *out, size_t cap,
                                              size_t *out_len, okta_cc_error *err)
{
    unsigned char der[OKTA_CC__DER_MAX];
    size_t der_len = 0, pem_len;
    okta_cc_result r = okta_cc__export_args(key, out, cap, err);
    if (r == OKTA_CC_OK && key->sign)
        r = okta_cc__fail(err, OKTA_CC_ERR_KEY_PUBLIC_ONLY,
                          "a signer's private key stays in its device: there is none to export");
    if (r == OKTA_CC_OK) r = okta_cc__key_to_der(key, der, sizeof der, &der_len, err);
    if (r == OKTA_CC_OK) {
        /* br_pem_encode's length leaves out the NUL it writes after the text. */
        pem_len = br_pem_encode(NULL, der, der_len, BR_ENCODE_PEM_PKCS8, BR_PEM_LINE64);
        if (cap < pem_len + 1) {
            r = okta_cc__too_small(err, "the PEM key", pem_len + 1, out_len);
        } else {
            br_pem_encode(out, der, der_len, BR_ENCODE_PEM_PKCS8, BR_PEM_LINE64);
            if (out_len) *out_len = pem_len;
        }
    }
    okta_cc_wipe(der, sizeof der);
    return r;
}

/* Writes the public members in RFC 7638 order (which is also a fine order for display). */
static void okta_cc__jwk_public_members(okta_cc_json_writer *w, const okta_cc_key *key)
{
    char b64[2 * OKTA_CC_RSA_MAX_BYTES];
    const okta_cc__curve *c = okta_cc__key_curve(key);
    if (key->type == OKTA_CC_KEY_RSA) {
        okta_cc_b64url_encode(key->e, key->e_len, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "e");
        okta_cc_json_write_string(w, b64);
        okta_cc_json_write_key(w, "kty");
        okta_cc_json_write_string(w, "RSA");
        okta_cc_b64url_encode(key->n, key->n_len, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "n");
        okta_cc_json_write_string(w, b64);
    } else if (c) {
        size_t size = okta_cc__curve_size(c);
        okta_cc_json_write_key(w, "crv");
        okta_cc_json_write_string(w, c->crv);
        okta_cc_json_write_key(w, "kty");
        okta_cc_json_write_string(w, "EC");
        okta_cc_b64url_encode(key->pub + 1, size, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "x");
        okta_cc_json_write_string(w, b64);
        okta_cc_b64url_encode(key->pub + 1 + size, size, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "y");
        okta_cc_json_write_string(w, b64);
    }
}

OKTA_CC_DEF okta_cc_result okta_cc_key_public_jwk(const okta_cc_key *key, const char *kid,
                                                  char *out, size_t cap, size_t *out_len,
                                                  okta_cc_error *err)
{
    okta_cc_json_writer w;
    size_t len = 0;
    okta_cc_result r = okta_cc__export_args(key, out, cap, err);
    if (r != OKTA_CC_OK) return r;
    if (!kid) kid = key->kid;
    okta_cc_json_writer_init(&w, out, cap);
    okta_cc_json_write_object_begin(&w);
    okta_cc__jwk_public_members(&w, key);
    if (kid[0]) {
        okta_cc_json_write_key(&w, "kid");
        okta_cc_json_write_string(&w, kid);
    }
    okta_cc_json_write_key(&w, "use");
    okta_cc_json_write_string(&w, "sig");
    okta_cc_json_write_key(&w, "alg");
    okta_cc_json_write_string(&w, okta_cc_alg_name(okta_cc_key_default_alg(key)));
    okta_cc_json_write_object_end(&w);
    r = okta_cc_json_writer_finish(&w, &len, NULL);
    if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL) return okta_cc__too_small(err, "the public JWK", len, out_len);
    if (r != OKTA_CC_OK) return okta_cc__fail(err, r, "the kid is not valid UTF-8");
    if (out_len) *out_len = len;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_key_thumbprint(const okta_cc_key *key, char *out, size_t cap,
                                                  size_t *out_len, okta_cc_error *err)
{
    char canonical[1600];
    unsigned char hash[32];
    size_t len = 0, need = okta_cc_b64url_encoded_len(sizeof hash) + 1;
    okta_cc_json_writer w;
    okta_cc_result r = okta_cc__export_args(key, out, cap, err);
    if (r != OKTA_CC_OK) return r;
    if (cap < need) return okta_cc__too_small(err, "the thumbprint", need, out_len);
    okta_cc_json_writer_init(&w, canonical, sizeof canonical);
    okta_cc_json_write_object_begin(&w);
    okta_cc__jwk_public_members(&w, key);   /* required members only, sorted */
    okta_cc_json_write_object_end(&w);
    r = okta_cc_json_writer_finish(&w, &len, NULL);
    if (r != OKTA_CC_OK) return okta_cc__fail(err, r, "the canonical JWK does not fit");
    okta_cc__hash(&br_sha256_vtable, canonical, len, hash);
    return okta_cc_b64url_encode(hash, sizeof hash, out, cap, out_len, NULL);
}

/* ---------------------------------------------------------------------------------------------
   >>jws        JWS (RFC 7515 compact serialization)
   uses: >>result >>b64url >>json >>key

   The JOSE framing around the signing primitives of the Keys layer
   ------------------------------------------------------------------------------------------- */

/* Resolves DEFAULT and checks that the key can sign with alg. */
static okta_cc_result okta_cc__resolve_alg(const okta_cc_key *key, okta_cc_alg *alg, okta_cc_error *err)
{
    if (!okta_cc__key_ok(key)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no key loaded");
    if (*alg == OKTA_CC_ALG_DEFAULT) *alg = okta_cc_key_default_alg(key);
    if (!okta_cc__alg_fits_key(key, *alg))
        return okta_cc__fail(err, OKTA_CC_ERR_ALG_MISMATCH, "%s cannot be used with this %s key",
                             okta_cc_alg_name(*alg)[0] ? okta_cc_alg_name(*alg) : "this algorithm",
                             okta_cc__key_kind(key));
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_jws_sign_bytes(const okta_cc_key *key, okta_cc_alg alg,
                                                  const void *data, size_t len,
                                                  unsigned char *sig, size_t cap,
                                                  size_t *sig_len, okta_cc_error *err)
{
    size_t need;
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__resolve_alg(key, &alg, err);
    if (r != OKTA_CC_OK) return r;
    if ((!data && len) || (!sig && cap))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no data or no signature buffer");
    need = okta_cc__sig_len(key);
    if (cap < need) return okta_cc__too_small(err, "the signature", need, sig_len);
    r = okta_cc__key_sign(key, alg, data, len, sig, err);
    if (r != OKTA_CC_OK) return r;
    if (sig_len) *sig_len = need;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_jws_verify_bytes(const okta_cc_key *key, okta_cc_alg alg,
                                                    const void *data, size_t len,
                                                    const unsigned char *sig, size_t sig_len,
                                                    okta_cc_error *err)
{
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__resolve_alg(key, &alg, err);
    if (r != OKTA_CC_OK) return r;
    if ((!data && len) || !sig)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no data or no signature");
    if (!okta_cc__verify_raw(key, alg, data, len, sig, sig_len))
        return okta_cc__fail(err, OKTA_CC_ERR_CRYPTO, "the %s signature does not verify",
                             okta_cc_alg_name(alg));
    return OKTA_CC_OK;
}

/* The header must be a JSON object whose "alg" names the algorithm used. */
static okta_cc_result okta_cc__check_header_alg(const char *header, size_t len, okta_cc_alg alg,
                                                okta_cc_error *err)
{
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    long a;
    if (okta_cc_json_parse(header, len, tok, 64, NULL, &doc, NULL) != OKTA_CC_OK || tok[0].type != OKTA_CC_JSON_OBJECT)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "JWS header is not a JSON object");
    a = okta_cc_json_find(&doc, 0, "alg");
    if (a < 0 || !okta_cc_json_string_equals(&doc, (size_t)a, okta_cc_alg_name(alg)))
        return okta_cc__fail(err, OKTA_CC_ERR_ALG_MISMATCH,
                             "JWS header \"alg\" is not %s", okta_cc_alg_name(alg));
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_jws_compact(const okta_cc_key *key, okta_cc_alg alg,
                                               const char *header_json, size_t header_len,
                                               const void *payload, size_t payload_len,
                                               char *out, size_t cap, size_t *out_len,
                                               okta_cc_error *err)
{
    unsigned char sig[OKTA_CC_SIG_MAX];
    size_t h64, p64, need, sig_len, signing_len;
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__resolve_alg(key, &alg, err);
    if (r != OKTA_CC_OK) return r;
    if (!header_json || (!payload && payload_len) || (!out && cap))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no header, payload or output buffer");
    /* Beyond this, need below would wrap round and let a small buffer through (see b64url_encode). */
    if (header_len > ((size_t)-1) / 4 || payload_len > ((size_t)-1) / 4)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "header or payload too long");
    r = okta_cc__check_header_alg(header_json, header_len, alg, err);
    if (r != OKTA_CC_OK) return r;
    /* Every signature of a key has the same size, so the size needed is exact. */
    sig_len = okta_cc__sig_len(key);
    h64 = okta_cc_b64url_encoded_len(header_len);
    p64 = okta_cc_b64url_encoded_len(payload_len);
    signing_len = h64 + 1 + p64;
    need = signing_len + 1 + okta_cc_b64url_encoded_len(sig_len) + 1;
    if (cap < need) return okta_cc__too_small(err, "the JWS", need, out_len);
    /* The signing input is written in place, then signed, then the signature appended. */
    okta_cc_b64url_encode(header_json, header_len, out, cap, NULL, NULL);
    /* out is not NULL: cap >= need > 0, need cannot wrap round (the length check above), which
       clang's analyzer cannot follow through the divisions. NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    out[h64] = '.';
    okta_cc_b64url_encode(payload, payload_len, out + h64 + 1, cap - h64 - 1, NULL, NULL);
    r = okta_cc__key_sign(key, alg, out, signing_len, sig, err);
    if (r != OKTA_CC_OK) {
        okta_cc_wipe(out, need);
        return r;
    }
    out[signing_len] = '.';
    okta_cc_b64url_encode(sig, sig_len, out + signing_len + 1, cap - signing_len - 1, NULL, NULL);
    if (out_len) *out_len = need - 1;
    return OKTA_CC_OK;
}

/* JWT claims must be one JSON object (RFC 7519 section 7.2). Validated without tokens. */
static okta_cc_result okta_cc__check_claims_object(const char *claims, size_t len, okta_cc_error *err)
{
    okta_cc_json_doc doc;
    size_t i = 0;
    okta_cc_error perr;
    if (!claims || okta_cc_json_parse(claims, len, NULL, 0, NULL, &doc, &perr) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "JWT claims are not valid JSON: %s",
                             claims ? perr.message : "none given");
    while (i < len && (claims[i] == ' ' || claims[i] == '\t' || claims[i] == '\r' || claims[i] == '\n')) i++;
    if (claims[i] != '{') return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                                               "JWT claims must be a JSON object");
    return OKTA_CC_OK;
}

/* The JWT header {"alg":...,"kid":...,"typ":"JWT"} into header[cap]; kid "" leaves kid out. */
static okta_cc_result okta_cc__jwt_header(okta_cc_alg alg, const char *kid, char *header, size_t cap,
                                          size_t *header_len, okta_cc_error *err)
{
    okta_cc_json_writer w;
    okta_cc_json_writer_init(&w, header, cap);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "alg");
    okta_cc_json_write_string(&w, okta_cc_alg_name(alg));
    if (kid[0]) {
        okta_cc_json_write_key(&w, "kid");
        okta_cc_json_write_string(&w, kid);
    }
    okta_cc_json_write_key(&w, "typ");
    okta_cc_json_write_string(&w, "JWT");
    okta_cc_json_write_object_end(&w);
    if (okta_cc_json_writer_finish(&w, header_len, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "kid too long or not UTF-8");
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_jwt_sign(const okta_cc_key *key, okta_cc_alg alg,
                                            const char *kid, const char *claims_json,
                                            size_t claims_len, char *out, size_t cap,
                                            size_t *out_len, okta_cc_error *err)
{
    /* The longest kid, every byte escaped as \u00XX, and the rest of the header. */
    char header[64 + 6 * OKTA_CC_KID_MAX];
    size_t header_len = 0;
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__resolve_alg(key, &alg, err);
    if (r == OKTA_CC_OK) r = okta_cc__check_claims_object(claims_json, claims_len, err);
    if (r == OKTA_CC_OK)
        r = okta_cc__jwt_header(alg, kid ? kid : key->kid, header, sizeof header, &header_len, err);
    if (r != OKTA_CC_OK) return r;
    return okta_cc_jws_compact(key, alg, header, header_len, claims_json, claims_len, out, cap, out_len, err);
}

/* ---------------------------------------------------------------------------------------------
   >>pkcs11     PKCS#11: keys in TPMs, smart cards and HSMs (OKTA_CC_PKCS11)
   uses: >>result >>key

   RFC 7512 URIs; the PKCS#11 subset this file needs, defined here from the OASIS v2.40 layout
   (tests/unit/test_pkcs11_abi.c checks it against p11-kit's pkcs11.h), so no PKCS#11 header
   is needed to build; then loading a module, finding the token and the key, signing (the
   signer's sign function), fork(), and generating keys inside the token.
   ------------------------------------------------------------------------------------------- */

#ifdef OKTA_CC_PKCS11
#include <dlfcn.h>

/* ---- RFC 7512 URIs ------------------------------------------------------------------------- */

/* The characters a value may hold unencoded (RFC 7512 section 2.3: unreserved, the
   res-avail set, and '&' in the path or "/?|" in the query). */
static int okta_cc__p11_uri_char(unsigned char ch, int query)
{
    int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (alnum || (ch && strchr("-._~:[]@!$'()*+,=", ch))) return 1;
    return ch && strchr(query ? "/?|" : "&", ch) != NULL;
}

/* Percent-decodes v[0..n) into out[cap]; returns the length, or (size_t)-1 for a character
   the grammar does not allow, a malformed escape, or too long a value. Text (binary 0) may
   not decode to a NUL or a control character, and is NUL-terminated. */
static size_t okta_cc__p11_decode(const char *v, size_t n, int query, int binary, unsigned char *out,
                                  size_t cap)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++, k++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == '%') {
            if (i + 2 >= n || !okta_cc__is_hex((unsigned char)v[i + 1]) ||
                !okta_cc__is_hex((unsigned char)v[i + 2]))
                return (size_t)-1;
            ch = (unsigned char)(okta_cc__hex_digit((unsigned char)v[i + 1]) * 16 +
                                 okta_cc__hex_digit((unsigned char)v[i + 2]));
            i += 2;
            if (!binary && (ch < 0x20 || ch == 0x7f)) return (size_t)-1;
        } else if (!okta_cc__p11_uri_char(ch, query)) {
            return (size_t)-1;
        }
        if (k + (binary ? 0 : 1) >= cap) return (size_t)-1;
        out[k] = ch;
    }
    if (!binary) out[k] = 0;
    return k;
}

#define OKTA_CC__P11_TEXT 0     /* a text member of okta_cc_pkcs11_uri */
#define OKTA_CC__P11_ID 1       /* bytes: id */
#define OKTA_CC__P11_SLOT 2     /* a decimal number: slot-id */
#define OKTA_CC__P11_IGNORE 3   /* known, checked, not used */
#define OKTA_CC__P11_TYPE 4     /* text from a fixed list */

typedef struct okta_cc__p11_attr_row {
    const char *name;
    int query;                  /* a query attribute (after '?') */
    int kind;
    size_t off, cap;            /* where in okta_cc_pkcs11_uri (TEXT, ID, TYPE) */
} okta_cc__p11_attr_row;

#define OKTA_CC__P11_AT(m) offsetof(okta_cc_pkcs11_uri, m), sizeof(((okta_cc_pkcs11_uri *)0)->m)
static const okta_cc__p11_attr_row okta_cc__p11_attrs[] = {
    {"token", 0, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(token)},
    {"manufacturer", 0, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(manufacturer)},
    {"model", 0, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(model)},
    {"serial", 0, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(serial)},
    {"object", 0, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(object)},
    {"id", 0, OKTA_CC__P11_ID, OKTA_CC__P11_AT(id)},
    {"type", 0, OKTA_CC__P11_TYPE, OKTA_CC__P11_AT(type)},
    {"slot-id", 0, OKTA_CC__P11_SLOT, 0, 0},
    {"library-manufacturer", 0, OKTA_CC__P11_IGNORE, 0, 0},
    {"library-description", 0, OKTA_CC__P11_IGNORE, 0, 0},
    {"library-version", 0, OKTA_CC__P11_IGNORE, 0, 0},
    {"slot-description", 0, OKTA_CC__P11_IGNORE, 0, 0},
    {"slot-manufacturer", 0, OKTA_CC__P11_IGNORE, 0, 0},
    {"pin-value", 1, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(pin_value)},
    {"pin-source", 1, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(pin_source)},
    {"module-path", 1, OKTA_CC__P11_TEXT, OKTA_CC__P11_AT(module_path)},
    {"module-name", 1, OKTA_CC__P11_IGNORE, 0, 0},
};
#define OKTA_CC__P11_ATTR_COUNT (sizeof okta_cc__p11_attrs / sizeof okta_cc__p11_attrs[0])

/* The row of attribute name a[0..n) of the path (query 0) or the query, or -1. */
static long okta_cc__p11_attr_row_of(const char *a, size_t n, int query)
{
    size_t i;
    for (i = 0; i < OKTA_CC__P11_ATTR_COUNT; i++)
        if (okta_cc__p11_attrs[i].query == query && strlen(okta_cc__p11_attrs[i].name) == n &&
            memcmp(okta_cc__p11_attrs[i].name, a, n) == 0)
            return (long)i;
    return -1;
}

/* A decoded slot-id or type value into u. */
static okta_cc_result okta_cc__p11_attr_special(okta_cc_pkcs11_uri *u, int kind, const char *v, okta_cc_error *err)
{
    static const char *const types[] = {"private", "public", "cert", "secret-key", "data"};
    size_t i;
    if (kind == OKTA_CC__P11_TYPE) {
        for (i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(v, types[i]) == 0) return OKTA_CC_OK;
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "pkcs11: URI: type must be private, public, cert, secret-key or data");
    }
    if (!v[0] || strlen(v) > 9 || strspn(v, "0123456789") != strlen(v))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "pkcs11: URI: slot-id must be a decimal number");
    u->slot_id = strtol(v, NULL, 10);
    return OKTA_CC_OK;
}

/* One name=value attribute a[0..n) of the path (query 0) or the query into u. Messages name
   the attribute, never its value (it may be a PIN). */
static okta_cc_result okta_cc__p11_attr(okta_cc_pkcs11_uri *u, const char *a, size_t n, int query,
                                        unsigned long *seen, okta_cc_error *err)
{
    unsigned char tmp[OKTA_CC_PKCS11_TEXT_MAX];
    const char *eq = (const char *)memchr(a, '=', n);
    size_t nl = eq ? (size_t)(eq - a) : n, got;
    long row = okta_cc__p11_attr_row_of(a, nl, query);
    const okta_cc__p11_attr_row *r = row >= 0 ? &okta_cc__p11_attrs[row] : NULL;
    unsigned char *dst = r && r->cap ? (unsigned char *)u + r->off : tmp;
    if (!eq || !nl)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "pkcs11: URI: an empty attribute or one without '='");
    if (!r)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "pkcs11: URI: unknown %s attribute \"%.*s\"",
                             query ? "query" : "path", strspn(a, "abcdefghijklmnopqrstuvwxyz-_") >= nl ? (int)nl : 0, a);
    if (*seen & (1UL << row))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "pkcs11: URI: %s given twice", r->name);
    *seen |= 1UL << row;
    got = okta_cc__p11_decode(eq + 1, n - nl - 1, query, r->kind == OKTA_CC__P11_ID, dst, r->cap ? r->cap : sizeof tmp);
    if (got == (size_t)-1)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "pkcs11: URI: the value of %s is too long or has a malformed %% escape, a control "
                             "character or a character RFC 7512 wants percent-encoded", r->name);
    if (r->kind == OKTA_CC__P11_ID) u->id_len = got;
    if (r->kind == OKTA_CC__P11_SLOT || r->kind == OKTA_CC__P11_TYPE)
        return okta_cc__p11_attr_special(u, r->kind, (const char *)dst, err);
    return OKTA_CC_OK;
}

/* The attributes of the path (query 0: up to '?') or the query, separated by ';' or '&'. */
static okta_cc_result okta_cc__p11_attrs_of(okta_cc_pkcs11_uri *u, const char **pp, int query,
                                            unsigned long *seen, okta_cc_error *err)
{
    const char *p = *pp;
    for (;;) {
        size_t n = strcspn(p, query ? "&" : ";?");
        okta_cc_result r = okta_cc__p11_attr(u, p, n, query, seen, err);
        if (r != OKTA_CC_OK) return r;
        p += n;
        if (*p != (query ? '&' : ';')) break;
        p++;
    }
    *pp = p;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_pkcs11_uri_parse(okta_cc_pkcs11_uri *u, const char *text,
                                                    okta_cc_error *err)
{
    unsigned long seen = 0;
    const char *p = text;
    okta_cc_result r = OKTA_CC_OK;
    okta_cc__error_reset(err);
    if (!u || !text) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no URI or no output");
    okta_cc_wipe(u, sizeof *u);
    if (strncmp(text, "pkcs11:", 7) != 0 && strncmp(text, "PKCS11:", 7) != 0)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "not a pkcs11: URI (RFC 7512)");
    u->slot_id = -1;
    p += 7;
    if (*p && *p != '?') r = okta_cc__p11_attrs_of(u, &p, 0, &seen, err);
    if (r == OKTA_CC_OK && *p == '?') {
        p++;
        r = okta_cc__p11_attrs_of(u, &p, 1, &seen, err);
    }
    if (r == OKTA_CC_OK && u->pin_value[0] && u->pin_source[0])
        r = okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "pkcs11: URI: pin-value and pin-source together");
    if (r != OKTA_CC_OK) okta_cc_wipe(u, sizeof *u);
    return r;
}

/* ---- the PKCS#11 subset (OASIS PKCS#11 v2.40, the C header's layout) ----------------------- */

typedef unsigned long okta_cc__ck_ulong;            /* CK_ULONG, and every handle and flag */
typedef void (*okta_cc__ck_fn)(void);                /* a member this file never calls */

typedef struct okta_cc__ck_version {
    unsigned char major, minor;
} okta_cc__ck_version;

typedef struct okta_cc__ck_attribute {
    okta_cc__ck_ulong type;
    void *value;
    okta_cc__ck_ulong len;
} okta_cc__ck_attribute;

typedef struct okta_cc__ck_mechanism {
    okta_cc__ck_ulong mechanism;
    void *parameter;
    okta_cc__ck_ulong len;
} okta_cc__ck_mechanism;

typedef struct okta_cc__ck_token_info {
    unsigned char label[32], manufacturer[32], model[16], serial[16];
    okta_cc__ck_ulong flags, max_session_count, session_count, max_rw_session_count, rw_session_count;
    okta_cc__ck_ulong max_pin_len, min_pin_len, total_public_memory, free_public_memory;
    okta_cc__ck_ulong total_private_memory, free_private_memory;
    okta_cc__ck_version hardware_version, firmware_version;
    unsigned char utc_time[16];
} okta_cc__ck_token_info;

typedef struct okta_cc__ck_init_args {
    okta_cc__ck_fn create_mutex, destroy_mutex, lock_mutex, unlock_mutex;
    okta_cc__ck_ulong flags;
    void *reserved;
} okta_cc__ck_init_args;

/* CK_FUNCTION_LIST: the version, then the 68 functions in the standard's order. */
typedef struct okta_cc__ck_functions {
    okta_cc__ck_version version;
    okta_cc__ck_ulong (*C_Initialize)(void *args);
    okta_cc__ck_ulong (*C_Finalize)(void *reserved);
    okta_cc__ck_fn C_GetInfo, C_GetFunctionList;
    okta_cc__ck_ulong (*C_GetSlotList)(unsigned char present, okta_cc__ck_ulong *slots, okta_cc__ck_ulong *count);
    okta_cc__ck_fn C_GetSlotInfo;
    okta_cc__ck_ulong (*C_GetTokenInfo)(okta_cc__ck_ulong slot, okta_cc__ck_token_info *info);
    okta_cc__ck_fn C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN;
    okta_cc__ck_ulong (*C_OpenSession)(okta_cc__ck_ulong slot, okta_cc__ck_ulong flags, void *app, okta_cc__ck_fn notify,
                                       okta_cc__ck_ulong *session);
    okta_cc__ck_ulong (*C_CloseSession)(okta_cc__ck_ulong session);
    okta_cc__ck_fn C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState, C_SetOperationState;
    okta_cc__ck_ulong (*C_Login)(okta_cc__ck_ulong session, okta_cc__ck_ulong user, unsigned char *pin,
                                 okta_cc__ck_ulong len);
    okta_cc__ck_fn C_Logout, C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize;
    okta_cc__ck_ulong (*C_GetAttributeValue)(okta_cc__ck_ulong session, okta_cc__ck_ulong object,
                                             okta_cc__ck_attribute *tmpl, okta_cc__ck_ulong count);
    okta_cc__ck_fn C_SetAttributeValue;
    okta_cc__ck_ulong (*C_FindObjectsInit)(okta_cc__ck_ulong session, okta_cc__ck_attribute *tmpl,
                                           okta_cc__ck_ulong count);
    okta_cc__ck_ulong (*C_FindObjects)(okta_cc__ck_ulong session, okta_cc__ck_ulong *objects, okta_cc__ck_ulong max,
                                       okta_cc__ck_ulong *count);
    okta_cc__ck_ulong (*C_FindObjectsFinal)(okta_cc__ck_ulong session);
    okta_cc__ck_fn C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal;
    okta_cc__ck_fn C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal;
    okta_cc__ck_fn C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal;
    okta_cc__ck_ulong (*C_SignInit)(okta_cc__ck_ulong session, okta_cc__ck_mechanism *mech, okta_cc__ck_ulong key);
    okta_cc__ck_ulong (*C_Sign)(okta_cc__ck_ulong session, unsigned char *data, okta_cc__ck_ulong len,
                                unsigned char *sig, okta_cc__ck_ulong *sig_len);
    okta_cc__ck_fn C_SignUpdate, C_SignFinal, C_SignRecoverInit, C_SignRecover;
    okta_cc__ck_fn C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover;
    okta_cc__ck_fn C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate, C_DecryptVerifyUpdate;
    okta_cc__ck_fn C_GenerateKey;
    okta_cc__ck_ulong (*C_GenerateKeyPair)(okta_cc__ck_ulong session, okta_cc__ck_mechanism *mech,
                                           okta_cc__ck_attribute *pub, okta_cc__ck_ulong pub_count,
                                           okta_cc__ck_attribute *priv, okta_cc__ck_ulong priv_count,
                                           okta_cc__ck_ulong *pub_key, okta_cc__ck_ulong *priv_key);
    okta_cc__ck_fn C_WrapKey, C_UnwrapKey, C_DeriveKey, C_SeedRandom, C_GenerateRandom;
    okta_cc__ck_fn C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent;
} okta_cc__ck_functions;

#define OKTA_CC__CKR_OK 0x0UL
#define OKTA_CC__CKR_DEVICE_ERROR 0x30UL
#define OKTA_CC__CKR_DEVICE_REMOVED 0x32UL
#define OKTA_CC__CKR_KEY_HANDLE_INVALID 0x60UL
#define OKTA_CC__CKR_KEY_FUNCTION_NOT_PERMITTED 0x68UL
#define OKTA_CC__CKR_OBJECT_HANDLE_INVALID 0x82UL
#define OKTA_CC__CKR_PIN_INCORRECT 0xa0UL
#define OKTA_CC__CKR_PIN_INVALID 0xa1UL
#define OKTA_CC__CKR_PIN_LEN_RANGE 0xa2UL
#define OKTA_CC__CKR_PIN_EXPIRED 0xa3UL
#define OKTA_CC__CKR_PIN_LOCKED 0xa4UL
#define OKTA_CC__CKR_SESSION_CLOSED 0xb0UL
#define OKTA_CC__CKR_SESSION_HANDLE_INVALID 0xb3UL
#define OKTA_CC__CKR_TOKEN_NOT_PRESENT 0xe0UL
#define OKTA_CC__CKR_USER_ALREADY_LOGGED_IN 0x100UL
#define OKTA_CC__CKR_USER_NOT_LOGGED_IN 0x101UL
#define OKTA_CC__CKR_CRYPTOKI_ALREADY_INITIALIZED 0x191UL
#define OKTA_CC__CKF_OS_LOCKING_OK 0x2UL
#define OKTA_CC__CKF_RW_SESSION 0x2UL
#define OKTA_CC__CKF_SERIAL_SESSION 0x4UL
#define OKTA_CC__CKU_USER 1UL
#define OKTA_CC__CKO_PUBLIC_KEY 2UL
#define OKTA_CC__CKO_PRIVATE_KEY 3UL
#define OKTA_CC__CKK_RSA 0UL
#define OKTA_CC__CKK_EC 3UL
#define OKTA_CC__CKA_CLASS 0x0UL
#define OKTA_CC__CKA_TOKEN 0x1UL
#define OKTA_CC__CKA_PRIVATE 0x2UL
#define OKTA_CC__CKA_LABEL 0x3UL
#define OKTA_CC__CKA_KEY_TYPE 0x100UL
#define OKTA_CC__CKA_ID 0x102UL
#define OKTA_CC__CKA_SENSITIVE 0x103UL
#define OKTA_CC__CKA_SIGN 0x108UL
#define OKTA_CC__CKA_VERIFY 0x10aUL
#define OKTA_CC__CKA_MODULUS 0x120UL
#define OKTA_CC__CKA_MODULUS_BITS 0x121UL
#define OKTA_CC__CKA_PUBLIC_EXPONENT 0x122UL
#define OKTA_CC__CKA_PUBLIC_KEY_INFO 0x129UL
#define OKTA_CC__CKA_EXTRACTABLE 0x162UL
#define OKTA_CC__CKA_EC_PARAMS 0x180UL
#define OKTA_CC__CKA_EC_POINT 0x181UL
#define OKTA_CC__CKM_RSA_PKCS_KEY_PAIR_GEN 0x0UL
#define OKTA_CC__CKM_SHA256_RSA_PKCS 0x40UL
#define OKTA_CC__CKM_SHA384_RSA_PKCS 0x41UL
#define OKTA_CC__CKM_SHA512_RSA_PKCS 0x42UL
#define OKTA_CC__CKM_EC_KEY_PAIR_GEN 0x1040UL
#define OKTA_CC__CKM_ECDSA 0x1041UL
#define OKTA_CC__CK_UNAVAILABLE ((okta_cc__ck_ulong)-1)

/* ---- an open key --------------------------------------------------------------------------- */

struct okta_cc_pkcs11 {
    okta_cc_allocator alloc;
    void *lib;                              /* dlopen's handle */
    okta_cc__ck_functions *f;
    int initialised;                        /* our C_Initialize succeeded: close finalizes */
    long pid;                               /* the process whose session this is */
    okta_cc__ck_ulong slot, session, key, key_type;
    int have_session;
    okta_cc_pkcs11_uri uri;                 /* what names the key (its pin_value wiped) */
    char pin[OKTA_CC_PKCS11_TEXT_MAX];      /* kept for a forked child's login; wiped */
    int have_pin;
    unsigned char n[OKTA_CC_RSA_MAX_BYTES], e[8], point[1 + 2 * OKTA_CC_EC_MAX_BYTES];
    size_t n_len, e_len, point_len;
    okta_cc_signer signer;
    char what[160];                         /* the key for messages: token and object, no PIN */
#ifndef OKTA_CC_NO_THREADS
    pthread_mutex_t lock;                   /* the session: one operation at a time */
#endif
};

#ifndef OKTA_CC_NO_THREADS
#define OKTA_CC__P11_LOCK(p) pthread_mutex_lock(&(p)->lock)
#define OKTA_CC__P11_UNLOCK(p) pthread_mutex_unlock(&(p)->lock)
#else
#define OKTA_CC__P11_LOCK(p) ((void)0)
#define OKTA_CC__P11_UNLOCK(p) ((void)0)
#endif

/* The name of a return value for messages; "" for one without a line here. */
static const char *okta_cc__p11_rv_name(okta_cc__ck_ulong rv)
{
    switch (rv) {
    case OKTA_CC__CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
    case OKTA_CC__CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
    case OKTA_CC__CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
    case OKTA_CC__CKR_KEY_FUNCTION_NOT_PERMITTED: return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case OKTA_CC__CKR_OBJECT_HANDLE_INVALID: return "CKR_OBJECT_HANDLE_INVALID";
    case OKTA_CC__CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case OKTA_CC__CKR_PIN_INVALID: return "CKR_PIN_INVALID";
    case OKTA_CC__CKR_PIN_LEN_RANGE: return "CKR_PIN_LEN_RANGE";
    case OKTA_CC__CKR_PIN_EXPIRED: return "CKR_PIN_EXPIRED";
    case OKTA_CC__CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case OKTA_CC__CKR_SESSION_CLOSED: return "CKR_SESSION_CLOSED";
    case OKTA_CC__CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
    case OKTA_CC__CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case OKTA_CC__CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    default: return "";
    }
}

/* A failed call as one line: "PKCS#11 <what> of <key>: <why> (CKR_..., 0x...)". A token
   gone (removed, its session lost) is said so; every failure of the device is
   OKTA_CC_ERR_DEVICE. */
static okta_cc_result okta_cc__p11_fail(const okta_cc_pkcs11 *p, okta_cc_error *err, const char *call,
                                        okta_cc__ck_ulong rv)
{
    const char *why = "the token refused";
    if (rv == OKTA_CC__CKR_DEVICE_REMOVED || rv == OKTA_CC__CKR_TOKEN_NOT_PRESENT ||
        rv == OKTA_CC__CKR_SESSION_HANDLE_INVALID || rv == OKTA_CC__CKR_SESSION_CLOSED ||
        rv == OKTA_CC__CKR_DEVICE_ERROR || rv == OKTA_CC__CKR_KEY_HANDLE_INVALID ||
        rv == OKTA_CC__CKR_OBJECT_HANDLE_INVALID)
        why = "the token was removed or its session lost";
    return okta_cc__fail(err, OKTA_CC_ERR_DEVICE, "PKCS#11 %s of %s: %s (%s%s0x%lx)", call, p->what, why,
                         okta_cc__p11_rv_name(rv), okta_cc__p11_rv_name(rv)[0] ? ", " : "", rv);
}

/* ---- the module ---------------------------------------------------------------------------- */

/* C_Initialize with CKF_OS_LOCKING_OK: the module may be called from several threads (each
   key's session is locked by us). A module another user in this process initialised already
   is used as it is, and left for that user to finalize. */
static okta_cc__ck_ulong okta_cc__p11_initialize(okta_cc_pkcs11 *p)
{
    okta_cc__ck_init_args args;
    okta_cc__ck_ulong rv;
    memset(&args, 0, sizeof args);
    args.flags = OKTA_CC__CKF_OS_LOCKING_OK;
    rv = p->f->C_Initialize(&args);
    p->initialised = rv == OKTA_CC__CKR_OK;
    return rv == OKTA_CC__CKR_CRYPTOKI_ALREADY_INITIALIZED ? OKTA_CC__CKR_OK : rv;
}

/* dlopen, C_GetFunctionList, C_Initialize. */
static okta_cc_result okta_cc__p11_load(okta_cc_pkcs11 *p, const char *module, okta_cc_error *err)
{
    okta_cc__ck_ulong (*get_list)(okta_cc__ck_functions **) = NULL;
    void *sym;
    okta_cc__ck_ulong rv;
    if (!module || !module[0])
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "no PKCS#11 module: give its path (okta-cc --pkcs11-module, OKTA_CC_PKCS11_MODULE, "
                             "or module-path in the URI)");
    p->lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!p->lib)
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "PKCS#11 module %s cannot be loaded: %s", module, dlerror());
    sym = dlsym(p->lib, "C_GetFunctionList");
    memcpy(&get_list, &sym, sizeof sym < sizeof get_list ? sizeof sym : sizeof get_list);  /* ISO C has no void* to function cast */
    if (!sym || get_list(&p->f) != OKTA_CC__CKR_OK || !p->f)
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "%s is not a PKCS#11 module (no C_GetFunctionList)", module);
    if (p->f->version.major < 2)
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "%s speaks PKCS#11 %u.%u; 2.x or later is needed", module,
                             p->f->version.major, p->f->version.minor);
    rv = okta_cc__p11_initialize(p);
    if (rv != OKTA_CC__CKR_OK) return okta_cc__p11_fail(p, err, "C_Initialize", rv);
    p->pid = (long)getpid();
    return OKTA_CC_OK;
}

/* A blank-padded CK_TOKEN_INFO field equals want ("" matches anything). */
static int okta_cc__p11_field_is(const unsigned char *field, size_t width, const char *want)
{
    size_t n = strlen(want), i;
    if (!n) return 1;
    if (n > width || memcmp(field, want, n) != 0) return 0;
    for (i = n; i < width; i++) if (field[i] != ' ' && field[i] != 0) return 0;
    return 1;
}

/* The slot of the first token that matches the URI. */
static okta_cc_result okta_cc__p11_find_token(okta_cc_pkcs11 *p, okta_cc_error *err)
{
    okta_cc__ck_ulong slots[64], count = 64, i, rv;
    okta_cc__ck_token_info ti;
    rv = p->f->C_GetSlotList(1, slots, &count);
    if (rv != OKTA_CC__CKR_OK) return okta_cc__p11_fail(p, err, "C_GetSlotList", rv);
    for (i = 0; i < count && i < 64; i++) {
        if (p->uri.slot_id >= 0 && slots[i] != (okta_cc__ck_ulong)p->uri.slot_id) continue;
        if (p->f->C_GetTokenInfo(slots[i], &ti) != OKTA_CC__CKR_OK) continue;
        if (okta_cc__p11_field_is(ti.label, sizeof ti.label, p->uri.token) &&
            okta_cc__p11_field_is(ti.manufacturer, sizeof ti.manufacturer, p->uri.manufacturer) &&
            okta_cc__p11_field_is(ti.model, sizeof ti.model, p->uri.model) &&
            okta_cc__p11_field_is(ti.serial, sizeof ti.serial, p->uri.serial)) {
            p->slot = slots[i];
            return OKTA_CC_OK;
        }
    }
    return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "PKCS#11: no token matches %s (%lu with a token present)",
                         p->what, count);
}

/* A session on the token, logged in when there is a PIN. C_Login runs once: a wrong PIN is
   reported, never tried again (each try counts towards the token's lock-out). */
static okta_cc_result okta_cc__p11_session(okta_cc_pkcs11 *p, int rw, okta_cc_error *err)
{
    okta_cc__ck_ulong rv;
    rv = p->f->C_OpenSession(p->slot, OKTA_CC__CKF_SERIAL_SESSION | (rw ? OKTA_CC__CKF_RW_SESSION : 0), NULL,
                             NULL, &p->session);
    if (rv != OKTA_CC__CKR_OK) return okta_cc__p11_fail(p, err, "C_OpenSession", rv);
    p->have_session = 1;
    if (!p->have_pin) return OKTA_CC_OK;
    rv = p->f->C_Login(p->session, OKTA_CC__CKU_USER, (unsigned char *)p->pin, (okta_cc__ck_ulong)strlen(p->pin));
    if (rv == OKTA_CC__CKR_OK || rv == OKTA_CC__CKR_USER_ALREADY_LOGGED_IN) return OKTA_CC_OK;
    if (rv == OKTA_CC__CKR_PIN_INCORRECT || rv == OKTA_CC__CKR_PIN_INVALID || rv == OKTA_CC__CKR_PIN_LEN_RANGE)
        return okta_cc__fail(err, OKTA_CC_ERR_DEVICE,
                             "PKCS#11 login to %s: wrong PIN (%s); tried once and not again, so the token is "
                             "not locked by us", p->what, okta_cc__p11_rv_name(rv));
    if (rv == OKTA_CC__CKR_PIN_LOCKED || rv == OKTA_CC__CKR_PIN_EXPIRED)
        return okta_cc__fail(err, OKTA_CC_ERR_DEVICE, "PKCS#11 login to %s: the PIN is %s (%s)", p->what,
                             rv == OKTA_CC__CKR_PIN_LOCKED ? "locked" : "expired", okta_cc__p11_rv_name(rv));
    return okta_cc__p11_fail(p, err, "C_Login", rv);
}

/* Up to max objects of a class that carry the URI's label and id; *count gets how many. */
static okta_cc__ck_ulong okta_cc__p11_find(okta_cc_pkcs11 *p, okta_cc__ck_ulong cls, okta_cc__ck_ulong *found,
                                           okta_cc__ck_ulong max, okta_cc__ck_ulong *count)
{
    okta_cc__ck_attribute t[3];
    okta_cc__ck_ulong n = 0, rv;
    t[n].type = OKTA_CC__CKA_CLASS, t[n].value = &cls, t[n++].len = sizeof cls;
    if (p->uri.object[0])
        t[n].type = OKTA_CC__CKA_LABEL, t[n].value = p->uri.object, t[n++].len = strlen(p->uri.object);
    if (p->uri.id_len) t[n].type = OKTA_CC__CKA_ID, t[n].value = p->uri.id, t[n++].len = p->uri.id_len;
    *count = 0;
    rv = p->f->C_FindObjectsInit(p->session, t, n);
    if (rv != OKTA_CC__CKR_OK) return rv;
    rv = p->f->C_FindObjects(p->session, found, max, count);
    p->f->C_FindObjectsFinal(p->session);
    return rv;
}

/* The one private key the URI names. None, but a public key of that name: the private half is
   not in this token (or not visible without the PIN). */
static okta_cc_result okta_cc__p11_find_key(okta_cc_pkcs11 *p, okta_cc_error *err)
{
    okta_cc__ck_ulong found[2], count = 0, rv;
    if (!p->uri.object[0] && !p->uri.id_len)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "the pkcs11: URI names no key: add object= or id=");
    if (p->uri.type[0] && strcmp(p->uri.type, "private") != 0)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "the pkcs11: URI asks for type=%s; only a private key signs (type=private)", p->uri.type);
    rv = okta_cc__p11_find(p, OKTA_CC__CKO_PRIVATE_KEY, found, 2, &count);
    if (rv != OKTA_CC__CKR_OK) return okta_cc__p11_fail(p, err, "C_FindObjects", rv);
    if (count == 1) {
        p->key = found[0];
        return OKTA_CC_OK;
    }
    if (count > 1)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "PKCS#11: more than one private key matches %s: add id=", p->what);
    if (okta_cc__p11_find(p, OKTA_CC__CKO_PUBLIC_KEY, found, 1, &count) == OKTA_CC__CKR_OK && count)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_PUBLIC_ONLY,
                             "PKCS#11: %s is a public key only: its private key is not in the token%s", p->what,
                             p->have_pin ? "" : " (or not visible without a PIN)");
    return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "PKCS#11: no private key matches %s%s", p->what,
                         p->have_pin ? "" : " (no PIN given: private keys are usually visible only after login)");
}

/* ---- the public key, read from the token --------------------------------------------------- */

/* One attribute of obj into buf[cap]: its length, or 0 when it is absent or does not fit. */
static size_t okta_cc__p11_get(okta_cc_pkcs11 *p, okta_cc__ck_ulong obj, okta_cc__ck_ulong type, void *buf,
                               size_t cap)
{
    okta_cc__ck_attribute a;
    a.type = type, a.value = buf, a.len = cap;
    if (p->f->C_GetAttributeValue(p->session, obj, &a, 1) != OKTA_CC__CKR_OK || a.len == OKTA_CC__CK_UNAVAILABLE ||
        a.len > cap)
        return 0;
    return a.len;
}

static int okta_cc__p11_set_rsa(okta_cc_pkcs11 *p, const unsigned char *n, size_t n_len, const unsigned char *e,
                                size_t e_len)
{
    return okta_cc__copy_uint(p->n, sizeof p->n, &p->n_len, n, n_len) &&
           okta_cc__copy_uint(p->e, sizeof p->e, &p->e_len, e, e_len) && p->n_len && p->e_len;
}

/* CKA_MODULUS and CKA_PUBLIC_EXPONENT of obj. */
static int okta_cc__p11_read_rsa(okta_cc_pkcs11 *p, okta_cc__ck_ulong obj)
{
    unsigned char n[OKTA_CC_RSA_MAX_BYTES + 1], e[16];
    size_t n_len = okta_cc__p11_get(p, obj, OKTA_CC__CKA_MODULUS, n, sizeof n);
    size_t e_len = okta_cc__p11_get(p, obj, OKTA_CC__CKA_PUBLIC_EXPONENT, e, sizeof e);
    return n_len && e_len && okta_cc__p11_set_rsa(p, n, n_len, e, e_len);
}

/* A CKA_EC_POINT value: the DER OCTET STRING around 04||x||y the standard asks for, or the bare
   point some modules give (the lengths differ: 65, 97, 133 bare; 67, 99, 136 wrapped). */
static int okta_cc__p11_set_point(okta_cc_pkcs11 *p, const unsigned char *v, size_t n)
{
    okta_cc__der in, os;
    if (!((n == 65 || n == 97 || n == 133) && v[0] == 0x04)) {
        in.p = v, in.n = n;
        if (okta_cc__der_next(&in, &os) != 0x04 || in.n) return 0;
        v = os.p, n = os.n;
    }
    if (!n || n > sizeof p->point) return 0;
    memcpy(p->point, v, n);
    p->point_len = n;
    return 1;
}

/* CKA_PUBLIC_KEY_INFO, a SubjectPublicKeyInfo: the EC point, or RSA's n and e. */
static int okta_cc__p11_spki(okta_cc_pkcs11 *p, const unsigned char *v, size_t n)
{
    okta_cc__der in, seq, alg, bits, rsa, ni, ei;
    in.p = v, in.n = n;
    if (okta_cc__der_next(&in, &seq) != 0x30 || okta_cc__der_next(&seq, &alg) != 0x30 ||
        okta_cc__der_next(&seq, &bits) != 0x03 || !bits.n || bits.p[0] != 0)
        return 0;
    bits.p++, bits.n--;
    if (p->key_type == OKTA_CC__CKK_EC) return okta_cc__p11_set_point(p, bits.p, bits.n);
    in = bits;
    if (okta_cc__der_next(&in, &rsa) != 0x30 || okta_cc__der_next(&rsa, &ni) != 0x02 ||
        okta_cc__der_next(&rsa, &ei) != 0x02)
        return 0;
    return okta_cc__p11_set_rsa(p, ni.p, ni.n, ei.p, ei.n);
}

/* The key's type, that it may sign, and its public key: RSA's from the private object (or its
   public twin), EC's CKA_EC_POINT from the public object of the same label and id, else
   CKA_PUBLIC_KEY_INFO of the private object (PKCS#11 3.0). */
static okta_cc_result okta_cc__p11_read_public(okta_cc_pkcs11 *p, okta_cc_error *err)
{
    unsigned char buf[1024], can_sign = 1;
    okta_cc__ck_ulong pub = 0, count = 0;
    size_t n = 0;
    int ok;
    if (!okta_cc__p11_get(p, p->key, OKTA_CC__CKA_KEY_TYPE, &p->key_type, sizeof p->key_type))
        return okta_cc__fail(err, OKTA_CC_ERR_DEVICE, "PKCS#11: the key type of %s cannot be read", p->what);
    if (okta_cc__p11_get(p, p->key, OKTA_CC__CKA_SIGN, &can_sign, 1) && !can_sign)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED, "PKCS#11: %s cannot sign (its CKA_SIGN is false)", p->what);
    if (p->key_type != OKTA_CC__CKK_RSA && p->key_type != OKTA_CC__CKK_EC)
        return okta_cc__fail(err, OKTA_CC_ERR_KEY_UNSUPPORTED, "PKCS#11: %s is neither an RSA nor an EC key", p->what);
    if (okta_cc__p11_find(p, OKTA_CC__CKO_PUBLIC_KEY, &pub, 1, &count) != OKTA_CC__CKR_OK) count = 0;
    if (p->key_type == OKTA_CC__CKK_RSA)
        ok = okta_cc__p11_read_rsa(p, p->key) || (count && okta_cc__p11_read_rsa(p, pub));
    else
        ok = count && (n = okta_cc__p11_get(p, pub, OKTA_CC__CKA_EC_POINT, buf, sizeof buf)) != 0 &&
             okta_cc__p11_set_point(p, buf, n);
    if (!ok && (n = okta_cc__p11_get(p, p->key, OKTA_CC__CKA_PUBLIC_KEY_INFO, buf, sizeof buf)) != 0)
        ok = okta_cc__p11_spki(p, buf, n);
    if (!ok)
        return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND,
                             "PKCS#11: the public key of %s cannot be read from the token (no CKA_MODULUS, no "
                             "CKA_EC_POINT of a public key with its label or id, no CKA_PUBLIC_KEY_INFO)", p->what);
    return OKTA_CC_OK;
}

/* ---- signing, in this process or a forked child -------------------------------------------- */

/* In a forked child: PKCS#11 wants C_Initialize again before any other call. The parent's
   session is neither used nor closed (it is the parent's); a new one is opened, logged in
   (once) and the key found again. A module that reports itself initialised already (it kept
   the parent's state, or another key of this child initialised it) is used as it is. */
static okta_cc_result okta_cc__p11_reattach(okta_cc_pkcs11 *p, okta_cc_error *err)
{
    okta_cc__ck_ulong rv;
    okta_cc_result r;
    p->have_session = 0;
    p->pid = (long)getpid();
    rv = okta_cc__p11_initialize(p);
    if (rv != OKTA_CC__CKR_OK) return okta_cc__p11_fail(p, err, "C_Initialize (in a forked child)", rv);
    r = okta_cc__p11_find_token(p, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_session(p, 0, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_find_key(p, err);
    return r;
}

/* The signer's sign function (okta_cc_sign_fn): RSA with CKM_SHA*_RSA_PKCS over the data, EC
   with CKM_ECDSA over the digest (the module answers r||s, or DER, which the caller converts).
   The session takes one operation at a time: the lock spans C_SignInit and C_Sign. */
static okta_cc_result okta_cc__p11_sign(void *user, okta_cc_alg alg, const unsigned char *data, size_t len,
                                        const unsigned char *digest, size_t digest_len, unsigned char *out,
                                        size_t cap, size_t *out_len, okta_cc_error *err)
{
    okta_cc_pkcs11 *p = (okta_cc_pkcs11 *)user;
    int ec = p->key_type == OKTA_CC__CKK_EC;
    okta_cc__ck_mechanism m;
    okta_cc__ck_ulong rv = OKTA_CC__CKR_OK, n = cap;
    okta_cc_result r = OKTA_CC_OK;
    memset(&m, 0, sizeof m);
    m.mechanism = ec ? OKTA_CC__CKM_ECDSA
                     : alg == OKTA_CC_ALG_RS384 ? OKTA_CC__CKM_SHA384_RSA_PKCS
                     : alg == OKTA_CC_ALG_RS512 ? OKTA_CC__CKM_SHA512_RSA_PKCS : OKTA_CC__CKM_SHA256_RSA_PKCS;
    OKTA_CC__P11_LOCK(p);
    if (p->pid != (long)getpid()) r = okta_cc__p11_reattach(p, err);
    if (r == OKTA_CC_OK) {
        rv = p->f->C_SignInit(p->session, &m, p->key);
        if (rv == OKTA_CC__CKR_OK)
            rv = p->f->C_Sign(p->session, (unsigned char *)(ec ? digest : data),
                              (okta_cc__ck_ulong)(ec ? digest_len : len), out, &n);
        if (rv != OKTA_CC__CKR_OK) r = okta_cc__p11_fail(p, err, "signing", rv);
        else *out_len = n;
    }
    OKTA_CC__P11_UNLOCK(p);
    return r;
}

/* ---- opening, generating, closing ---------------------------------------------------------- */

/* The PIN: the URI's pin-value, else the first line of the file its pin-source names (a path
   or a file: URI), else the argument. None: no login. */
static okta_cc_result okta_cc__p11_pin(okta_cc_pkcs11 *p, const char *pin, okta_cc_error *err)
{
    const char *src = p->uri.pin_source;
    char *text = NULL;
    size_t len = 0, n;
    okta_cc_result r;
    if (p->uri.pin_value[0]) pin = p->uri.pin_value;
    if (!pin && !src[0]) return OKTA_CC_OK;
    if (src[0]) {
        if (src[0] == '|')
            return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "pin-source: a command (|...) is not run; name a file");
        if (strncmp(src, "file:", 5) == 0) src += strncmp(src + 5, "//", 2) == 0 ? 7 : 5;
        r = okta_cc_read_file(src, 4096, &p->alloc, &text, &len, err);
        if (r != OKTA_CC_OK) return r;
        n = strcspn(text, "\r\n");
        text[n] = '\0';
        pin = text;
    }
    n = strlen(pin);
    if (n < sizeof p->pin) memcpy(p->pin, pin, n + 1);
    okta_cc_free_wiped(&p->alloc, text, len);
    okta_cc_wipe(p->uri.pin_value, sizeof p->uri.pin_value);
    if (n >= sizeof p->pin)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "the PIN is longer than %d bytes",
                             OKTA_CC_PKCS11_TEXT_MAX - 1);
    p->have_pin = 1;
    return OKTA_CC_OK;
}

/* "pkcs11:token=T;object=O;id=%01%02" for messages: what names the key, never the PIN. */
static void okta_cc__p11_describe(okta_cc_pkcs11 *p)
{
    size_t n, i;
    n = (size_t)snprintf(p->what, sizeof p->what, "pkcs11:%s%s%s%s%s", p->uri.token[0] ? "token=" : "",
                         p->uri.token, p->uri.token[0] && p->uri.object[0] ? ";" : "",
                         p->uri.object[0] ? "object=" : "", p->uri.object);
    for (i = 0; i < p->uri.id_len && n + 8 < sizeof p->what; i++)
        n += (size_t)snprintf(p->what + n, sizeof p->what - n, "%s%%%02x", i ? "" : n > 7 ? ";id=" : "id=",
                              p->uri.id[i]);
}

/* A new object: the URI parsed, the PIN resolved, the module loaded, the token found and a
   session open (rw: one that may create objects) and logged in. */
static okta_cc_result okta_cc__p11_start(okta_cc_pkcs11 **out, const char *module, const char *uri,
                                         const char *pin, const okta_cc_allocator *alloc, int rw,
                                         okta_cc_error *err)
{
    okta_cc_pkcs11 *p;
    okta_cc_result r;
    *out = NULL;
    if (alloc && (!alloc->malloc_fn) != (!alloc->free_fn))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "the allocator needs both malloc_fn and free_fn, or neither");
    p = (okta_cc_pkcs11 *)okta_cc__malloc(alloc, sizeof *p);
    if (!p) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    memset(p, 0, sizeof *p);
    if (alloc) p->alloc = *alloc;
    p->pid = (long)getpid();
#ifndef OKTA_CC_NO_THREADS
    pthread_mutex_init(&p->lock, NULL);
#endif
    *out = p;
    r = okta_cc_pkcs11_uri_parse(&p->uri, uri, err);
    if (r != OKTA_CC_OK) return r;
    okta_cc__p11_describe(p);
    r = okta_cc__p11_pin(p, pin, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_load(p, module ? module : p->uri.module_path, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_find_token(p, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_session(p, rw, err);
    return r;
}

/* The key found (or just made), its public key read and checked, the signer set. */
static okta_cc_result okta_cc__p11_finish(okta_cc_pkcs11 *p, okta_cc_error *err)
{
    okta_cc_key check;
    okta_cc_result r = okta_cc__p11_find_key(p, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_read_public(p, err);
    if (r != OKTA_CC_OK) return r;
    memset(&p->signer, 0, sizeof p->signer);
    if (p->key_type == OKTA_CC__CKK_RSA) {
        p->signer.rsa_n = p->n, p->signer.rsa_n_len = p->n_len;
        p->signer.rsa_e = p->e, p->signer.rsa_e_len = p->e_len;
    } else {
        p->signer.ec_point = p->point, p->signer.ec_point_len = p->point_len;
    }
    p->signer.sign = okta_cc__p11_sign;
    p->signer.user = p;
    r = okta_cc_key_from_signer(&check, &p->signer, err);     /* the public key is checked here */
    okta_cc_key_wipe(&check);
    return r;
}

OKTA_CC_DEF okta_cc_result okta_cc_pkcs11_open(okta_cc_pkcs11 **out, const char *module, const char *uri,
                                               const char *pin, const okta_cc_allocator *alloc,
                                               okta_cc_error *err)
{
    okta_cc_pkcs11 *p = NULL;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!out || !uri) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no output or no pkcs11: URI");
    r = okta_cc__p11_start(&p, module, uri, pin, alloc, 0, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_finish(p, err);
    if (r != OKTA_CC_OK) {
        okta_cc_pkcs11_close(p);
        p = NULL;
    }
    *out = p;
    return r;
}

#define OKTA_CC__P11_SET(t, i, ty, v, l) \
    ((t)[i].type = (ty), (t)[i].value = (void *)(v), (t)[i].len = (okta_cc__ck_ulong)(l), (i)++)

/* C_GenerateKeyPair: RSA (bits, e = 65537) or EC (the curve of bits), labelled with the URI's
   object and id. The private key: on the token, private, sensitive, never extractable, for
   signing only. */
static okta_cc_result okta_cc__p11_keypair(okta_cc_pkcs11 *p, okta_cc_key_type type, unsigned bits,
                                           okta_cc_error *err)
{
    static const unsigned char p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    static const unsigned char p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    static const unsigned char p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
    static const unsigned char e65537[] = {0x01, 0x00, 0x01};
    unsigned char yes = 1, no = 0;
    const unsigned char *curve = bits == 256 ? p256 : bits == 384 ? p384 : p521;
    size_t curve_len = bits == 256 ? sizeof p256 : sizeof p384;
    okta_cc__ck_ulong mbits = bits, pub_h = 0, priv_h = 0, rv, np = 0, nk = 0;
    okta_cc__ck_attribute pub[6], priv[8];
    okta_cc__ck_mechanism m;
    memset(&m, 0, sizeof m);
    m.mechanism = type == OKTA_CC_KEY_RSA ? OKTA_CC__CKM_RSA_PKCS_KEY_PAIR_GEN : OKTA_CC__CKM_EC_KEY_PAIR_GEN;
    OKTA_CC__P11_SET(pub, np, OKTA_CC__CKA_TOKEN, &yes, 1);
    OKTA_CC__P11_SET(pub, np, OKTA_CC__CKA_VERIFY, &yes, 1);
    OKTA_CC__P11_SET(pub, np, OKTA_CC__CKA_LABEL, p->uri.object, strlen(p->uri.object));
    if (type == OKTA_CC_KEY_RSA) {
        OKTA_CC__P11_SET(pub, np, OKTA_CC__CKA_MODULUS_BITS, &mbits, sizeof mbits);
        OKTA_CC__P11_SET(pub, np, OKTA_CC__CKA_PUBLIC_EXPONENT, e65537, sizeof e65537);
    } else {
        OKTA_CC__P11_SET(pub, np, OKTA_CC__CKA_EC_PARAMS, curve, curve_len);
    }
    OKTA_CC__P11_SET(priv, nk, OKTA_CC__CKA_TOKEN, &yes, 1);
    OKTA_CC__P11_SET(priv, nk, OKTA_CC__CKA_PRIVATE, &yes, 1);
    OKTA_CC__P11_SET(priv, nk, OKTA_CC__CKA_SENSITIVE, &yes, 1);
    OKTA_CC__P11_SET(priv, nk, OKTA_CC__CKA_EXTRACTABLE, &no, 1);
    OKTA_CC__P11_SET(priv, nk, OKTA_CC__CKA_SIGN, &yes, 1);
    OKTA_CC__P11_SET(priv, nk, OKTA_CC__CKA_LABEL, p->uri.object, strlen(p->uri.object));
    if (p->uri.id_len) {
        OKTA_CC__P11_SET(pub, np, OKTA_CC__CKA_ID, p->uri.id, p->uri.id_len);
        OKTA_CC__P11_SET(priv, nk, OKTA_CC__CKA_ID, p->uri.id, p->uri.id_len);
    }
    rv = p->f->C_GenerateKeyPair(p->session, &m, pub, np, priv, nk, &pub_h, &priv_h);
    if (rv != OKTA_CC__CKR_OK) return okta_cc__p11_fail(p, err, "key generation", rv);
    return OKTA_CC_OK;
}

/* Generation's preconditions: a size we sign with, a name, a PIN, and no key of that name. */
static okta_cc_result okta_cc__p11_can_generate(okta_cc_pkcs11 *p, okta_cc_key_type type, unsigned bits,
                                                okta_cc_error *err)
{
    okta_cc__ck_ulong found, count = 0, count2 = 0;
    if (!((type == OKTA_CC_KEY_RSA && (bits == 2048 || bits == 3072 || bits == 4096)) ||
          (type == OKTA_CC_KEY_EC && (bits == 256 || bits == 384 || bits == 521))))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "a token key is RSA 2048, 3072 or 4096, or EC 256, 384 or 521 (P-256, P-384, P-521)");
    if (!p->uri.object[0])
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "generating a key needs object=NAME in the pkcs11: URI");
    if (p->uri.type[0] && strcmp(p->uri.type, "private") != 0)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "generating a key: type must be private");
    if (!p->have_pin)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "generating a key in %s needs the token's PIN", p->what);
    okta_cc__p11_find(p, OKTA_CC__CKO_PRIVATE_KEY, &found, 1, &count);
    okta_cc__p11_find(p, OKTA_CC__CKO_PUBLIC_KEY, &found, 1, &count2);
    if (count || count2)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "PKCS#11: a key %s is in the token already: nothing generated (choose another "
                             "object= or delete it)", p->what);
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_pkcs11_generate(okta_cc_pkcs11 **out, const char *module, const char *uri,
                                                   const char *pin, okta_cc_key_type type, unsigned bits,
                                                   const okta_cc_allocator *alloc, okta_cc_error *err)
{
    okta_cc_pkcs11 *p = NULL;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!out || !uri) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no output or no pkcs11: URI");
    r = okta_cc__p11_start(&p, module, uri, pin, alloc, 1, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_can_generate(p, type, bits, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_keypair(p, type, bits, err);
    if (r == OKTA_CC_OK) r = okta_cc__p11_finish(p, err);
    if (r != OKTA_CC_OK) {
        okta_cc_pkcs11_close(p);
        p = NULL;
    }
    *out = p;
    return r;
}

OKTA_CC_DEF const okta_cc_signer *okta_cc_pkcs11_signer(const okta_cc_pkcs11 *p)
{
    return p && p->signer.sign ? &p->signer : NULL;
}

OKTA_CC_DEF void okta_cc_pkcs11_close(okta_cc_pkcs11 *p)
{
    okta_cc_allocator a;
    if (!p) return;
    a = p->alloc;
    /* In a child that never signed, the session and the module's state are the parent's. */
    if (p->pid == (long)getpid()) {
        if (p->have_session) p->f->C_CloseSession(p->session);
        if (p->initialised) p->f->C_Finalize(NULL);
        if (p->lib) dlclose(p->lib);
    }
#ifndef OKTA_CC_NO_THREADS
    pthread_mutex_destroy(&p->lock);
#endif
    okta_cc_wipe(p, sizeof *p);
    okta_cc__free(&a, p);
}

#endif /* OKTA_CC_PKCS11 */

/* ---------------------------------------------------------------------------------------------
   >>assertion  Client assertion (RFC 7523 private_key_jwt)
   uses: >>result >>b64url >>json >>rng >>jws
   ------------------------------------------------------------------------------------------- */

/* The RFC 7523 claims {"iss","sub","aud","jti","iat","exp"} into claims[cap]. */
static okta_cc_result okta_cc__assertion_claims(const okta_cc_assertion *a, const char *jti, int ttl,
                                                char *claims, size_t cap, size_t *claims_len,
                                                okta_cc_error *err)
{
    okta_cc_json_writer w;
    okta_cc_json_writer_init(&w, claims, cap);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "iss");
    okta_cc_json_write_string(&w, a->client_id);
    okta_cc_json_write_key(&w, "sub");
    okta_cc_json_write_string(&w, a->client_id);
    okta_cc_json_write_key(&w, "aud");
    okta_cc_json_write_string(&w, a->audience);
    okta_cc_json_write_key(&w, "jti");
    okta_cc_json_write_string(&w, jti);
    okta_cc_json_write_key(&w, "iat");
    okta_cc_json_write_int64(&w, a->issued_at);
    okta_cc_json_write_key(&w, "exp");
    okta_cc_json_write_int64(&w, a->issued_at + ttl);
    okta_cc_json_write_object_end(&w);
    if (okta_cc_json_writer_finish(&w, claims_len, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "client id, audience or jti too long or not UTF-8");
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_assertion_sign(const okta_cc_key *key, okta_cc_alg alg,
                                                    const okta_cc_assertion *a, okta_cc_rng *rng,
                                                    char *out, size_t cap, size_t *out_len,
                                                    okta_cc_error *err)
{
    char claims[2048], jti[40];
    size_t claims_len = 0;
    int ttl;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!a || !a->client_id || !a->client_id[0] || !a->audience || !a->audience[0])
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "client assertion needs a client id and an audience");
    ttl = a->ttl ? a->ttl : 300;
    if (ttl < 1 || ttl > 3600)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "assertion lifetime must be 1..3600 s (Okta refuses more than an hour)");
    if (!a->jti) {
        unsigned char raw[24];   /* 192 bits */
        if (!rng || okta_cc_rng_bytes(rng, raw, sizeof raw, NULL) != OKTA_CC_OK)
            return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "no randomness for the assertion jti");
        okta_cc_b64url_encode(raw, sizeof raw, jti, sizeof jti, NULL, NULL);
    }
    r = okta_cc__assertion_claims(a, a->jti ? a->jti : jti, ttl, claims, sizeof claims, &claims_len, err);
    if (r != OKTA_CC_OK) return r;
    return okta_cc_jwt_sign(key, alg, a->kid, claims, claims_len, out, cap, out_len, err);
}

/* ---------------------------------------------------------------------------------------------
   >>url        URLs: text rules, normalisation, joining, origins, redaction
   uses: >>result

   Every rule about URLs has its home here: first the text rules (what may reach a request
   line, hosts, origins; no client needed, so DPoP proofs use them), then the client's URLs
   (the org and token URLs normalised, joins, the origin check, redaction).
   ------------------------------------------------------------------------------------------- */


/* 1 when s holds a control byte (0x00-0x1F, 0x7F; HTAB allowed when tab_ok). In a header value
   or URL, CR or LF would end the line and make the rest a header or request of its own. */
static int okta_cc__has_ctl(const char *s, int tab_ok)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch < 0x20 && !(ch == '\t' && tab_ok)) || ch == 0x7f) return 1;
    }
    return 0;
}

/* A URL (or path) fit for the request line: no control byte and no space (RFC 3986 has none;
   a space would split the request line). */
static int okta_cc__url_text_ok(const char *s)
{
    return !okta_cc__has_ctl(s, 0) && !strchr(s, ' ');
}

/* A tchar (RFC 9110 section 5.6.2): what methods and Link parameter names are made of. */
static int okta_cc__is_tchar(char ch)
{
    return okta_cc__is_alnum((unsigned char)ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* An RFC 9110 token, which is all a method may be: 1*tchar. */
static int okta_cc__http_token(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!okta_cc__is_tchar(*s)) return 0;
    return 1;
}

/* The origin of an http(s) URL in one spelling (RFC 3986 section 6.2.2 and 6.2.3): scheme and
   host in lower case, the port without leading zeros and left out when it is the scheme's
   default. Two URLs are on one origin exactly when these texts are equal. */
typedef struct okta_cc__origin {
    char text[280];                 /* "https://host[:port]" */
    size_t host_off, host_len;      /* the host inside text */
    int https;
    const char *rest;               /* what follows the authority in the URL parsed */
} okta_cc__origin;

/* ASCII case-insensitive: does s start with prefix (given in lower case)? */
static int okta_cc__istarts(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (okta_cc__lower((unsigned char)*s) != *prefix) return 0;
    return 1;
}

/* An RFC 3986 unreserved character (ALPHA / DIGIT / "-" / "." / "_" / "~"): what a DNS name
   here and an authorization server id are made of. */
static int okta_cc__is_unreserved(char ch)
{
    return okta_cc__is_alnum((unsigned char)ch) || (ch != '\0' && strchr("-._~", ch) != NULL);
}

/* Length of the host at s: a bracketed IPv6 literal, or a DNS name (letters, digits, -._~);
   0 for anything else. No percent-encoding: a host has one spelling here. */
static size_t okta_cc__host_len(const char *s)
{
    size_t n = 0;
    if (s[0] == '[') {
        for (n = 1; okta_cc__is_hex((unsigned char)s[n]) || s[n] == ':' || s[n] == '.'; n++) {}
        return s[n] == ']' && n > 1 ? n + 1 : 0;
    }
    while (okta_cc__is_unreserved(s[n])) n++;
    return n;
}

/* Parses "http[s]://host[:port]" at the start of url into o. 0 for another scheme, no host,
   userinfo, a port that is not 1..65535 (an empty port is the default), or any character the
   authority may not hold. */
static int okta_cc__parse_origin(const char *url, okta_cc__origin *o)
{
    const char *p;
    size_t host, i, k;
    long port = 0;
    memset(o, 0, sizeof *o);
    o->https = okta_cc__istarts(url, "https://");
    if (!o->https && !okta_cc__istarts(url, "http://")) return 0;
    p = url + (o->https ? 8 : 7);
    host = okta_cc__host_len(p);
    if (!host || host > 255) return 0;
    i = host;
    if (p[i] == ':') {
        size_t digits = ++i;
        while (p[i] >= '0' && p[i] <= '9' && port <= 65535) port = port * 10 + (p[i++] - '0');
        if (i > digits && (port < 1 || port > 65535)) return 0;
    }
    if (p[i] && !strchr("/?#", p[i])) return 0;          /* "@" of userinfo, "\\", more digits */
    if (port == (o->https ? 443 : 80)) port = 0;
    o->host_off = o->https ? 8 : 7;
    o->host_len = host;
    memcpy(o->text, o->https ? "https://" : "http://", o->host_off);
    for (k = 0; k < host; k++) o->text[o->host_off + k] = (char)okta_cc__lower((unsigned char)p[k]);
    o->text[o->host_off + host] = '\0';
    if (port) snprintf(o->text + o->host_off + host, sizeof o->text - o->host_off - host, ":%ld", port);
    o->rest = p + i;
    return 1;
}

/* ---- the client's URLs ---------------------------------------------------------------------
   On top of the text rules and okta_cc__parse_origin above: the loopback rule for http, the
   org and token URLs normalised, a path joined to the org URL, the token URL made from the org
   URL, and the redaction that keeps secret query values out of messages and log lines. */

/* Whether host (n bytes) is a loopback name: localhost, [::1] or a dotted 127.x.y.z. */
static int okta_cc__loopback_host(const char *host, size_t n)
{
    size_t i, dots = 0;
    if ((n == 9 && memcmp(host, "localhost", 9) == 0) || (n == 5 && memcmp(host, "[::1]", 5) == 0)) return 1;
    if (n < 9 || memcmp(host, "127.", 4) != 0) return 0;
    for (i = 0; i < n; i++) {
        if (host[i] == '.') dots++;
        else if (host[i] < '0' || host[i] > '9') return 0;
    }
    return dots == 3;
}

/* The origin of a configured org or token URL (what names the setting): https, or http to a
   loopback host only (the local test server), so a token never crosses a network in clear. */
static okta_cc_result okta_cc__config_origin(const char *url, const char *what, okta_cc__origin *o,
                                             okta_cc_error *err)
{
    if (!okta_cc__url_text_ok(url))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "%s contains spaces or control characters", what);
    if (!okta_cc__parse_origin(url, o) || (!o->https && !okta_cc__loopback_host(o->text + o->host_off, o->host_len)))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "%s must be https://host[:port] (http:// only for loopback addresses; no user@)", what);
    return OKTA_CC_OK;
}

/* The org URL in its one spelling (okta_cc__origin) in a new string: the token URL, the
   assertion's aud, API URLs and the origin check all come from this one value. Okta compares
   aud with the URL it was reached at, without a default port: "https://x.okta.com:443" as aud
   is refused. */
static okta_cc_result okta_cc__normalise_org_url(const okta_cc_allocator *a, const char *org, char **out,
                                                 okta_cc_error *err)
{
    okta_cc__origin o;
    okta_cc_result r = okta_cc__config_origin(org, "the org URL", &o, err);
    if (r != OKTA_CC_OK) return r;
    if (o.rest[strspn(o.rest, "/")])
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "the org URL must be just https://host[:port], no path, query or fragment");
    *out = okta_cc__strdup(a, o.text);
    return *out ? OKTA_CC_OK : okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
}

/* An explicit token URL in a new string: its origin normalised like the org URL's, its path
   kept as given. */
static okta_cc_result okta_cc__normalise_token_url(const okta_cc_allocator *a, const char *url, char **out,
                                                   okta_cc_error *err)
{
    okta_cc__origin o;
    size_t n;
    okta_cc_result r = okta_cc__config_origin(url, "the token URL", &o, err);
    if (r != OKTA_CC_OK) return r;
    n = strlen(o.text) + strlen(o.rest) + 1;
    *out = (char *)okta_cc__malloc(a, n);
    if (!*out) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    snprintf(*out, n, "%s%s", o.text, o.rest);
    return OKTA_CC_OK;
}

/* Whether url starts with a scheme and "://" (RFC 3986: ALPHA *( ALPHA / DIGIT / + - . )). */
static int okta_cc__is_absolute(const char *url)
{
    const char *p = url;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) return 0;
    while (okta_cc__is_alnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.') p++;
    return strncmp(p, "://", 3) == 0;
}

/* The URL a request goes to, in a new string: a path joined to the (normalised) org URL, or
   an absolute URL on the org's origin. An absolute URL that spells the origin differently
   ("HTTPS://X.okta.com:443/...") is the same origin: it is accepted and sent on the org's own
   spelling, like every other URL. Any other origin is OKTA_CC_ERR_ORIGIN: the token stays. */
static okta_cc_result okta_cc__join_org_url(const okta_cc_allocator *a, const char *org_url,
                                            const char *path_or_url, char **url, okta_cc_error *err)
{
    okta_cc__origin o;
    const char *rest = path_or_url, *sep = path_or_url[0] == '/' ? "" : "/";
    size_t n;
    if (okta_cc__is_absolute(path_or_url)) {
        if (!okta_cc__parse_origin(path_or_url, &o) || strcmp(o.text, org_url) != 0)
            return okta_cc__fail(err, OKTA_CC_ERR_ORIGIN,
                                 "refusing to send the access token to a URL outside %s", org_url);
        rest = o.rest;
        sep = "";
    }
    n = strlen(org_url) + strlen(rest) + 2;
    *url = (char *)okta_cc__malloc(a, n);
    if (!*url) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    snprintf(*url, n, "%s%s%s", org_url, sep, rest);
    return OKTA_CC_OK;
}

/* Query parameters that may carry secrets are shown as "***". */
static int okta_cc__secret_param(const char *name, size_t n)
{
    static const char *const words[] = {"token", "secret", "assertion", "password", "code", "key", "session"};
    char low[64];
    size_t i;
    if (n >= sizeof low) return 1;
    for (i = 0; i < n; i++) low[i] = (char)okta_cc__lower((unsigned char)name[i]);
    low[n] = '\0';
    for (i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(low, words[i])) return 1;
    return 0;
}

/* Writes url into out with the values of secret-looking query parameters redacted. */
static void okta_cc__redact_url(const char *url, char *out, size_t cap)
{
    const char *q = strchr(url, '?');
    size_t o, len;
    if (!q) { snprintf(out, cap, "%s", url); return; }
    o = (size_t)snprintf(out, cap, "%.*s?", (int)(q - url), url);
    for (q++; *q && o < cap;) {
        size_t name = strcspn(q, "=&#"), all = strcspn(q, "&#");
        if (okta_cc__secret_param(q, name) && name < all)
            len = (size_t)snprintf(out + o, cap - o, "%.*s=***", (int)name, q);
        else
            len = (size_t)snprintf(out + o, cap - o, "%.*s", (int)all, q);
        o += len;
        q += all;
        if (*q != '&') break;
        if (o + 1 < cap) out[o++] = '&', out[o] = '\0';
        q++;
    }
}

/* How every message and log line names a request: "METHOD URL", secret query values
   redacted. */
static void okta_cc__request_label(const char *method, const char *url, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s ", method);
    if (n > 0 && (size_t)n < cap) okta_cc__redact_url(url, out + n, cap - (size_t)n);
}

/* An authorization server id becomes a path segment of the token URL: unreserved characters
   only (RFC 3986), and not "." or ".." (libcurl would resolve those as dot segments). */
static int okta_cc__auth_server_id_ok(const char *id)
{
    const char *p;
    if (!id[0] || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return 0;
    for (p = id; *p; p++)
        if (!okta_cc__is_unreserved(*p)) return 0;
    return 1;
}

/* The token URL made from the (normalised) org URL, in a new string: "/oauth2/v1/token", or
   "/oauth2/{id}/v1/token" for a custom authorization server. */
static okta_cc_result okta_cc__org_token_url(const okta_cc_allocator *a, const char *org_url,
                                             const char *auth_server_id, char **url, okta_cc_error *err)
{
    size_t n = 32 + (auth_server_id ? strlen(auth_server_id) : 0);
    char *path;
    okta_cc_result r;
    if (auth_server_id && !okta_cc__auth_server_id_ok(auth_server_id))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "invalid authorization server id (letters, digits and -._~ only, e.g. default or aus1x2y3)");
    path = (char *)okta_cc__malloc(a, n);
    if (!path) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    if (auth_server_id) snprintf(path, n, "/oauth2/%s/v1/token", auth_server_id);
    else snprintf(path, n, "/oauth2/v1/token");
    r = okta_cc__join_org_url(a, org_url, path, url, err);
    okta_cc__free(a, path);
    return r;
}

/* ---------------------------------------------------------------------------------------------
   >>dpop       DPoP proof (RFC 9449)
   uses: >>result >>b64url >>json >>rng >>key >>jws >>url
   ------------------------------------------------------------------------------------------- */

#define OKTA_CC__DPOP_HTU_MAX 4096      /* a longer request URL is refused */
#define OKTA_CC__DPOP_CLAIMS_MAX 8192   /* htu, nonce, jti and ath with room for escapes */

/* Percent-decodes the path p[0..n) into out (NULL: count only) and returns the decoded length,
   or (size_t)-1 for a malformed escape or one that decodes to a control byte or NUL: Okta
   compares htu with the decoded path, and a decoded CR, LF or NUL has no sane meaning there. */
static size_t okta_cc__dpop_decode_path(const char *p, size_t n, char *out)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++, k++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '%') {
            if (i + 2 >= n || !okta_cc__is_hex((unsigned char)p[i + 1]) ||
                !okta_cc__is_hex((unsigned char)p[i + 2]))
                return (size_t)-1;
            ch = (unsigned char)(okta_cc__hex_digit((unsigned char)p[i + 1]) * 16 +
                                 okta_cc__hex_digit((unsigned char)p[i + 2]));
            if (ch < 0x20 || ch == 0x7f) return (size_t)-1;
            i += 2;
        }
        if (out) out[k] = (char)ch;
    }
    return k;
}

OKTA_CC_DEF okta_cc_result okta_cc_dpop_htu(const char *url, char *out, size_t cap, size_t *out_len,
                                            okta_cc_error *err)
{
    okta_cc__origin o;
    size_t path_len, dec_len, origin_len, need;
    okta_cc__error_reset(err);
    if (!url || (!out && cap))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no URL or output buffer");
    if (!okta_cc__url_text_ok(url) || !okta_cc__parse_origin(url, &o))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "the DPoP htu needs an http(s) URL without spaces or control characters");
    path_len = strcspn(o.rest, "?#");
    dec_len = okta_cc__dpop_decode_path(o.rest, path_len, NULL);
    if (dec_len == (size_t)-1)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "the URL path has a malformed %% escape or one that decodes to a control character");
    origin_len = strlen(o.text);
    need = origin_len + (dec_len ? dec_len : 1) + 1;     /* an empty path is "/" */
    if (cap < need) return okta_cc__too_small(err, "the htu", need, out_len);
    memcpy(out, o.text, origin_len);
    if (dec_len) okta_cc__dpop_decode_path(o.rest, path_len, out + origin_len);
    else out[origin_len] = '/';
    out[need - 1] = '\0';
    if (out_len) *out_len = need - 1;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_dpop_ath(const char *access_token, size_t len, char *out, size_t cap,
                                            size_t *out_len, okta_cc_error *err)
{
    br_sha256_context ctx;
    unsigned char hash[32];
    size_t need = okta_cc_b64url_encoded_len(sizeof hash) + 1;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!access_token || (!out && cap))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no access token or output buffer");
    if (cap < need) return okta_cc__too_small(err, "the ath", need, out_len);
    br_sha256_init(&ctx);
    br_sha256_update(&ctx, access_token, len);
    br_sha256_out(&ctx, hash);
    okta_cc_wipe(&ctx, sizeof ctx);     /* its block buffer holds the token's last bytes */
    r = okta_cc_b64url_encode(hash, sizeof hash, out, cap, out_len, NULL);
    okta_cc_wipe(hash, sizeof hash);
    return r;
}

/* A DPoP-Nonce value: 1*NQCHAR (RFC 9449 section 8.1), printable ASCII without '"' and '\'. */
static int okta_cc__dpop_nonce_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\') return 0;
    }
    return 1;
}

static okta_cc_result okta_cc__dpop_check(const okta_cc_dpop_claims *c, okta_cc_error *err)
{
    if (!c || !c->htm || !okta_cc__http_token(c->htm) || !c->url)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "a DPoP proof needs htm (an RFC 9110 token such as POST) and the request URL");
    if (c->nonce && !okta_cc__dpop_nonce_ok(c->nonce))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "the DPoP nonce is not 1*NQCHAR (RFC 9449 section 8.1)");
    if (c->jti && !c->jti[0])
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "an empty DPoP jti");
    return OKTA_CC_OK;
}

/* The public members only, in the order of RFC 9449's examples ({"kty","crv","x","y"} with
   kty first, like the RFC's own figures; {"kty","n","e"}): the proof's jwk is never hashed by
   its receiver as written, so the order only has to be stable. Private members never go in. */
static void okta_cc__dpop_jwk_members(okta_cc_json_writer *w, const okta_cc_key *key)
{
    char b64[2 * OKTA_CC_RSA_MAX_BYTES];
    const okta_cc__curve *c = okta_cc__key_curve(key);
    okta_cc_json_write_key(w, "kty");
    okta_cc_json_write_string(w, key->type == OKTA_CC_KEY_RSA ? "RSA" : "EC");
    if (key->type == OKTA_CC_KEY_RSA) {
        okta_cc_b64url_encode(key->n, key->n_len, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "n");
        okta_cc_json_write_string(w, b64);
        okta_cc_b64url_encode(key->e, key->e_len, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "e");
        okta_cc_json_write_string(w, b64);
    } else if (c) {
        size_t size = okta_cc__curve_size(c);
        okta_cc_json_write_key(w, "crv");
        okta_cc_json_write_string(w, c->crv);
        okta_cc_b64url_encode(key->pub + 1, size, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "x");
        okta_cc_json_write_string(w, b64);
        okta_cc_b64url_encode(key->pub + 1 + size, size, b64, sizeof b64, NULL, NULL);
        okta_cc_json_write_key(w, "y");
        okta_cc_json_write_string(w, b64);
    }
}

/* {"typ":"dpop+jwt","alg":...,"jwk":{...}} into header[cap]. */
static okta_cc_result okta_cc__dpop_header(const okta_cc_key *key, okta_cc_alg alg, char *header,
                                           size_t cap, size_t *header_len, okta_cc_error *err)
{
    okta_cc_json_writer w;
    okta_cc_json_writer_init(&w, header, cap);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "typ");
    okta_cc_json_write_string(&w, "dpop+jwt");
    okta_cc_json_write_key(&w, "alg");
    okta_cc_json_write_string(&w, okta_cc_alg_name(alg));
    okta_cc_json_write_key(&w, "jwk");
    okta_cc_json_write_object_begin(&w);
    okta_cc__dpop_jwk_members(&w, key);
    okta_cc_json_write_object_end(&w);
    okta_cc_json_write_object_end(&w);
    if (okta_cc_json_writer_finish(&w, header_len, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_CRYPTO, "the DPoP header does not fit");  /* cannot happen */
    return OKTA_CC_OK;
}

/* The claims {"jti","htm","htu","iat"[,"nonce"][,"ath"]} into claims[cap]. */
static okta_cc_result okta_cc__dpop_claims(const okta_cc_dpop_claims *c, const char *jti, const char *htu,
                                           const char *ath, char *claims, size_t cap, size_t *claims_len,
                                           okta_cc_error *err)
{
    okta_cc_json_writer w;
    okta_cc_json_writer_init(&w, claims, cap);
    okta_cc_json_write_object_begin(&w);
    okta_cc_json_write_key(&w, "jti");
    okta_cc_json_write_string(&w, jti);
    okta_cc_json_write_key(&w, "htm");
    okta_cc_json_write_string(&w, c->htm);
    okta_cc_json_write_key(&w, "htu");
    okta_cc_json_write_string(&w, htu);
    okta_cc_json_write_key(&w, "iat");
    okta_cc_json_write_int64(&w, c->issued_at);
    if (c->nonce) {
        okta_cc_json_write_key(&w, "nonce");
        okta_cc_json_write_string(&w, c->nonce);
    }
    if (ath) {
        okta_cc_json_write_key(&w, "ath");
        okta_cc_json_write_string(&w, ath);
    }
    okta_cc_json_write_object_end(&w);
    if (okta_cc_json_writer_finish(&w, claims_len, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "DPoP URL, nonce or jti too long or not UTF-8");
    return OKTA_CC_OK;
}

/* The htu of c->url into htu[OKTA_CC__DPOP_HTU_MAX]; a longer one is an invalid argument. */
static okta_cc_result okta_cc__dpop_htu_fixed(const char *url, char *htu, okta_cc_error *err)
{
    okta_cc_result r = okta_cc_dpop_htu(url, htu, OKTA_CC__DPOP_HTU_MAX, NULL, err);
    if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "the request URL is too long for a DPoP proof");
    return r;
}

/* 192 random bits, base64url (32 characters): a jti no server will ever see twice. */
static okta_cc_result okta_cc__dpop_jti(okta_cc_rng *rng, char *jti, size_t cap, okta_cc_error *err)
{
    unsigned char raw[24];
    if (!rng || okta_cc_rng_bytes(rng, raw, sizeof raw, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "no randomness for the DPoP proof jti");
    okta_cc_b64url_encode(raw, sizeof raw, jti, cap, NULL, NULL);
    okta_cc_wipe(raw, sizeof raw);
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_dpop_proof_sign(const okta_cc_key *key, okta_cc_alg alg,
                                                   const okta_cc_dpop_claims *c, okta_cc_rng *rng,
                                                   char *out, size_t cap, size_t *out_len,
                                                   okta_cc_error *err)
{
    char header[1024], htu[OKTA_CC__DPOP_HTU_MAX], ath[44], jti[40], claims[OKTA_CC__DPOP_CLAIMS_MAX];
    size_t header_len = 0, claims_len = 0;
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__resolve_alg(key, &alg, err);      /* refuses a key that is not loaded */
    if (r == OKTA_CC_OK) r = okta_cc__dpop_check(c, err);
    if (r == OKTA_CC_OK && !out && cap)
        r = okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no output buffer");
    if (r == OKTA_CC_OK) r = okta_cc__dpop_htu_fixed(c->url, htu, err);
    if (r == OKTA_CC_OK && c->access_token)
        r = okta_cc_dpop_ath(c->access_token, strlen(c->access_token), ath, sizeof ath, NULL, err);
    if (r == OKTA_CC_OK && !c->jti) r = okta_cc__dpop_jti(rng, jti, sizeof jti, err);
    if (r == OKTA_CC_OK) r = okta_cc__dpop_header(key, alg, header, sizeof header, &header_len, err);
    if (r == OKTA_CC_OK)
        r = okta_cc__dpop_claims(c, c->jti ? c->jti : jti, htu, c->access_token ? ath : NULL, claims,
                                 sizeof claims, &claims_len, err);
    if (r == OKTA_CC_OK)
        r = okta_cc_jws_compact(key, alg, header, header_len, claims, claims_len, out, cap, out_len, err);
    okta_cc_wipe(ath, sizeof ath);
    return r;
}

/* ---------------------------------------------------------------------------------------------
   >>http       HTTP: transport, requests, responses, errors
   uses: >>result >>json >>url

   HTTP responses first.
   ------------------------------------------------------------------------------------------- */

/* The header block's cap: 64 KiB with its NUL. Okta's headers are a few KiB; more is a fault
   or an attack, and the block is searched linearly for every header read. */
#define OKTA_CC__HEADERS_MAX 65535

OKTA_CC_DEF void okta_cc_http_response_init(okta_cc_http_response *resp,
                                            const okta_cc_allocator *alloc, size_t max_body)
{
    if (!resp) return;
    memset(resp, 0, sizeof *resp);
    if (alloc) resp->_alloc = *alloc;
    resp->max_body = max_body ? max_body : (size_t)1 << 20;
}

/* A buffer that hit its cap (body past max_body, headers past 64 KiB) makes the response too
   large; every other result stands as it is. */
static okta_cc_result okta_cc__response_cap_result(okta_cc_http_response *resp, okta_cc_result r)
{
    if (r != OKTA_CC_ERR_BUFFER_TOO_SMALL) return r;
    resp->body_too_large = 1;
    return OKTA_CC_ERR_RESPONSE_TOO_LARGE;
}

/* okta_cc_http_response_append_body without the error struct (the libcurl callbacks). */
static okta_cc_result okta_cc__response_append_body(okta_cc_http_response *resp, const void *data, size_t len)
{
    okta_cc__buf b;
    okta_cc_result r;
    if (!resp || (!data && len)) return OKTA_CC_ERR_INVALID_ARGUMENT;
    b = okta_cc__buf_of(resp->body, resp->body_len, resp->_body_cap,
                        resp->max_body ? resp->max_body : (size_t)1 << 20, &resp->_alloc);
    r = okta_cc__buf_append(&b, data, len);
    resp->body = b.p;
    resp->body_len = b.len;
    resp->_body_cap = b.cap;
    return okta_cc__response_cap_result(resp, r);
}

/* "HTTP/<version> <3 digits>[ <reason>]": a new response begins (after 100 Continue or a
   redirect), so the headers of the previous one are wiped and forgotten. */
static okta_cc_result okta_cc__http_status_line(okta_cc_http_response *resp, const char *line,
                                                size_t len)
{
    const char *sp = (const char *)memchr(line, ' ', len);
    size_t i = sp ? (size_t)(sp - line) + 1 : len;
    const char *d = line + i;
    okta_cc__buf b = okta_cc__buf_of(resp->headers, resp->headers_len, resp->_headers_cap, 0,
                                     &resp->_alloc);
    okta_cc__buf m = okta_cc__buf_of(resp->_values, resp->headers_len, resp->_values_cap, 0,
                                     &resp->_alloc);
    okta_cc__buf_clear(&b);
    okta_cc__buf_clear(&m);
    resp->headers_len = b.len;
    resp->status = 0;
    if (i <= 6 || len - i < 3 || d[0] < '1' || d[0] > '9' || d[1] < '0' || d[1] > '9' ||
        d[2] < '0' || d[2] > '9' || (len - i > 3 && d[3] != ' '))
        return OKTA_CC_ERR_BAD_RESPONSE;
    resp->status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    return OKTA_CC_OK;
}

/* The header block's mirror for the n bytes just added at m: each line's '\n', and the blanks
   before it, become NULs. The mirror has the block's offsets, so the value the block holds at
   an offset is a NUL-terminated string at the same offset of the mirror. */
static void okta_cc__header_mirror(char *m, size_t n)
{
    size_t k, j;
    for (k = 0; k < n; k++) {
        if (m[k] != '\n') continue;
        for (m[k] = '\0', j = k; j > 0 && (m[j - 1] == ' ' || m[j - 1] == '\t'); j--) m[j - 1] = '\0';
    }
}

/* okta_cc_http_response_header_line without the error struct (the libcurl callbacks). */
static okta_cc_result okta_cc__response_header_line(okta_cc_http_response *resp, const char *line, size_t len)
{
    okta_cc__buf b, m;
    okta_cc_result r;
    if (!resp || (!line && len)) return OKTA_CC_ERR_INVALID_ARGUMENT;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    if (!len) return OKTA_CC_OK;
    if (len > 5 && memcmp(line, "HTTP/", 5) == 0) return okta_cc__http_status_line(resp, line, len);
    b = okta_cc__buf_of(resp->headers, resp->headers_len, resp->_headers_cap,
                        OKTA_CC__HEADERS_MAX, &resp->_alloc);
    m = okta_cc__buf_of(resp->_values, resp->headers_len, resp->_values_cap,
                        OKTA_CC__HEADERS_MAX, &resp->_alloc);
    r = okta_cc__buf_reserve(&b, len + 1);          /* the line and its '\n' in both, or neither */
    if (r == OKTA_CC_OK) r = okta_cc__buf_reserve(&m, len + 1);
    if (r == OKTA_CC_OK) {                          /* cannot fail now: the room is there */
        okta_cc__buf_append(&b, line, len);
        okta_cc__buf_append(&b, "\n", 1);
        okta_cc__buf_append(&m, line, len);
        okta_cc__buf_append(&m, "\n", 1);
        okta_cc__header_mirror(m.p + m.len - len - 1, len + 1);
    }
    resp->headers = b.p;
    resp->headers_len = b.len;
    resp->_headers_cap = b.cap;
    resp->_values = m.p;
    resp->_values_cap = m.cap;
    return okta_cc__response_cap_result(resp, r);
}

/* The message of a refused body chunk or header line. */
static okta_cc_result okta_cc__response_fail(const okta_cc_http_response *resp, okta_cc_result r, okta_cc_error *err)
{
    if (r == OKTA_CC_OK) return r;
    if (r == OKTA_CC_ERR_RESPONSE_TOO_LARGE)
        return okta_cc__fail(err, r, "response larger than %lu bytes of body or 64 KiB of headers",
                             (unsigned long)(resp ? resp->max_body : 0));
    if (r == OKTA_CC_ERR_BAD_RESPONSE) return okta_cc__fail(err, r, "malformed HTTP status line");
    return okta_cc__fail(err, r, "%s", okta_cc_result_str(r));
}

OKTA_CC_DEF okta_cc_result okta_cc_http_response_append_body(okta_cc_http_response *resp,
                                                             const void *data, size_t len,
                                                             okta_cc_error *err)
{
    okta_cc__error_reset(err);
    return okta_cc__response_fail(resp, okta_cc__response_append_body(resp, data, len), err);
}

OKTA_CC_DEF okta_cc_result okta_cc_http_response_header_line(okta_cc_http_response *resp,
                                                             const char *line, size_t len,
                                                             okta_cc_error *err)
{
    okta_cc__error_reset(err);
    return okta_cc__response_fail(resp, okta_cc__response_header_line(resp, line, len), err);
}

/* ASCII case-insensitive equality of two NUL-terminated strings. */
static int okta_cc__ieq(const char *a, const char *b)
{
    while (*a && okta_cc__lower((unsigned char)*a) == okta_cc__lower((unsigned char)*b)) a++, b++;
    return *a == '\0' && *b == '\0';
}

/* The value of the first header called name in the lines from *pos on; *pos moves past it, so
   a loop walks every such header in one pass over the block. */
static const char *okta_cc__header_from(const okta_cc_http_response *resp, const char *name, size_t *pos,
                                        size_t *value_len)
{
    size_t nlen = strlen(name);
    while (*pos < resp->headers_len) {
        const char *line = resp->headers + *pos;
        const char *end = (const char *)memchr(line, '\n', resp->headers_len - *pos);
        size_t llen = (size_t)(end - line), i;
        *pos += llen + 1;
        if (llen <= nlen || line[nlen] != ':') continue;
        for (i = 0; i < nlen && okta_cc__lower((unsigned char)line[i]) == okta_cc__lower((unsigned char)name[i]); i++) {}
        if (i < nlen) continue;
        for (i = nlen + 1; i < llen && (line[i] == ' ' || line[i] == '\t'); i++) {}
        while (llen > i && (line[llen - 1] == ' ' || line[llen - 1] == '\t')) llen--;
        *value_len = llen - i;
        /* the mirror's copy ends in a NUL (a block filled some other way has none) */
        return resp->_values ? resp->_values + (line - resp->headers) + i : line + i;
    }
    return NULL;
}

OKTA_CC_DEF const char *okta_cc_http_response_header(const okta_cc_http_response *resp,
                                                     const char *name, size_t index,
                                                     size_t *value_len)
{
    size_t pos = 0, n = 0;
    const char *v = NULL;
    if (!resp || !name) return NULL;
    while ((v = okta_cc__header_from(resp, name, &pos, &n)) != NULL && index > 0) index--;
    if (v && value_len) *value_len = n;
    return v;
}

OKTA_CC_DEF void okta_cc_http_response_free(okta_cc_http_response *resp)
{
    okta_cc__buf b;
    if (!resp) return;
    b = okta_cc__buf_of(resp->body, resp->body_len, resp->_body_cap, 0, &resp->_alloc);
    okta_cc__buf_wipe_free(&b);
    b = okta_cc__buf_of(resp->headers, resp->headers_len, resp->_headers_cap, 0, &resp->_alloc);
    okta_cc__buf_wipe_free(&b);
    b = okta_cc__buf_of(resp->_values, resp->headers_len, resp->_values_cap, 0, &resp->_alloc);
    okta_cc__buf_wipe_free(&b);
    resp->body = resp->headers = resp->_values = NULL;
    resp->body_len = resp->_body_cap = resp->headers_len = resp->_headers_cap = resp->_values_cap = 0;
}

/* ---------------------------------------------------------------------------------------------
   HTTP requests: what may be sent (on the text rules of >>url)
   ------------------------------------------------------------------------------------------- */

/* ---- what may reach a request line or a header -------------------------------------------- */

/* Whether a request is safe to hand to an HTTP library: a token for the method, a URL without
   controls or spaces, header lines without controls other than HTAB. */
static int okta_cc__request_text_ok(const okta_cc_http_request *req)
{
    size_t i;
    if (!req->method || !okta_cc__http_token(req->method) || !req->url || !okta_cc__url_text_ok(req->url))
        return 0;
    for (i = 0; i < req->header_count; i++)
        if (!req->headers[i] || okta_cc__has_ctl(req->headers[i], 1)) return 0;
    return 1;
}

/* ---------------------------------------------------------------------------------------------
   HTTP settings: the transport's own, resolved and checked in one place
   ------------------------------------------------------------------------------------------- */

/* The one home of the network defaults: a 0 (a caller who zeroed the struct) means the
   default. Negative values pass, to be refused by okta_cc__http_check. */
static void okta_cc__http_defaults(okta_cc_http_settings *http)
{
    if (!http->connect_timeout_ms) http->connect_timeout_ms = OKTA_CC_DEFAULT_CONNECT_TIMEOUT_MS;
    if (!http->timeout_ms) http->timeout_ms = OKTA_CC_DEFAULT_TIMEOUT_MS;
    if (!http->max_parallel_requests) http->max_parallel_requests = OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS;
}

/* A CA file must be a regular file: libcurl reads it for every new connection, and a FIFO
   would block that read, and the request with it, until something writes to it. A path that
   does not exist is left to libcurl (its error comes with the first request). */
static okta_cc_result okta_cc__check_ca_file(const char *path, okta_cc_error *err)
{
    struct stat st;
    if (!path || stat(path, &st) != 0 || S_ISREG(st.st_mode)) return OKTA_CC_OK;
    return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "the CA file %s is %s, not a PEM file", path,
                         S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
}

/* Settings after okta_cc__http_defaults: no negative time (a sign mistake, not "none"), a
   pool size the transport can hold, a user agent that stays one header line (it goes into
   the request as it is: CR or LF in it would start a new header). */
static okta_cc_result okta_cc__http_check(const okta_cc_http_settings *http, okta_cc_error *err)
{
    if (http->connect_timeout_ms < 0 || http->timeout_ms < 0)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "connect_timeout_ms and timeout_ms cannot be negative "
                                                      "(0 = the default)");
    if (http->max_parallel_requests < 1 || http->max_parallel_requests > OKTA_CC_MAX_PARALLEL_REQUESTS)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "max_parallel_requests must be 1..%d (0 = the default, %d)",
                             OKTA_CC_MAX_PARALLEL_REQUESTS, OKTA_CC_DEFAULT_MAX_PARALLEL_REQUESTS);
    if (http->user_agent && okta_cc__has_ctl(http->user_agent, 0))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "the user agent contains control characters (CR or LF would start a new header)");
    return okta_cc__check_ca_file(http->ca_file, err);
}

#ifndef OKTA_CC_NO_CURL
/* The one warning the libcurl transport gives, when it is made with the checks off. */
static void okta_cc__warn_insecure(const okta_cc_http_settings *http, okta_cc_log_fn log, void *log_user)
{
    if (http->insecure_skip_tls_verify && log)      /* every diagnostic goes through a log function */
        log(log_user, "okta_cc: WARNING: TLS certificate verification is OFF "
                      "(insecure_skip_tls_verify); anyone on the network can steal the credentials");
}
#endif

/* ---------------------------------------------------------------------------------------------
   libcurl transport
   ------------------------------------------------------------------------------------------- */

/* Locks of the transport and the client; nothing with OKTA_CC_NO_THREADS (the argument is not
   even evaluated, so it may name a member that does not exist then). */
#ifndef OKTA_CC_NO_THREADS
#define OKTA_CC__LOCK(m) pthread_mutex_lock(m)
#define OKTA_CC__UNLOCK(m) pthread_mutex_unlock(m)
#else
#define OKTA_CC__LOCK(m) ((void)0)
#define OKTA_CC__UNLOCK(m) ((void)0)
#endif

#ifndef OKTA_CC_NO_CURL

/* The libcurl transport is a pool of easy handles, so that requests of one client run in
   parallel (up to max_parallel_requests at once). A request borrows a handle, preferring the one
   used last (its connection is the warmest), and returns it. Handles are made when first
   needed, all with the same settings. DNS answers and TLS sessions are shared between them
   through a curl share handle with a lock per kind of data, so a handle's first connection
   resumes a session another one made. Connections are NOT shared: libcurl does not support
   sharing its connection cache between threads running transfers at once (CURLSHOPT_SHARE,
   CURL_LOCK_DATA_CONNECT); each handle keeps its own, and borrowing the last-used handle keeps
   the number of connections at what the parallelism needs.
   fork(): the handles, the share handle and the locks belong to the process that made them
   (okta_cc__curl_pool). A child inherits its parent's pool, live connections and TLS state
   included; it never touches it (a request would cross the parent's stream, even a cleanup
   would send a TLS close_notify on it) and makes a pool of its own (okta_cc__curl_own), the
   way the random generator reseeds. The settings (okta_cc__curl) are plain memory: shared. */
typedef struct okta_cc__curl okta_cc__curl;
typedef struct okta_cc__curl_pool okta_cc__curl_pool;

typedef struct okta_cc__curl_handle {
    CURL *easy;
    okta_cc__curl_pool *pool;
    char errbuf[CURL_ERROR_SIZE];
    okta_cc_http_response *resp;        /* the response being received */
    okta_cc_result refused;             /* why a callback stopped the transfer, if one did */
    int busy;                           /* lent to a request */
    unsigned long last_used;            /* pool->uses when it was last returned */
} okta_cc__curl_handle;

/* The transport: its settings, and the pool of the process using it. */
struct okta_cc__curl {
    okta_cc_allocator alloc;
    okta_cc_http_settings http;         /* resolved and checked; ca_file and ca_pem owned
                                           copies, no user_agent: what a new handle is set up
                                           from */
    char user_agent[256];
    okta_cc__curl_pool *pool;           /* replaced in a forked child, once (atomically: the
                                           child's threads may race to it) */
};

/* What one process owns: easy handles (with their connections), share handle, locks. */
struct okta_cc__curl_pool {
    okta_cc__curl *t;                   /* the settings */
    long pid;                           /* the process that made it, the only one to touch it */
    okta_cc__curl_handle *handles;      /* http.max_parallel_requests of them, easy == NULL until
                                           first needed */
    int made;                           /* handles with an easy handle */
    unsigned long uses;
    CURLSH *share;                      /* DNS and TLS sessions (NULL with OKTA_CC_NO_THREADS) */
#ifndef OKTA_CC_NO_THREADS
    int synced;                         /* the locks below exist */
    pthread_mutex_t lock;               /* the handles' busy flags, made and uses */
    pthread_cond_t returned;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
#endif
};

static size_t okta_cc__curl_write(char *data, size_t size, size_t n, void *user)
{
    okta_cc__curl_handle *h = (okta_cc__curl_handle *)user;
    /* CURLOPT_MAXFILESIZE does not stop chunked bodies: the cap is enforced here. */
    h->refused = okta_cc__response_append_body(h->resp, data, size * n);
    return h->refused == OKTA_CC_OK ? size * n : 0;
}

static size_t okta_cc__curl_header(char *data, size_t size, size_t n, void *user)
{
    okta_cc__curl_handle *h = (okta_cc__curl_handle *)user;
    h->refused = okta_cc__response_header_line(h->resp, data, size * n);
    return h->refused == OKTA_CC_OK ? size * n : 0;
}

/* Our result for a libcurl failure: what decides whether okta_cc_request may repeat it. */
static okta_cc_result okta_cc__curl_result(const okta_cc__curl_handle *h, CURLcode rc)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return OKTA_CC_ERR_TIMEOUT;
    /* Failures before any connection to the server existed: nothing of the request left. */
    case CURLE_COULDNT_RESOLVE_PROXY: case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT:
    case CURLE_INTERFACE_FAILED:
#if LIBCURL_VERSION_NUM >= 0x074900
    case CURLE_PROXY:                   /* proxy handshake (7.73.0+), before the request */
#endif
        return OKTA_CC_ERR_CONNECT;
    case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CONNECT_ERROR: case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER: case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS: case CURLE_SSL_CRL_BADFILE:
        return OKTA_CC_ERR_TLS;
    case CURLE_WRITE_ERROR:     /* a callback refused: too large, no memory, a bad status line */
        return h->refused != OKTA_CC_OK ? h->refused : OKTA_CC_ERR_NO_MEMORY;
    case CURLE_OUT_OF_MEMORY: return OKTA_CC_ERR_NO_MEMORY;
    case CURLE_URL_MALFORMAT: case CURLE_UNSUPPORTED_PROTOCOL: return OKTA_CC_ERR_CONFIG;
    default: return OKTA_CC_ERR_NETWORK;
    }
}

/* Maps a libcurl failure onto our results; the message never contains request data beyond
   the redacted URL. */
static okta_cc_result okta_cc__curl_fail(okta_cc__curl_handle *h, CURLcode rc, const okta_cc_http_request *req,
                                         okta_cc_error *err)
{
    okta_cc_result r = okta_cc__curl_result(h, rc);
    char label[768];
    okta_cc__request_label(req->method, req->url, label, sizeof label);
    if (r == OKTA_CC_ERR_RESPONSE_TOO_LARGE)
        okta_cc__set_error(err, r, "%s: response body larger than %lu bytes", label, (unsigned long)h->resp->max_body);
    else if (r == OKTA_CC_ERR_BAD_RESPONSE)
        okta_cc__set_error(err, r, "%s: malformed HTTP status line", label);
    else
        okta_cc__set_error(err, r, "%s: %s", label, h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
    if (err) err->transport_code = (long)rc;
    return r;
}

/* The method and body options. The handle is reused, so each request undoes what an earlier
   one set (a custom method, HEAD's NOBODY). */
static void okta_cc__curl_set_method(CURL *easy, const okta_cc_http_request *req)
{
    int bodiless = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    int sends_body = req->body || !bodiless;
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(easy, CURLOPT_NOBODY, 0L);
    if (sends_body) {
        /* POST/PUT/PATCH/DELETE without a body still send "Content-Length: 0". */
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
    } else {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    }
    /* HEAD answers carry no body: without NOBODY libcurl would wait for one. */
    if (strcmp(req->method, "HEAD") == 0) curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    if (strcmp(req->method, sends_body ? "POST" : "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
}

/* One request on a borrowed handle. */
static okta_cc_result okta_cc__curl_transfer(okta_cc__curl_handle *h, const okta_cc_http_request *req,
                                             okta_cc_http_response *resp, okta_cc_error *err)
{
    struct curl_slist *headers = NULL, *tmp;
    CURLcode rc = CURLE_OK;
    size_t i;
    h->resp = resp;
    h->refused = OKTA_CC_OK;
    h->errbuf[0] = '\0';
    for (i = 0; i < req->header_count; i++) {
        tmp = curl_slist_append(headers, req->headers[i]);
        if (!tmp) { rc = CURLE_OUT_OF_MEMORY; break; }
        headers = tmp;
    }
    if (rc == CURLE_OK) {
        curl_easy_setopt(h->easy, CURLOPT_URL, req->url);
        curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, headers);
        okta_cc__curl_set_method(h->easy, req);
        rc = curl_easy_perform(h->easy);
    }
    /* The POST body (a client assertion) must not stay referenced by the handle. */
    curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, NULL);
    for (tmp = headers; tmp; tmp = tmp->next) okta_cc_wipe(tmp->data, strlen(tmp->data));
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) return okta_cc__curl_fail(h, rc, req, err);
    curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &resp->status);
    return OKTA_CC_OK;
}

/* ---- the pool's handles ---- */

/* Everything that does not depend on the request: timeouts, callbacks, the user agent, and
   the rules that keep a token at home (no redirects, http and https only, TLS verified). */
static void okta_cc__curl_set_options(okta_cc__curl_handle *h)
{
    const okta_cc_http_settings *http = &h->pool->t->http;
    CURL *e = h->easy;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->pool->t->user_agent);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, http->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, http->timeout_ms);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, okta_cc__curl_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, okta_cc__curl_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);   /* never carry a token elsewhere */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, http->insecure_skip_tls_verify ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, http->insecure_skip_tls_verify ? 0L : 2L);
    if (h->pool->share) curl_easy_setopt(e, CURLOPT_SHARE, h->pool->share);
}

/* The trust settings: our own CA (file or PEM text) instead of the system's. */
static okta_cc_result okta_cc__curl_set_trust(okta_cc__curl_handle *h, okta_cc_error *err)
{
    const okta_cc_http_settings *http = &h->pool->t->http;
    if (http->ca_file || http->ca_pem) {
        /* Debian's libcurl also sets a CA path, which turns its CA cache off; with our own CA
           there is nothing to look up there, so clear it (see make bench). */
        curl_easy_setopt(h->easy, CURLOPT_CAPATH, NULL);
        if (http->ca_file) curl_easy_setopt(h->easy, CURLOPT_CAINFO, http->ca_file);
    }
    if (http->ca_pem) {
#if LIBCURL_VERSION_NUM >= 0x074d00
        struct curl_blob blob;
        blob.data = (void *)(uintptr_t)http->ca_pem;
        blob.len = strlen(http->ca_pem);
        blob.flags = CURL_BLOB_COPY;
        curl_easy_setopt(h->easy, CURLOPT_CAINFO_BLOB, &blob);
#else
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "ca_pem needs libcurl 7.77 or later; use ca_file");
#endif
    }
    (void)err;
    return OKTA_CC_OK;
}

/* Gives h its easy handle, set up like every other handle of the pool. */
static okta_cc_result okta_cc__curl_handle_make(okta_cc__curl_handle *h, okta_cc_error *err)
{
    okta_cc_result r;
    h->easy = curl_easy_init();
    if (!h->easy) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "curl_easy_init failed");
    okta_cc__curl_set_options(h);
    r = okta_cc__curl_set_trust(h, err);
    if (r != OKTA_CC_OK) {
        curl_easy_cleanup(h->easy);
        h->easy = NULL;
    }
    return r;
}

/* The free handle used last, else an unmade one (marked busy, *make set: the caller makes it
   outside the lock), else NULL: all are lent. Under the pool lock. */
static okta_cc__curl_handle *okta_cc__curl_pick(okta_cc__curl_pool *p, int *make)
{
    okta_cc__curl_handle *best = NULL, *unmade = NULL;
    int i;
    for (i = 0; i < p->t->http.max_parallel_requests; i++) {
        okta_cc__curl_handle *h = &p->handles[i];
        if (h->busy) continue;          /* its easy member is its borrower's (being made, maybe) */
        if (!h->easy && !unmade) unmade = h;
        if (h->easy && (!best || h->last_used > best->last_used)) best = h;
    }
    if (!best && unmade) {
        best = unmade;
        p->made++;
        *make = 1;
    }
    if (best) best->busy = 1;
    return best;
}

static void okta_cc__curl_give_back(okta_cc__curl_pool *p, okta_cc__curl_handle *h, int unmade)
{
    OKTA_CC__LOCK(&p->lock);
    h->busy = 0;
    h->last_used = ++p->uses;
    if (unmade) p->made--;
#ifndef OKTA_CC_NO_THREADS
    pthread_cond_signal(&p->returned);
#endif
    OKTA_CC__UNLOCK(&p->lock);
}

/* A handle for one request: waits only when every handle is lent. */
static okta_cc_result okta_cc__curl_borrow(okta_cc__curl_pool *p, okta_cc__curl_handle **out, okta_cc_error *err)
{
    okta_cc__curl_handle *h;
    int make = 0;
    okta_cc_result r;
    OKTA_CC__LOCK(&p->lock);
    while (!(h = okta_cc__curl_pick(p, &make))) {
#ifndef OKTA_CC_NO_THREADS
        pthread_cond_wait(&p->returned, &p->lock);
#else
        break;      /* one thread: a handle is lent only during a request */
#endif
    }
    OKTA_CC__UNLOCK(&p->lock);
    if (!h) return okta_cc__fail(err, OKTA_CC_ERR_THREAD, "no free libcurl handle (is the transport re-entered?)");
    r = make ? okta_cc__curl_handle_make(h, err) : OKTA_CC_OK;
    if (r != OKTA_CC_OK) {
        okta_cc__curl_give_back(p, h, 1);
        return r;
    }
    *out = h;
    return OKTA_CC_OK;
}

/* ---- the pool ---- */

#ifndef OKTA_CC_NO_THREADS
static void okta_cc__curl_share_lock(CURL *easy, curl_lock_data data, curl_lock_access access, void *user)
{
    okta_cc__curl_pool *p = (okta_cc__curl_pool *)user;
    (void)easy, (void)access;
    if ((int)data >= 0 && (int)data < (int)CURL_LOCK_DATA_LAST) pthread_mutex_lock(&p->share_locks[data]);
}

static void okta_cc__curl_share_unlock(CURL *easy, curl_lock_data data, void *user)
{
    okta_cc__curl_pool *p = (okta_cc__curl_pool *)user;
    (void)easy;
    if ((int)data >= 0 && (int)data < (int)CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&p->share_locks[data]);
}
#endif

/* The locks, and the share handle for DNS and TLS sessions (threads only: with one request at
   a time one handle does, and it keeps its own caches). */
static okta_cc_result okta_cc__curl_pool_sync(okta_cc__curl_pool *p, okta_cc_error *err)
{
#ifndef OKTA_CC_NO_THREADS
    int i;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->returned, NULL);
    for (i = 0; i < (int)CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&p->share_locks[i], NULL);
    p->synced = 1;
    p->share = curl_share_init();
    if (!p->share) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "curl_share_init failed");
    if (curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, okta_cc__curl_share_lock) != CURLSHE_OK ||
        curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, okta_cc__curl_share_unlock) != CURLSHE_OK ||
        curl_share_setopt(p->share, CURLSHOPT_USERDATA, p) != CURLSHE_OK ||
        curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "curl_share_setopt failed");
#else
    (void)p, (void)err;
#endif
    return OKTA_CC_OK;
}

/* Only in the process that made the pool (see okta_cc__curl_own). */
static void okta_cc__curl_pool_free(okta_cc__curl_pool *p)
{
    okta_cc_allocator a;
    int i;
    if (!p) return;
    a = p->t->alloc;
    for (i = 0; p->handles && i < p->t->http.max_parallel_requests; i++)
        if (p->handles[i].easy) curl_easy_cleanup(p->handles[i].easy);
    if (p->share) curl_share_cleanup(p->share);     /* after the handles that use it */
#ifndef OKTA_CC_NO_THREADS
    if (p->synced) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->returned);
        for (i = 0; i < (int)CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&p->share_locks[i]);
    }
#endif
    okta_cc__free(&a, p->handles);
    okta_cc__free(&a, p);
}

/* A pool for this process, with no easy handle made yet. */
static okta_cc_result okta_cc__curl_pool_new(okta_cc__curl *t, okta_cc__curl_pool **out, okta_cc_error *err)
{
    size_t n = (size_t)t->http.max_parallel_requests, i;
    okta_cc__curl_pool *p = (okta_cc__curl_pool *)okta_cc__malloc(&t->alloc, sizeof *p);
    okta_cc_result r;
    if (!p) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    memset(p, 0, sizeof *p);
    p->t = t;
    p->pid = (long)getpid();
    p->handles = (okta_cc__curl_handle *)okta_cc__malloc(&t->alloc, n * sizeof *p->handles);
    if (!p->handles) {
        okta_cc__free(&t->alloc, p);
        return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    }
    memset(p->handles, 0, n * sizeof *p->handles);
    for (i = 0; i < n; i++) p->handles[i].pool = p;
    r = okta_cc__curl_pool_sync(p, err);
    if (r != OKTA_CC_OK) {
        okta_cc__curl_pool_free(p);
        return r;
    }
    *out = p;
    return OKTA_CC_OK;
}

/* t->pool is read by every request and written only in a forked child (okta_cc__curl_own);
   gcc's and clang's atomic builtins, C11's <stdatomic.h> being beyond C99. */
#ifndef OKTA_CC_NO_THREADS
#define OKTA_CC__POOL_LOAD(t) __atomic_load_n(&(t)->pool, __ATOMIC_ACQUIRE)
#define OKTA_CC__POOL_SWAP(t, expected, fresh) \
    __atomic_compare_exchange_n(&(t)->pool, (expected), (fresh), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#else
#define OKTA_CC__POOL_LOAD(t) ((t)->pool)
#define OKTA_CC__POOL_SWAP(t, expected, fresh) ((t)->pool = (fresh), 1)
#endif

/* The pool of the calling process. The first request of a forked child finds its parent's
   pool: its easy handles hold the parent's connections (the same sockets, and over TLS the
   same keys and sequence numbers) and its locks and share handle are the parent's too. The
   child must not use them nor clean them up (curl_easy_cleanup would close the parent's
   connections, with a TLS close_notify), so it leaves that pool alone - its memory is leaked
   on purpose, once per fork - and makes its own. When several threads of the child get here
   at once, one pool is installed and the others free theirs. */
static okta_cc_result okta_cc__curl_own(okta_cc__curl *t, okta_cc__curl_pool **out, okta_cc_error *err)
{
    okta_cc__curl_pool *p = OKTA_CC__POOL_LOAD(t), *fresh = NULL;
    okta_cc_result r;
    if (p->pid == (long)getpid()) {
        *out = p;
        return OKTA_CC_OK;
    }
    r = okta_cc__curl_pool_new(t, &fresh, err);
    if (r != OKTA_CC_OK) return r;
    if (OKTA_CC__POOL_SWAP(t, &p, fresh)) {
        *out = fresh;
    } else {
        okta_cc__curl_pool_free(fresh);     /* another thread of this process was first: p is its pool */
        *out = p;
    }
    return OKTA_CC_OK;
}

static okta_cc_result okta_cc__curl_perform(void *ctx, const okta_cc_http_request *req,
                                            okta_cc_http_response *resp, okta_cc_error *err)
{
    okta_cc__curl_pool *p = NULL;
    okta_cc__curl_handle *h = NULL;
    okta_cc_result r;
    /* Our callers check their values; this guards anyone calling the transport directly. The
       message shows none of the values: they may hold a token. */
    if (!okta_cc__request_text_ok(req))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "refusing a request whose method is not an HTTP token, or whose URL or headers "
                             "hold control characters");
    r = okta_cc__curl_own((okta_cc__curl *)ctx, &p, err);
    if (r == OKTA_CC_OK) r = okta_cc__curl_borrow(p, &h, err);
    if (r != OKTA_CC_OK) return r;
    r = okta_cc__curl_transfer(h, req, resp, err);
    okta_cc__curl_give_back(p, h, 0);
    return r;
}

/* In a forked child the pool is the parent's (see okta_cc__curl_own): it is left alone, and
   only the settings, plain memory, are freed. */
static void okta_cc__curl_free(okta_cc__curl *t)
{
    okta_cc_allocator a;
    if (!t) return;
    a = t->alloc;
    if (t->pool && t->pool->pid == (long)getpid()) okta_cc__curl_pool_free(t->pool);
    okta_cc__free_str(&a, t->http.ca_file);
    okta_cc__free_str(&a, t->http.ca_pem);
    okta_cc__free(&a, t);
}

/* The transport's own copy of the settings a handle is made from. */
static okta_cc_result okta_cc__curl_settings(okta_cc__curl *t, const okta_cc_http_settings *http, okta_cc_error *err)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    t->http = *http;
    t->http.user_agent = NULL;
    t->http.ca_file = http->ca_file ? okta_cc__strdup(&t->alloc, http->ca_file) : NULL;
    t->http.ca_pem = http->ca_pem ? okta_cc__strdup(&t->alloc, http->ca_pem) : NULL;
    snprintf(t->user_agent, sizeof t->user_agent, "okta-cc/%s libcurl/%s%s%s", OKTA_CC_VERSION_STRING,
             v ? v->version : "?", http->user_agent ? " " : "", http->user_agent ? http->user_agent : "");
#ifdef OKTA_CC_NO_THREADS
    t->http.max_parallel_requests = 1;  /* one thread: one request at a time */
#endif
    if ((http->ca_file && !t->http.ca_file) || (http->ca_pem && !t->http.ca_pem))
        return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    return OKTA_CC_OK;
}

/* The transport from settings already resolved and checked (okta_cc__http_defaults,
   okta_cc__http_check), with its first handle made at once: a setting libcurl refuses shows
   here, and the first request does not pay for it. */
static okta_cc_result okta_cc__curl_new(okta_cc__curl **out, const okta_cc_http_settings *http,
                                        const okta_cc_allocator *alloc, okta_cc_error *err)
{
    okta_cc__curl *t = (okta_cc__curl *)okta_cc__malloc(alloc, sizeof *t);
    okta_cc_result r;
    if (!t) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    memset(t, 0, sizeof *t);
    t->alloc = *alloc;
    r = okta_cc__curl_settings(t, http, err);
    if (r == OKTA_CC_OK) r = okta_cc__curl_pool_new(t, &t->pool, err);
    if (r == OKTA_CC_OK) r = okta_cc__curl_handle_make(&t->pool->handles[0], err);
    if (r != OKTA_CC_OK) {
        okta_cc__curl_free(t);
        return r;
    }
    t->pool->made = 1;
    *out = t;
    return OKTA_CC_OK;
}

OKTA_CC_DEF okta_cc_result okta_cc_curl_transport_new(okta_cc_transport *out,
                                                      const okta_cc_http_settings *http,
                                                      const okta_cc_allocator *alloc,
                                                      okta_cc_log_fn log, void *log_user,
                                                      okta_cc_error *err)
{
    okta_cc__curl *c = NULL;
    okta_cc_http_settings own;
    okta_cc_allocator mem;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!out || !http) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no transport or settings");
    memset(&mem, 0, sizeof mem);
    if (alloc) mem = *alloc;
    own = *http;
    okta_cc__http_defaults(&own);
    r = okta_cc__http_check(&own, err);
    if (r == OKTA_CC_OK) r = okta_cc__check_allocator(&mem, err);
    if (r == OKTA_CC_OK) r = okta_cc__curl_new(&c, &own, &mem, err);
    if (r == OKTA_CC_OK) okta_cc__warn_insecure(&own, log, log_user);
    out->perform = r == OKTA_CC_OK ? okta_cc__curl_perform : NULL;
    out->ctx = c;
    out->concurrent = r == OKTA_CC_OK;
    return r;
}

OKTA_CC_DEF void okta_cc_curl_transport_free(okta_cc_transport *t)
{
    if (!t || !t->ctx) return;
    okta_cc__curl_free((okta_cc__curl *)t->ctx);
    t->ctx = NULL;
    t->perform = NULL;
    t->concurrent = 0;
}

#else
typedef struct okta_cc__curl okta_cc__curl;
#define okta_cc__curl_free(c) ((void)(c))
#endif /* OKTA_CC_NO_CURL */

/* ---------------------------------------------------------------------------------------------
   HTTP errors: what an error response says, in one message shape for every endpoint
   ------------------------------------------------------------------------------------------- */

/* Copies a string member of a small JSON document into out; empty when absent or not a string.
   A longer one is unescaped into scratch memory from a and cut. */
static void okta_cc__json_copy_str(const okta_cc_json_doc *doc, size_t obj, const char *key,
                                   const okta_cc_allocator *a, char *out, size_t cap)
{
    long i = okta_cc_json_find(doc, obj, key);
    size_t n;
    out[0] = '\0';
    /* i >= 0 only from a parsed document's tokens; clang's analyzer stops following json_parse
       (too deep) and takes its failure for success. NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    if (i < 0 || doc->tokens[i].type != OKTA_CC_JSON_STRING) return;
    if (okta_cc_json_get_string(doc, (size_t)i, out, cap, &n, NULL) == OKTA_CC_ERR_BUFFER_TOO_SMALL) {
        /* Too long for the error struct: keep the start of it. */
        char *tmp = (char *)okta_cc__malloc(a, n);
        if (tmp && okta_cc_json_get_string(doc, (size_t)i, tmp, n, NULL, NULL) == OKTA_CC_OK) {
            memcpy(out, tmp, cap - 1);
            out[cap - 1] = '\0';
        }
        if (tmp) okta_cc_wipe(tmp, n);
        okta_cc__free(a, tmp);
    }
    for (n = 0; out[n]; n++)                    /* keep messages on one line */
        if (out[n] == '\n' || out[n] == '\r') out[n] = ' ';
}

/* Appends each errorCauses[].errorSummary to err->okta_error_summary, "; " between them. */
static void okta_cc__error_causes(const okta_cc_json_doc *doc, const okta_cc_allocator *a, okta_cc_error *err)
{
    long causes = okta_cc_json_find(doc, 0, "errorCauses"), c;
    if (causes < 0) return;
    for (c = okta_cc_json_first(doc, (size_t)causes); c >= 0; c = okta_cc_json_next(doc, (size_t)causes, (size_t)c)) {
        char cause[256];
        size_t used = strlen(err->okta_error_summary);
        okta_cc__json_copy_str(doc, (size_t)c, "errorSummary", a, cause, sizeof cause);
        if (cause[0] && used + strlen(cause) + 3 < sizeof err->okta_error_summary)
            snprintf(err->okta_error_summary + used, sizeof err->okta_error_summary - used, "; %s", cause);
    }
}

/* Fills err from an error response: OAuth {"error","error_description"} or Okta's
   {"errorCode","errorSummary","errorId","errorCauses"}, plus X-Okta-Request-Id. */
static void okta_cc__parse_error_body(const okta_cc_http_response *resp, okta_cc_error *err)
{
    okta_cc_json_token tok[256];
    okta_cc_json_doc doc;
    const okta_cc_allocator *a = &resp->_alloc;
    const char *rid;
    size_t n;
    if (!err) return;
    err->http_status = resp->status;
    rid = okta_cc_http_response_header(resp, "X-Okta-Request-Id", 0, &n);
    if (rid && n < sizeof err->okta_request_id) {
        size_t i;
        memcpy(err->okta_request_id, rid, n);
        err->okta_request_id[n] = '\0';
        for (i = 0; i < n; i++)                 /* one line, like the body's strings */
            if (rid[i] == '\r' || rid[i] == '\n') err->okta_request_id[i] = ' ';
    }
    if (!resp->body_len || okta_cc_json_parse(resp->body, resp->body_len, tok, 256, NULL, &doc, NULL) != OKTA_CC_OK ||
        tok[0].type != OKTA_CC_JSON_OBJECT)
        return;
    okta_cc__json_copy_str(&doc, 0, "error", a, err->oauth_error, sizeof err->oauth_error);
    okta_cc__json_copy_str(&doc, 0, "error_description", a, err->oauth_error_description,
                           sizeof err->oauth_error_description);
    okta_cc__json_copy_str(&doc, 0, "errorCode", a, err->okta_error_code, sizeof err->okta_error_code);
    okta_cc__json_copy_str(&doc, 0, "errorSummary", a, err->okta_error_summary, sizeof err->okta_error_summary);
    okta_cc__json_copy_str(&doc, 0, "errorId", a, err->okta_error_id, sizeof err->okta_error_id);
    okta_cc__error_causes(&doc, a, err);
}

/* The quoted parameter name="..." of a challenge into out (cut to cap); 0 when absent. */
static int okta_cc__challenge_param(const char *v, const char *name, char *out, size_t cap)
{
    char want[32];
    const char *p;
    size_t n = 0;
    snprintf(want, sizeof want, "%s=\"", name);
    for (p = strstr(v, want); p && p != v && p[-1] != ' ' && p[-1] != ','; p = strstr(p + 1, want)) {}
    if (!p) return 0;
    for (p += strlen(want); *p && *p != '"' && n + 1 < cap; p++) out[n++] = *p == '\r' || *p == '\n' ? ' ' : *p;
    out[n] = '\0';
    return 1;
}

/* An API refusal of a DPoP proof says why in WWW-Authenticate: DPoP error="...",
   error_description="..." (RFC 9449 section 7.1): into the OAuth fields of err. */
static void okta_cc__dpop_www_error(const okta_cc_http_response *resp, okta_cc_error *e)
{
    const char *v;
    size_t i, n;
    for (i = 0; (v = okta_cc_http_response_header(resp, "WWW-Authenticate", i, &n)) != NULL; i++) {
        char tmp[1024];
        if (n >= sizeof tmp || !okta_cc__istarts(v, "dpop")) continue;
        memcpy(tmp, v, n);
        tmp[n] = '\0';
        if (!okta_cc__challenge_param(tmp, "error", e->oauth_error, sizeof e->oauth_error)) continue;
        okta_cc__challenge_param(tmp, "error_description", e->oauth_error_description,
                                 sizeof e->oauth_error_description);
        return;
    }
}

/* The one message for an HTTP error status, from the token endpoint and the API alike:
   "METHOD URL: HTTP status[ CODE: TEXT][ (note)]", where CODE: TEXT is the OAuth error and its
   description, or Okta's errorCode and errorSummary, and the URL is redacted. err gets the
   parsed body too. r is the result; OKTA_CC_ERR_OAUTH (a token endpoint's refusal) stands only
   when the body holds an OAuth error, else it becomes OKTA_CC_ERR_HTTP (a proxy's 502 page is
   no refusal). */
static okta_cc_result okta_cc__http_error(okta_cc_error *err, okta_cc_result r, const char *method, const char *url,
                                          const okta_cc_http_response *resp, const char *note)
{
    okta_cc_error tmp, *e;
    char label[768], detail[600] = "";
    memset(&tmp, 0, sizeof tmp);        /* its fields decide the result below */
    e = err ? err : &tmp;
    okta_cc__parse_error_body(resp, e);
    if (!e->oauth_error[0] && (resp->status == 400 || resp->status == 401)) okta_cc__dpop_www_error(resp, e);
    if (e->oauth_error[0])
        snprintf(detail, sizeof detail, " %s: %s", e->oauth_error,
                 e->oauth_error_description[0] ? e->oauth_error_description : "(no description)");
    else if (e->okta_error_code[0])
        snprintf(detail, sizeof detail, " %s: %s", e->okta_error_code, e->okta_error_summary);
    if (r == OKTA_CC_ERR_OAUTH && !e->oauth_error[0]) r = OKTA_CC_ERR_HTTP;
    okta_cc__request_label(method, url, label, sizeof label);
    return okta_cc__fail(err, r, "%s: HTTP %ld%s%s%s%s", label, resp->status, detail, note ? " (" : "",
                         note ? note : "", note ? ")" : "");
}

/* ---------------------------------------------------------------------------------------------
   >>store      Token store: a client's token state kept across processes
   uses: >>result >>b64url >>json >>key
   ------------------------------------------------------------------------------------------- */

/* ---- the state: one identity's token, as a small JSON document ----------------------------- */

#define OKTA_CC__STORE_VERSION 1
#define OKTA_CC__STORE_MAX ((size_t)64 * 1024)         /* a state is about 1 KB: more is not ours */
#define OKTA_CC__STORE_TOKEN_MAX ((size_t)16 * 1024)

/* What a store keeps for one identity. Everything but the token lives in the struct; the token
   is allocated (and wiped) like the client's own. */
typedef struct okta_cc__store_state {
    char id[65];                        /* 64 lowercase hex characters */
    char token_url[1024];
    char client_id[256];
    int dpop_required;                  /* AUTO learnt that the app requires DPoP */
    int64_t clock_offset;               /* server - local, as the saving process knew it */
    char *token;                        /* NULL: no token held */
    size_t token_len;
    char token_type[16];                /* "Bearer" or "DPoP" */
    int64_t expires_at;                 /* Unix seconds on the server's clock */
    int64_t expires_in;                 /* the lifetime the server gave */
    char scope[512];
    int has_key;                        /* dpop_key holds the generated key the token is bound to */
    okta_cc_key dpop_key;
    char dpop_jkt[44];                  /* or the thumbprint of the configured DPoP key */
} okta_cc__store_state;

static void okta_cc__store_state_wipe(okta_cc__store_state *s, const okta_cc_allocator *a)
{
    if (s->token) {
        okta_cc_wipe(s->token, s->token_len);
        okta_cc__free(a, s->token);
    }
    okta_cc_wipe(s, sizeof *s);
}

static int okta_cc__store_id_ok(const char *id)
{
    size_t i;
    for (i = 0; i < 64; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return 0;
    return id[64] == '\0';
}

/* A token goes into a header line: visible ASCII only. */
static int okta_cc__store_token_ok(const char *t, size_t n)
{
    size_t i;
    if (n == 0 || n > OKTA_CC__STORE_TOKEN_MAX) return 0;
    for (i = 0; i < n; i++)
        if (t[i] <= ' ' || t[i] > '~') return 0;
    return 1;
}

/* The generated DPoP key as a private JWK (EC only: the client generates P-256 keys). */
static void okta_cc__store_write_key(okta_cc_json_writer *w, const okta_cc_key *key)
{
    char d[2 * OKTA_CC_EC_MAX_BYTES];
    okta_cc_json_write_object_begin(w);
    okta_cc__jwk_public_members(w, key);
    okta_cc_b64url_encode(key->d, key->d_len, d, sizeof d, NULL, NULL);
    okta_cc_json_write_key(w, "d");
    okta_cc_json_write_string(w, d);
    okta_cc_json_write_object_end(w);
    okta_cc_wipe(d, sizeof d);
}

/* The state as JSON in w, a growable writer on a (w->buf, *len; the caller wipes and frees it
   with okta_cc_json_writer_free whatever this returns). */
static okta_cc_result okta_cc__store_encode(const okta_cc__store_state *s, const okta_cc_allocator *a,
                                            okta_cc_json_writer *w, size_t *len, okta_cc_error *err)
{
    okta_cc_json_writer_init_growable(w, a);
    okta_cc_json_write_object_begin(w);
    okta_cc_json_write_key(w, "version");
    okta_cc_json_write_int64(w, OKTA_CC__STORE_VERSION);
    okta_cc_json_write_key(w, "id");
    okta_cc_json_write_string(w, s->id);
    okta_cc_json_write_key(w, "token_url");
    okta_cc_json_write_string(w, s->token_url);
    okta_cc_json_write_key(w, "client_id");
    okta_cc_json_write_string(w, s->client_id);
    okta_cc_json_write_key(w, "dpop_required");
    okta_cc_json_write_bool(w, s->dpop_required);
    okta_cc_json_write_key(w, "clock_offset");
    okta_cc_json_write_int64(w, s->clock_offset);
    if (s->token) {
        okta_cc_json_write_key(w, "token");
        okta_cc_json_write_string_n(w, s->token, s->token_len);
        okta_cc_json_write_key(w, "token_type");
        okta_cc_json_write_string(w, s->token_type);
        okta_cc_json_write_key(w, "expires_at");
        okta_cc_json_write_int64(w, s->expires_at);
        okta_cc_json_write_key(w, "expires_in");
        okta_cc_json_write_int64(w, s->expires_in);
        okta_cc_json_write_key(w, "scope");
        okta_cc_json_write_string(w, s->scope);
    }
    if (s->has_key) {
        okta_cc_json_write_key(w, "dpop_key");
        okta_cc__store_write_key(w, &s->dpop_key);
    } else if (s->dpop_jkt[0]) {
        okta_cc_json_write_key(w, "dpop_jkt");
        okta_cc_json_write_string(w, s->dpop_jkt);
    }
    okta_cc_json_write_object_end(w);
    return okta_cc_json_writer_finish(w, len, err);
}

/* The members a state may have; any other (or one twice) makes it corrupt. */
static const char *const okta_cc__store_members[] = {
    "version", "id", "token_url", "client_id", "dpop_required", "clock_offset", "token",
    "token_type", "expires_at", "expires_in", "scope", "dpop_key", "dpop_jkt"
};

static okta_cc_result okta_cc__store_check_members(const okta_cc_json_doc *doc, okta_cc_error *err)
{
    unsigned seen = 0;
    long k;
    for (k = okta_cc_json_first(doc, 0); k >= 0; k = okta_cc_json_next(doc, 0, (size_t)k + 1)) {
        unsigned i, n = (unsigned)(sizeof okta_cc__store_members / sizeof okta_cc__store_members[0]);
        for (i = 0; i < n && !okta_cc_json_string_equals(doc, (size_t)k, okta_cc__store_members[i]); i++) {}
        if (i == n || (seen & 1u << i))
            return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: an unknown or repeated member");
        seen |= 1u << i;
    }
    return OKTA_CC_OK;
}

/* The string member name into out (cap bytes): OKTA_CC_ERR_NOT_FOUND when absent, an error
   when it is no string or too long. */
static okta_cc_result okta_cc__store_str(const okta_cc_json_doc *doc, const char *name, char *out, size_t cap,
                                         okta_cc_error *err)
{
    long i = okta_cc_json_find(doc, 0, name);
    size_t n;
    if (i < 0) return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "corrupt: no %s", name);
    if (okta_cc_json_get_string(doc, (size_t)i, out, cap, &n, NULL) != OKTA_CC_OK || strlen(out) != n)
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: %s is not a string of at most %u bytes", name,
                             (unsigned)cap - 1);
    return OKTA_CC_OK;
}

static okta_cc_result okta_cc__store_int(const okta_cc_json_doc *doc, const char *name, int64_t *v,
                                         okta_cc_error *err)
{
    long i = okta_cc_json_find(doc, 0, name);
    if (i < 0 || okta_cc_json_get_int64(doc, (size_t)i, v, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: %s is missing or not an integer", name);
    return OKTA_CC_OK;
}

/* The identity part: version, id (expected_id when given), token URL, client id, the DPoP
   flag and the clock offset. */
static okta_cc_result okta_cc__store_decode_identity(const okta_cc_json_doc *doc, const char *expected_id,
                                                     okta_cc__store_state *s, okta_cc_error *err)
{
    int64_t version = 0;
    long i;
    okta_cc_result r = okta_cc__store_int(doc, "version", &version, err);
    if (r == OKTA_CC_OK && version != OKTA_CC__STORE_VERSION)
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "of another version (%lld, this library reads %d)",
                             (long long)version, OKTA_CC__STORE_VERSION);
    if (r == OKTA_CC_OK) r = okta_cc__store_str(doc, "id", s->id, sizeof s->id, err);
    if (r == OKTA_CC_OK && !okta_cc__store_id_ok(s->id))
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: the id is not 64 hex characters");
    if (r == OKTA_CC_OK && expected_id && strcmp(s->id, expected_id) != 0)
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "of another identity (%.12s)", s->id);
    if (r == OKTA_CC_OK) r = okta_cc__store_str(doc, "token_url", s->token_url, sizeof s->token_url, err);
    if (r == OKTA_CC_OK) r = okta_cc__store_str(doc, "client_id", s->client_id, sizeof s->client_id, err);
    if (r == OKTA_CC_OK) r = okta_cc__store_int(doc, "clock_offset", &s->clock_offset, err);
    i = okta_cc_json_find(doc, 0, "dpop_required");
    if (r == OKTA_CC_OK && (i < 0 || okta_cc_json_get_bool(doc, (size_t)i, &s->dpop_required, NULL) != OKTA_CC_OK))
        r = okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: dpop_required is missing or not a boolean");
    return r == OKTA_CC_ERR_NOT_FOUND ? OKTA_CC_ERR_JSON_TYPE : r;
}

/* The token, when there is one: token, token_type, expires_at, expires_in and scope together. */
static okta_cc_result okta_cc__store_decode_token(const okta_cc_json_doc *doc, const okta_cc_allocator *a,
                                                  okta_cc__store_state *s, okta_cc_error *err)
{
    long i = okta_cc_json_find(doc, 0, "token");
    size_t n = 0;
    okta_cc_result r;
    if (i < 0) return OKTA_CC_OK;
    if (doc->tokens[i].type != OKTA_CC_JSON_STRING || doc->tokens[i].end - doc->tokens[i].start > OKTA_CC__STORE_TOKEN_MAX)
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: the token is not a string of at most 16 KiB");
    okta_cc_json_get_string(doc, (size_t)i, NULL, 0, &n, NULL);
    s->token = (char *)okta_cc__malloc(a, n);
    if (!s->token) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    okta_cc_json_get_string(doc, (size_t)i, s->token, n, &s->token_len, NULL);
    if (!okta_cc__store_token_ok(s->token, s->token_len))
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: the token holds characters no token has");
    r = okta_cc__store_str(doc, "token_type", s->token_type, sizeof s->token_type, err);
    if (r == OKTA_CC_OK && strcmp(s->token_type, "Bearer") != 0 && strcmp(s->token_type, "DPoP") != 0)
        r = okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: token_type is neither Bearer nor DPoP");
    if (r == OKTA_CC_OK) r = okta_cc__store_int(doc, "expires_at", &s->expires_at, err);
    if (r == OKTA_CC_OK) r = okta_cc__store_int(doc, "expires_in", &s->expires_in, err);
    if (r == OKTA_CC_OK && (s->expires_at <= 0 || s->expires_in <= 0 || s->expires_in > (int64_t)86400 * 365))
        r = okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: expires_at or expires_in out of range");
    if (r == OKTA_CC_OK) r = okta_cc__store_str(doc, "scope", s->scope, sizeof s->scope, err);
    return r == OKTA_CC_ERR_NOT_FOUND ? OKTA_CC_ERR_JSON_TYPE : r;
}

/* The DPoP key: the generated one as a private JWK (loaded and checked like any key), or the
   thumbprint of a configured one. A DPoP token needs one of them. */
static okta_cc_result okta_cc__store_decode_key(const char *json, const okta_cc_json_doc *doc,
                                                const okta_cc_allocator *a, okta_cc__store_state *s,
                                                okta_cc_error *err)
{
    long k = okta_cc_json_find(doc, 0, "dpop_key");
    okta_cc_result r = OKTA_CC_OK;
    if (k >= 0) {
        const okta_cc_json_token *t = &doc->tokens[k];
        if (t->type != OKTA_CC_JSON_OBJECT) return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: dpop_key");
        r = okta_cc__load_key_text(&s->dpop_key, json + t->start, t->end - t->start, NULL, a, err);
        if (r == OKTA_CC_OK && s->dpop_key.type != OKTA_CC_KEY_EC) r = OKTA_CC_ERR_KEY_UNSUPPORTED;
        if (r != OKTA_CC_OK) return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: dpop_key is no EC private key");
        s->has_key = 1;
    } else if (okta_cc_json_find(doc, 0, "dpop_jkt") >= 0) {
        r = okta_cc__store_str(doc, "dpop_jkt", s->dpop_jkt, sizeof s->dpop_jkt, err);
        if (r == OKTA_CC_OK && strlen(s->dpop_jkt) != 43) r = okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: dpop_jkt");
    }
    if (r == OKTA_CC_OK && s->token && strcmp(s->token_type, "DPoP") == 0 && !s->has_key && !s->dpop_jkt[0])
        r = okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "corrupt: a DPoP token without its key");
    return r;
}

/* Reads a state strictly: a JSON object of at most 64 KiB with exactly the members above, of
   this version and, when expected_id is given, of that identity. On failure s is wiped and err
   says why in a few words ("corrupt: ...", "of another version ..."). Wipe s after use. */
static okta_cc_result okta_cc__store_decode(const char *json, size_t len, const char *expected_id,
                                            const okta_cc_allocator *a, okta_cc__store_state *s, okta_cc_error *err)
{
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    okta_cc_json_limits lim;
    okta_cc_result r;
    memset(s, 0, sizeof *s);
    memset(&lim, 0, sizeof lim);
    lim.max_depth = 3;
    lim.max_bytes = OKTA_CC__STORE_MAX;
    if (len > OKTA_CC__STORE_MAX) return okta_cc__fail(err, OKTA_CC_ERR_JSON_TOO_LARGE, "larger than 64 KiB");
    if (okta_cc_json_parse(json, len, tok, 64, &lim, &doc, NULL) != OKTA_CC_OK || tok[0].type != OKTA_CC_JSON_OBJECT)
        return okta_cc__fail(err, OKTA_CC_ERR_JSON_SYNTAX, "corrupt or truncated: not a JSON object");
    r = okta_cc__store_check_members(&doc, err);
    if (r == OKTA_CC_OK) r = okta_cc__store_decode_identity(&doc, expected_id, s, err);
    if (r == OKTA_CC_OK) r = okta_cc__store_decode_token(&doc, a, s, err);
    if (r == OKTA_CC_OK) r = okta_cc__store_decode_key(json, &doc, a, s, err);
    if (r != OKTA_CC_OK) okta_cc__store_state_wipe(s, a);
    return r;
}

/* ---- the file store ------------------------------------------------------------------------

   Every file is opened relative to the directory opened (and checked) once by
   okta_cc_file_store_new, with O_NOFOLLOW and O_NONBLOCK, then checked with fstat on the
   descriptor: what is read is what was checked. openat and friends are POSIX.1-2008: a
   translation unit compiled without them (strict -std=c99, no _POSIX_C_SOURCE) has no file
   store (okta_cc_file_store_new says so). */

#if defined(O_NOFOLLOW) && defined(O_DIRECTORY) && defined(O_CLOEXEC) && defined(AT_FDCWD) && defined(AT_REMOVEDIR)
#define OKTA_CC__FILE_STORE 1
#else
#define OKTA_CC__FILE_STORE 0
#endif

typedef struct okta_cc__file_store {
    int dir;                            /* the directory, open since okta_cc_file_store_new */
} okta_cc__file_store;

#define OKTA_CC__FS_NAME_MAX 128

#if OKTA_CC__FILE_STORE
/* Why a file must not be used, into why: "" when it is a regular file of ours, 0600 or less. */
static void okta_cc__fs_unsafe(const struct stat *st, char *why, size_t cap)
{
    why[0] = '\0';
    if (S_ISLNK(st->st_mode)) snprintf(why, cap, "a symlink");
    else if (S_ISFIFO(st->st_mode)) snprintf(why, cap, "a FIFO, not a regular file");
    else if (S_ISDIR(st->st_mode)) snprintf(why, cap, "a directory, not a regular file");
    else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) snprintf(why, cap, "a device, not a regular file");
    else if (!S_ISREG(st->st_mode)) snprintf(why, cap, "not a regular file");
    else if (st->st_uid != geteuid())
        snprintf(why, cap, "owned by uid %lu, not by this user (uid %lu)", (unsigned long)st->st_uid,
                 (unsigned long)geteuid());
    else if (st->st_mode & 077)
        snprintf(why, cap, "mode 0%o: open to group or others (must be 0600)", (unsigned)(st->st_mode & 0777));
}

static okta_cc_result okta_cc__fs_name(const char *id, const char *ext, char *out, okta_cc_error *err)
{
    if (!id || strlen(id) != 64 || !okta_cc__store_id_ok(id))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "not a token store id (64 lowercase hex characters)");
    snprintf(out, OKTA_CC__FS_NAME_MAX, "%s%s", id, ext);
    return OKTA_CC_OK;
}

/* Opens name in the store's directory (flags: O_RDONLY, or O_RDWR | O_CREAT), never following
   a symlink, never waiting (a FIFO), and checks what it opened. OKTA_CC_ERR_NOT_FOUND when
   there is no such file, OKTA_CC_ERR_IO "ignored: ..." for one that must not be used. */
static okta_cc_result okta_cc__fs_open(const okta_cc__file_store *fs, const char *name, int flags, int *fd_out,
                                       okta_cc_error *err)
{
    struct stat st;
    char why[128];
    int fd = openat(fs->dir, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600), e = errno;
    *fd_out = -1;
    if (fd < 0 && e == ENOENT) return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "none saved");
    if (fd < 0 && e == ELOOP) return okta_cc__fail(err, OKTA_CC_ERR_IO, "ignored: %.80s is a symlink", name);
    if (fd < 0) return okta_cc__fail(err, OKTA_CC_ERR_IO, "ignored: cannot open %.80s: %s", name, strerror(e));
    if (fstat(fd, &st) != 0) snprintf(why, sizeof why, "fstat failed: %s", strerror(errno));
    else okta_cc__fs_unsafe(&st, why, sizeof why);
    if (!why[0] && (size_t)st.st_size > OKTA_CC__STORE_MAX) snprintf(why, sizeof why, "larger than 64 KiB");
    if (why[0]) {
        close(fd);
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "ignored: %.80s is %s", name, why);
    }
    *fd_out = fd;
    return OKTA_CC_OK;
}

/* Reads an open regular file of at most 64 KiB into (out, cap, out_len) as text. */
static okta_cc_result okta_cc__fs_read(int fd, char *out, size_t cap, size_t *out_len, okta_cc_error *err)
{
    struct stat st;
    size_t have = 0, need;
    if (fstat(fd, &st) != 0) return okta_cc__fail(err, OKTA_CC_ERR_IO, "cannot read: %s", strerror(errno));
    need = (size_t)st.st_size + 1;
    if (out_len) *out_len = need;
    if (!out || cap < need) return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL, "the state needs %lu bytes",
                                                 (unsigned long)need);
    while (have < need - 1) {
        ssize_t n = read(fd, out + have, need - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return okta_cc__fail(err, OKTA_CC_ERR_IO, "cannot read: %s", strerror(errno));
        if (n == 0) break;              /* shorter than it was: the decoder says truncated */
        have += (size_t)n;
    }
    out[have] = '\0';
    if (out_len) *out_len = have;
    return OKTA_CC_OK;
}

static okta_cc_result okta_cc__fs_load(void *user, const char *id, char *out, size_t cap, size_t *out_len,
                                       okta_cc_error *err)
{
    char name[OKTA_CC__FS_NAME_MAX];
    int fd;
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__fs_name(id, ".json", name, err);
    if (r == OKTA_CC_OK) r = okta_cc__fs_open((const okta_cc__file_store *)user, name, O_RDONLY, &fd, err);
    if (r != OKTA_CC_OK) return r;
    r = okta_cc__fs_read(fd, out, cap, out_len, err);
    close(fd);
    return r;
}

static int okta_cc__fs_write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Creates a new temporary file beside the entry (O_EXCL: never an existing one, never through a
   symlink), named after the process and the caller's stack so threads do not meet. */
static int okta_cc__fs_temp(const okta_cc__file_store *fs, const char *id, char *tmp)
{
    int i, fd = -1;
    for (i = 0; i < 100 && fd < 0; i++) {
        snprintf(tmp, OKTA_CC__FS_NAME_MAX, "%s.tmp.%ld.%lx.%d", id, (long)getpid(), (unsigned long)(size_t)&fd, i);
        fd = openat(fs->dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) break;
    }
    return fd;
}

/* Puts tmp in place of name: a symlink, FIFO or foreign file there is replaced (never its
   target); an empty directory is removed first. */
static int okta_cc__fs_rename(const okta_cc__file_store *fs, const char *tmp, const char *name)
{
    if (renameat(fs->dir, tmp, fs->dir, name) == 0) return 0;
    if (errno != EISDIR && errno != ENOTEMPTY && errno != EEXIST) return -1;
    if (unlinkat(fs->dir, name, AT_REMOVEDIR) != 0) return -1;
    return renameat(fs->dir, tmp, fs->dir, name);
}

static okta_cc_result okta_cc__fs_save(void *user, const char *id, const char *data, size_t len, okta_cc_error *err)
{
    const okta_cc__file_store *fs = (const okta_cc__file_store *)user;
    char name[OKTA_CC__FS_NAME_MAX], tmp[OKTA_CC__FS_NAME_MAX];
    int fd, bad, e;
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__fs_name(id, ".json", name, err);
    if (r != OKTA_CC_OK) return r;
    if (!data || len > OKTA_CC__STORE_MAX)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no state, or one over 64 KiB");
    fd = okta_cc__fs_temp(fs, id, tmp);
    if (fd < 0) return okta_cc__fail(err, OKTA_CC_ERR_IO, "cannot create a file in the store's directory: %s",
                                     strerror(errno));
    bad = fchmod(fd, 0600) != 0 || okta_cc__fs_write_all(fd, data, len) != 0 || fsync(fd) != 0;
    e = errno;
    if (close(fd) != 0 && !bad) bad = 1, e = errno;
    if (!bad && okta_cc__fs_rename(fs, tmp, name) != 0) bad = 1, e = errno;
    if (bad) {
        unlinkat(fs->dir, tmp, 0);
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "cannot write %.20s...json: %s", name, strerror(e));
    }
    fsync(fs->dir);                     /* the rename itself, on file systems that need it */
    return OKTA_CC_OK;
}

/* Removes name whatever it is (a directory only when empty); gone already is fine. */
static int okta_cc__fs_unlink(const okta_cc__file_store *fs, const char *name)
{
    if (unlinkat(fs->dir, name, 0) == 0 || errno == ENOENT) return 0;
    if (errno != EISDIR && errno != EPERM) return -1;
    return unlinkat(fs->dir, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

static okta_cc_result okta_cc__fs_remove(void *user, const char *id, okta_cc_error *err)
{
    char name[OKTA_CC__FS_NAME_MAX];
    okta_cc_result r;
    okta_cc__error_reset(err);
    r = okta_cc__fs_name(id, ".json", name, err);
    if (r != OKTA_CC_OK) return r;
    if (okta_cc__fs_unlink((const okta_cc__file_store *)user, name) != 0)
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "cannot remove %.20s...json: %s", name, strerror(errno));
    return OKTA_CC_OK;
}

/* Opens the lock file, replacing once whatever unusable thing is there (a symlink, a FIFO,
   a foreign file: never followed, never locked). */
static okta_cc_result okta_cc__fs_lock_file(const okta_cc__file_store *fs, const char *id, int *fd,
                                            okta_cc_error *err)
{
    char name[OKTA_CC__FS_NAME_MAX];
    okta_cc_result r = okta_cc__fs_name(id, ".lock", name, err);
    if (r != OKTA_CC_OK) return r;
    r = okta_cc__fs_open(fs, name, O_RDWR | O_CREAT, fd, err);
    if (r == OKTA_CC_ERR_IO && okta_cc__fs_unlink(fs, name) == 0) r = okta_cc__fs_open(fs, name, O_RDWR | O_CREAT, fd, err);
    return r;
}

/* flock, tried without blocking every 5 ms until wait_ms has passed: nothing ever waits for a
   lock for good, and a lock dies with the process holding it. *held is the descriptor + 1. */
static okta_cc_result okta_cc__fs_lock(void *user, const char *id, long wait_ms, void **held, okta_cc_error *err)
{
    int fd;
    long waited = 0;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!held) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no held");
    *held = NULL;
    r = okta_cc__fs_lock_file((const okta_cc__file_store *)user, id, &fd, err);
    if (r != OKTA_CC_OK) return r;
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            *held = (void *)(intptr_t)(fd + 1);
            return OKTA_CC_OK;
        }
        if (errno != EWOULDBLOCK && errno != EINTR) break;
        if (waited >= wait_ms) {
            close(fd);
            return okta_cc__fail(err, OKTA_CC_ERR_TIMEOUT, "the lock is held by another process (waited %ld ms)", waited);
        }
        poll(NULL, 0, 5);
        waited += 5;
    }
    close(fd);
    return okta_cc__fail(err, OKTA_CC_ERR_IO, "cannot lock: %s", strerror(errno));
}

static void okta_cc__fs_unlock(void *user, void *held)
{
    int fd = (int)(intptr_t)held - 1;
    (void)user;
    if (fd < 0) return;
    flock(fd, LOCK_UN);
    close(fd);
}

/* Makes each missing directory of path, 0700 (the parents too: ~/.cache may not exist yet). */
static void okta_cc__fs_mkdirs(char *path)
{
    char *p;
    for (p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(path, 0700);
        *p = '/';
    }
    mkdir(path, 0700);
}

/* Opens (making it when missing) and checks the store's directory. */
static okta_cc_result okta_cc__fs_open_dir(const char *dir, int *fd_out, okta_cc_error *err)
{
    char path[4096], why[128];
    struct stat st;
    int fd;
    if (strlen(dir) >= sizeof path) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "directory path too long");
    strcpy(path, dir);                  /* NOLINT(clang-analyzer-security.insecureAPI.strcpy): fits, checked above */
    okta_cc__fs_mkdirs(path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "token store directory %.300s: %s", dir,
                             errno == ELOOP || errno == ENOTDIR ? "not a directory (or a symlink)" : strerror(errno));
    why[0] = '\0';
    if (fstat(fd, &st) != 0) snprintf(why, sizeof why, "fstat failed: %s", strerror(errno));
    else if (st.st_uid != geteuid())
        snprintf(why, sizeof why, "owned by uid %lu, not by this user", (unsigned long)st.st_uid);
    else if (st.st_mode & 077)
        snprintf(why, sizeof why, "mode 0%o: open to group or others (must be 0700)", (unsigned)(st.st_mode & 0777));
    if (why[0]) {
        close(fd);
        return okta_cc__fail(err, OKTA_CC_ERR_IO, "token store directory %.300s is %s", dir, why);
    }
    *fd_out = fd;
    return OKTA_CC_OK;
}
#endif /* OKTA_CC__FILE_STORE */

OKTA_CC_DEF okta_cc_result okta_cc_file_store_new(okta_cc_token_store *out, const char *dir, okta_cc_error *err)
{
#if OKTA_CC__FILE_STORE
    okta_cc__file_store *fs;
    int fd;
    okta_cc_result r;
#endif
    okta_cc__error_reset(err);
    if (out) memset(out, 0, sizeof *out);
    if (!out || !dir || !dir[0]) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no store or no directory");
#if OKTA_CC__FILE_STORE
    r = okta_cc__fs_open_dir(dir, &fd, err);
    if (r != OKTA_CC_OK) return r;
    fs = (okta_cc__file_store *)OKTA_CC_MALLOC(sizeof *fs);
    if (!fs) {
        close(fd);
        return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    }
    fs->dir = fd;
    out->load = okta_cc__fs_load;
    out->save = okta_cc__fs_save;
    out->remove = okta_cc__fs_remove;
    out->lock = okta_cc__fs_lock;
    out->unlock = okta_cc__fs_unlock;
    out->user = fs;
    return OKTA_CC_OK;
#else
    return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "the file store needs POSIX.1-2008 (openat, O_NOFOLLOW): compile "
                         "the implementation with _POSIX_C_SOURCE 200809L or the compiler's default mode");
#endif
}

/* The file store behind store, or NULL when okta_cc_file_store_new did not make it. */
static okta_cc__file_store *okta_cc__file_store_of(const okta_cc_token_store *store)
{
#if OKTA_CC__FILE_STORE
    if (store && store->load == okta_cc__fs_load && store->user) return (okta_cc__file_store *)store->user;
#else
    (void)store;
#endif
    return NULL;
}

OKTA_CC_DEF void okta_cc_file_store_free(okta_cc_token_store *store)
{
    okta_cc__file_store *fs = okta_cc__file_store_of(store);
    if (!fs) return;
    close(fs->dir);
    OKTA_CC_FREE(fs);
    memset(store, 0, sizeof *store);
}

#if OKTA_CC__FILE_STORE
/* A directory stream over the store's directory, from its start (its own descriptor). */
static DIR *okta_cc__fs_opendir(const okta_cc__file_store *fs, okta_cc_error *err)
{
    int fd = dup(fs->dir);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0) close(fd);
        okta_cc__set_error(err, OKTA_CC_ERR_IO, "cannot list the token store: %s", strerror(e));
        return NULL;
    }
    rewinddir(d);
    return d;
}

/* The id of a file name "<64 hex>" + ext (ext a prefix of the rest when prefix is set). */
static int okta_cc__fs_entry_id(const char *name, const char *ext, int prefix, char id[65])
{
    if (strlen(name) < 64) return 0;
    memcpy(id, name, 64);
    id[64] = '\0';
    if (!okta_cc__store_id_ok(id)) return 0;
    return prefix ? strncmp(name + 64, ext, strlen(ext)) == 0 : strcmp(name + 64, ext) == 0;
}

/* One listed entry: read, decoded against its file name's id, handed to fn; 1 when fn stops. */
static int okta_cc__fs_list_one(okta_cc__file_store *fs, const char *id, char *buf, okta_cc_store_entry_fn fn,
                                void *user)
{
    okta_cc__store_state st;
    okta_cc_store_entry e;
    size_t n = 0;
    int stop;
    if (okta_cc__fs_load(fs, id, buf, OKTA_CC__STORE_MAX + 1, &n, NULL) != OKTA_CC_OK) return 0;
    if (okta_cc__store_decode(buf, n, id, NULL, &st, NULL) != OKTA_CC_OK) {
        okta_cc_wipe(buf, n);
        return 0;
    }
    okta_cc_wipe(buf, n);
    memset(&e, 0, sizeof e);
    e.id = st.id;
    e.token_url = st.token_url;
    e.client_id = st.client_id;
    e.token_type = st.token ? st.token_type : "";
    e.expires_at = st.token ? st.expires_at : 0;
    e.dpop_required = st.dpop_required;
    stop = fn(user, &e);
    okta_cc__store_state_wipe(&st, NULL);
    return stop;
}
#endif

OKTA_CC_DEF okta_cc_result okta_cc_file_store_list(const okta_cc_token_store *store, okta_cc_store_entry_fn fn,
                                                   void *user, okta_cc_error *err)
{
    okta_cc__file_store *fs = okta_cc__file_store_of(store);
#if OKTA_CC__FILE_STORE
    struct dirent *de;
    char id[65], *buf;
    DIR *d;
#endif
    okta_cc__error_reset(err);
    if (!fs || !fn) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "not a file store, or no callback");
#if OKTA_CC__FILE_STORE
    buf = (char *)OKTA_CC_MALLOC(OKTA_CC__STORE_MAX + 1);
    if (!buf) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    d = okta_cc__fs_opendir(fs, err);
    while (d && (de = readdir(d)) != NULL)
        if (okta_cc__fs_entry_id(de->d_name, ".json", 0, id) && okta_cc__fs_list_one(fs, id, buf, fn, user)) break;
    if (d) closedir(d);
    OKTA_CC_FREE(buf);
    return d ? OKTA_CC_OK : OKTA_CC_ERR_IO;
#else
    (void)user;
    return OKTA_CC_ERR_INVALID_ARGUMENT;
#endif
}

OKTA_CC_DEF okta_cc_result okta_cc_file_store_clear(const okta_cc_token_store *store, size_t *removed,
                                                    okta_cc_error *err)
{
    okta_cc__file_store *fs = okta_cc__file_store_of(store);
#if OKTA_CC__FILE_STORE
    struct dirent *de;
    char id[65];
    int failed = 0;
    DIR *d;
#endif
    okta_cc__error_reset(err);
    if (removed) *removed = 0;
    if (!fs) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "not a file store");
#if OKTA_CC__FILE_STORE
    d = okta_cc__fs_opendir(fs, err);
    if (!d) return OKTA_CC_ERR_IO;
    while ((de = readdir(d)) != NULL) {
        int entry = okta_cc__fs_entry_id(de->d_name, ".json", 0, id);
        if (!entry && !okta_cc__fs_entry_id(de->d_name, ".lock", 0, id) &&
            !okta_cc__fs_entry_id(de->d_name, ".tmp.", 1, id))
            continue;
        if (okta_cc__fs_unlink(fs, de->d_name) != 0) {
            if (!failed++) okta_cc__set_error(err, OKTA_CC_ERR_IO, "cannot remove %.80s: %s", de->d_name, strerror(errno));
        } else if (entry && removed) {
            (*removed)++;
        }
    }
    closedir(d);
    return failed ? OKTA_CC_ERR_IO : OKTA_CC_OK;
#else
    return OKTA_CC_ERR_INVALID_ARGUMENT;
#endif
}

/* ---------------------------------------------------------------------------------------------
   >>client     Token client
   uses: >>result >>b64url >>json >>rng >>key >>jws >>pkcs11 >>assertion >>url >>dpop >>http >>store
   ------------------------------------------------------------------------------------------- */

/* ---- the configuration: defaults, the environment, one check ------------------------------ */

/* The one home of the defaults (OKTA_CC_DEFAULT_*): okta_cc_config_init sets them, and a 0
   left by a caller who zeroed the struct instead is read as the default too. Negative values
   pass: they mean "none" (token_skew, token_refresh_ahead, max_retries) or are refused (okta_cc__check_config_numbers). */
static void okta_cc__config_defaults(okta_cc_config *cfg)
{
    if (!cfg->assertion_ttl) cfg->assertion_ttl = OKTA_CC_DEFAULT_ASSERTION_TTL;
    if (!cfg->token_skew) cfg->token_skew = OKTA_CC_DEFAULT_TOKEN_SKEW;
    if (!cfg->max_response_bytes) cfg->max_response_bytes = OKTA_CC_DEFAULT_MAX_RESPONSE_BYTES;
    if (!cfg->max_retries) cfg->max_retries = OKTA_CC_DEFAULT_MAX_RETRIES;
    if (!cfg->retry_deadline_ms) cfg->retry_deadline_ms = OKTA_CC_DEFAULT_RETRY_DEADLINE_MS;
    if (!cfg->token_refresh_ahead) cfg->token_refresh_ahead = OKTA_CC_DEFAULT_TOKEN_REFRESH_AHEAD;
    okta_cc__http_defaults(&cfg->http);
}

OKTA_CC_DEF void okta_cc_config_init(okta_cc_config *cfg)
{
    if (!cfg) return;
    memset(cfg, 0, sizeof *cfg);
    okta_cc__config_defaults(cfg);
}

static void okta_cc__env_default(const char **field, const char *name)
{
    const char *v;
    if (*field) return;
    v = getenv(name);
    if (v && *v) *field = v;
}

OKTA_CC_DEF void okta_cc_config_from_env(okta_cc_config *cfg)
{
    if (!cfg) return;
    okta_cc__env_default(&cfg->org_url, "OKTA_CLIENT_ORGURL");
    okta_cc__env_default(&cfg->client_id, "OKTA_CLIENT_CLIENTID");
    if (!cfg->key && !cfg->signer) okta_cc__env_default(&cfg->private_key, "OKTA_CLIENT_PRIVATEKEY");
    okta_cc__env_default(&cfg->key_id, "OKTA_CLIENT_PRIVATEKEYID");
    okta_cc__env_default(&cfg->key_id, "OKTA_CLIENT_KID");
    okta_cc__env_default(&cfg->scopes, "OKTA_CLIENT_SCOPES");
    okta_cc__env_default(&cfg->auth_server_id, "OKTA_CLIENT_AUTHSERVERID");
    okta_cc__env_default(&cfg->client_secret, "OKTA_CLIENT_CLIENTSECRET");
    okta_cc__env_default(&cfg->http.ca_file, "OKTA_CC_CA_FILE");
    if (!cfg->dpop_signer) okta_cc__env_default(&cfg->dpop_key, "OKTA_CLIENT_DPOPKEY");
    okta_cc__env_default(&cfg->pkcs11_module, "OKTA_CC_PKCS11_MODULE");
    okta_cc__env_default(&cfg->pkcs11_pin, "OKTA_CC_PKCS11_PIN");
    if (cfg->dpop == OKTA_CC_DPOP_AUTO) {
        /* Read once: a second getenv may find the variable gone (another thread's unsetenv). */
        const char *v = getenv("OKTA_CLIENT_DPOPENABLED");
        if (v && okta_cc__ieq(v, "true")) cfg->dpop = OKTA_CC_DPOP_ALWAYS;
        else if (v && okta_cc__ieq(v, "false")) cfg->dpop = OKTA_CC_DPOP_NEVER;
    }
}

/* The numbers after okta_cc__config_defaults: a lifetime Okta accepts, and no negative time
   where a negative has no meaning (it would be a sign mistake, not "none"). */
static okta_cc_result okta_cc__check_config_numbers(const okta_cc_config *cfg, okta_cc_error *err)
{
    if (cfg->assertion_ttl < 1 || cfg->assertion_ttl > OKTA_CC_MAX_ASSERTION_TTL)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "assertion lifetime must be 1..%d s (Okta refuses more than an hour)",
                             OKTA_CC_MAX_ASSERTION_TTL);
    if (cfg->retry_deadline_ms < 0)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "retry_deadline_ms cannot be negative (0 = the default)");
    if ((int)cfg->dpop < (int)OKTA_CC_DPOP_AUTO || (int)cfg->dpop > (int)OKTA_CC_DPOP_NEVER)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "dpop must be OKTA_CC_DPOP_AUTO, _ALWAYS or _NEVER");
    return OKTA_CC_OK;
}

/* A client id of the characters Okta allows in one: ASCII letters, digits and $-_.+!*'(),
   (ApplicationCredentialsOAuthClient in Okta's management API; generated ids are 0oa + 17
   letters and digits). Anything else is not worth a token request that Okta refuses. */
static int okta_cc__client_id_ok(const char *id)
{
    for (; *id; id++) {
        unsigned char ch = (unsigned char)*id;
        int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
        if (!alnum && !strchr("$-_.+!*'(),", ch)) return 0;
    }
    return 1;
}

/* Identifiers that go into the token request, the assertion or a header. They are encoded
   where they go, except the user agent, but a control character in any of them is a mistake
   (a stray newline from a file or variable): say so rather than send it. Values are not shown. */
static okta_cc_result okta_cc__check_config_text(const okta_cc_config *cfg, okta_cc_error *err)
{
    if (!cfg->client_id || !cfg->client_id[0])
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "no client id configured (OKTA_CLIENT_CLIENTID)");
    if (okta_cc__has_ctl(cfg->client_id, 0))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "the client id contains control characters");
    if (!okta_cc__client_id_ok(cfg->client_id))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "the client id (OKTA_CLIENT_CLIENTID) has a character Okta never allows in one: "
                             "only letters, digits and $-_.+!*'(), (a space or a quote is a copying mistake)");
    if (cfg->scopes && okta_cc__has_ctl(cfg->scopes, 1))   /* a tab separates scopes */
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "the scopes contain control characters");
    if (cfg->key_id && (okta_cc__has_ctl(cfg->key_id, 0) || strlen(cfg->key_id) >= OKTA_CC_KID_MAX))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "the key id contains control characters or is longer than %d bytes", OKTA_CC_KID_MAX - 1);
    return OKTA_CC_OK;
}

/* The one check of a configuration, after okta_cc__config_defaults: its identifiers, its
   numbers, and the network settings the transport will be made from (>>http's own check). */
static okta_cc_result okta_cc__check_config(const okta_cc_config *cfg, okta_cc_error *err)
{
    okta_cc_result r = okta_cc__check_config_text(cfg, err);
    if (r == OKTA_CC_OK) r = okta_cc__check_config_numbers(cfg, err);
    if (r == OKTA_CC_OK) r = okta_cc__http_check(&cfg->http, err);
    return r;
}


/* ---- the client and its one copy of the configuration --------------------------------------- */

struct okta_cc_client {
    /* The configuration, resolved once by okta_cc_client_new (okta_cc__client_configure) and
       never changed: numbers hold their real values (okta_cc__config_defaults), alg the one
       resolved from the key; org_url, token_url (both normalised), client_id, scopes (space
       separated) and client_secret are owned copies; transport is the one in use. Every other
       string is NULL: the key is loaded into key, the user agent and CA went to libcurl, the
       authorization server id into token_url. */
    okta_cc_config cfg;
    okta_cc_key key;
    okta_cc__curl *curl;                /* the libcurl transport, when the caller gave none */
    okta_cc_rng rng;                    /* jti and jitter, when cfg.random is NULL (rng_lock) */
    int transport_busy;                 /* a transport that is not concurrent is in use
                                           (transport_lock) */
    /* Everything below is guarded by lock. No user callback (log, clock, sleep, random,
       transport) ever runs with lock, rng_lock or transport_lock held: each may call back into
       the client. */
    int64_t clock_offset;
    char *token;                        /* the cached access token, or NULL */
    size_t token_len;
    okta_cc_token_info info;
    int fetching;                       /* a fetch is under way (single flight) */
#ifndef OKTA_CC_NO_THREADS
    pthread_t fetcher;                  /* the thread running it, while fetching */
#endif
    int64_t refresh_not_before;         /* no fetch ahead of renewal before this (local clock) */
    int renewed_elsewhere;              /* the last fetch ahead found another process renewing
                                           (it held the token store's lock) */
    unsigned long attempts;             /* completed fetch attempts (waiters watch it) */
    unsigned long token_generation;     /* of the cached token: tokens stored so far */
    okta_cc_result last_result;         /* of the latest attempt, handed to its waiters */
    okta_cc_error last_error;
    unsigned long fetches;
    int dpop_on;                        /* token requests carry a DPoP proof (ALWAYS, or AUTO
                                           after the server asked for one) */
    char dpop_nonce[2][256];            /* the latest DPoP-Nonce of the token endpoint
                                           (OKTA_CC__NONCE_TOKEN) and of the API (_API); "" none */
    okta_cc_key dpop_key;               /* the DPoP proof key (cfg.dpop != NEVER); set by
                                           okta_cc_client_new, replaced only by a fetch that
                                           takes a stored token bound to another generated key:
                                           proofs copy it under the lock, then sign without it */
    okta_cc_key prev_dpop_key;          /* the key before, for tokens of a generation before */
    unsigned long key_generation;       /* key_generation (see okta_cc__dpop_key_locked) */
    unsigned char refused[32];          /* SHA-256 of the last token refused (dropped by an
                                           invalidation): never taken from the store again */
    /* The token store (cfg.token_store), set by okta_cc_client_new and never changed: */
    char store_id[65];                  /* the identity's id; "" = no store */
    int dpop_key_configured;            /* cfg.dpop_key or dpop_signer was given: the store keeps its thumbprint */
#ifdef OKTA_CC_PKCS11
    okta_cc_pkcs11 *p11[2];             /* the tokens of key (0) and dpop_key (1) when their
                                           settings were pkcs11: URIs; closed with the client */
#endif
#ifndef OKTA_CC_NO_THREADS
    pthread_mutex_t lock;
    pthread_cond_t fetched;
    pthread_mutex_t rng_lock;           /* rng, held for its generation alone */
    pthread_mutex_t transport_lock;     /* transport_busy: one request at a time on a transport
                                           that is not concurrent (cfg.transport.concurrent == 0) */
    pthread_cond_t transport_free;
    pthread_t transport_user;           /* the thread in it, while transport_busy */
#endif
};

#define OKTA_CC__NONCE_TOKEN 0
#define OKTA_CC__NONCE_API 1


/* The org URL (optional when a token URL is given) and the token URL, both normalised. */
static okta_cc_result okta_cc__client_urls(okta_cc_client *c, const okta_cc_config *cfg, okta_cc_error *err)
{
    char *url = NULL;
    okta_cc_result r;
    if ((!cfg->org_url || !cfg->org_url[0]) && (!cfg->token_url || !cfg->token_url[0]))
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "no org URL (OKTA_CLIENT_ORGURL) or token URL configured");
    if (cfg->org_url) {
        r = okta_cc__normalise_org_url(&c->cfg.alloc, cfg->org_url, &url, err);
        c->cfg.org_url = url;
        if (r != OKTA_CC_OK) return r;
    }
    url = NULL;
    if (!cfg->token_url) {
        r = okta_cc__org_token_url(&c->cfg.alloc, c->cfg.org_url, cfg->auth_server_id, &url, err);
        c->cfg.token_url = url;
        return r;
    }
    r = okta_cc__normalise_token_url(&c->cfg.alloc, cfg->token_url, &url, err);
    c->cfg.token_url = url;
    return r;
}

/* Scopes arrive space or comma separated; the form wants them space separated. */
static char *okta_cc__normalise_scopes(const okta_cc_allocator *a, const char *in)
{
    char *out = (char *)okta_cc__malloc(a, strlen(in) + 1), *o = out;
    if (!out) return NULL;
    while (*in) {
        size_t n;
        while (*in == ' ' || *in == ',' || *in == '\t' || *in == '+') in++;
        n = strcspn(in, " ,\t+");
        if (!n) break;
        if (o != out) *o++ = ' ';
        memcpy(o, in, n);
        o += n;
        in += n;
    }
    *o = '\0';
    return out;
}

/* A key setting (what names it in messages): inline PEM/JWK text, or a file path. */
static okta_cc_result okta_cc__load_key_setting(okta_cc_client *c, okta_cc_key *key, const char *k, const char *kid,
                                                const char *what, okta_cc_error *err)
{
    int fd;
    if (strstr(k, "-----BEGIN ") || strpbrk(k, "{\"\n") || strlen(k) > 1024)
        return okta_cc__load_key_text(key, k, strlen(k), kid, &c->cfg.alloc, err);
    /* Not shown in messages: a mistyped setting may hold key material, not a path. Opened
       without waiting (a FIFO nobody writes to must not hang the client). */
    fd = okta_cc__open_nonblock(k);
    if (fd < 0)
        return okta_cc__fail(err, OKTA_CC_ERR_IO,
                             "the %s setting (%u characters, not shown) is neither PEM/JWK text nor a "
                             "readable file: %s", what, (unsigned)strlen(k), strerror(errno));
    close(fd);
    return okta_cc__load_key_file(key, k, kid, &c->cfg.alloc, err);
}

/* A key setting that is a pkcs11: URI: the key opened in its token (slot 0: the assertion's,
   1: DPoP's), kept open until the client is freed. */
static okta_cc_result okta_cc__client_pkcs11_key(okta_cc_client *c, const okta_cc_config *cfg, int slot,
                                                 okta_cc_key *key, const char *uri, okta_cc_error *err)
{
#ifdef OKTA_CC_PKCS11
    okta_cc_result r = okta_cc_pkcs11_open(&c->p11[slot], cfg->pkcs11_module, uri, cfg->pkcs11_pin, &c->cfg.alloc, err);
    if (r == OKTA_CC_OK) r = okta_cc_key_from_signer(key, okta_cc_pkcs11_signer(c->p11[slot]), err);
    return r;
#else
    (void)c, (void)cfg, (void)slot, (void)key, (void)uri;
    return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "a pkcs11: key needs okta_cc.h compiled with OKTA_CC_PKCS11");
#endif
}

/* The private key: an already loaded one, inline PEM/JWK text, or a file path. */
static okta_cc_result okta_cc__client_load_key(okta_cc_client *c, const okta_cc_config *cfg, okta_cc_error *err)
{
    const char *k = cfg->private_key;
    okta_cc_result r;
    if (cfg->signer) {
        r = okta_cc_key_from_signer(&c->key, cfg->signer, err);
        /* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.strcpy): bounded by the strlen test */
        if (r == OKTA_CC_OK && cfg->key_id && strlen(cfg->key_id) < sizeof c->key.kid) strcpy(c->key.kid, cfg->key_id);
        return r;
    }
    if (cfg->key) {
        c->key = *cfg->key;
        /* NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.strcpy): bounded by the strlen test */
        if (cfg->key_id && strlen(cfg->key_id) < sizeof c->key.kid) strcpy(c->key.kid, cfg->key_id);
        return OKTA_CC_OK;
    }
    if (!k || !k[0])
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "no private key configured (OKTA_CLIENT_PRIVATEKEY: a file or PEM/JWK text)");
    if (strncmp(k, "pkcs11:", 7) == 0)
        r = okta_cc__client_pkcs11_key(c, cfg, 0, &c->key, k, err);
    else
        r = okta_cc__load_key_setting(c, &c->key, k, cfg->key_id, "private key", err);
    /* An explicit kid is what gets sent, even when the JWK carries another one (too long a one
       was refused with the configuration). NOLINTNEXTLINE(clang-analyzer-security.insecureAPI.strcpy) */
    if (r == OKTA_CC_OK && cfg->key_id && strlen(cfg->key_id) < sizeof c->key.kid) strcpy(c->key.kid, cfg->key_id);
    return r;
}

/* How the client proves who it is: a key (and the algorithm it signs with), or a secret,
   which Okta's org authorization server does not take for client credentials. */
static okta_cc_result okta_cc__client_check_auth(okta_cc_client *c, const okta_cc_config *cfg, okta_cc_error *err)
{
    if (cfg->auth_method == OKTA_CC_AUTH_PRIVATE_KEY_JWT) {
        okta_cc_result r = okta_cc__client_load_key(c, cfg, err);
        if (r != OKTA_CC_OK) return r;
        return okta_cc__resolve_alg(&c->key, &c->cfg.alg, err);
    }
    if (!cfg->client_secret || !cfg->client_secret[0])
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "client_secret authentication needs a client secret (OKTA_CLIENT_CLIENTSECRET)");
    if (!cfg->auth_server_id && !cfg->token_url)
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "Okta's org authorization server accepts only private_key_jwt for client credentials: "
                             "use a private key, or a custom authorization server (auth_server_id) with the secret");
    c->cfg.client_secret = okta_cc__strdup(&c->cfg.alloc, cfg->client_secret);
    return c->cfg.client_secret ? OKTA_CC_OK : okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
}

/* Takes the caller's settings into c->cfg: a plain copy, so that a new setting needs nothing
   here, with the strings cleared at once (okta_cc_client_free frees what c->cfg points to,
   which must never be the caller's) and the numbers resolved and checked. */
/* c->cfg from the resolved configuration, without the caller's strings: the ones the client
   keeps are copied by okta_cc__client_configure, the network ones go to the transport only. */
static void okta_cc__client_copy_settings(okta_cc_client *c, const okta_cc_config *resolved)
{
    okta_cc_config *own = &c->cfg;
    *own = *resolved;
    own->org_url = own->client_id = own->private_key = own->key_id = own->scopes = NULL;
    own->auth_server_id = own->token_url = own->client_secret = own->dpop_key = NULL;
    own->http.ca_file = own->http.ca_pem = own->http.user_agent = NULL;
    own->key = NULL;
    own->signer = own->dpop_signer = NULL;
    own->pkcs11_module = own->pkcs11_pin = NULL;
}

/* The DPoP key (not with OKTA_CC_DPOP_NEVER): the dpop_key setting, else a new EC P-256 key
   from the client's generator (a system-seeded one when cfg.random is injected). */
static okta_cc_result okta_cc__client_dpop_key(okta_cc_client *c, const okta_cc_config *cfg, okta_cc_error *err)
{
    okta_cc_result r;
    c->dpop_on = cfg->dpop == OKTA_CC_DPOP_ALWAYS;
    if (cfg->dpop == OKTA_CC_DPOP_NEVER) return OKTA_CC_OK;
    c->dpop_key_configured = cfg->dpop_signer || (cfg->dpop_key && cfg->dpop_key[0]);
    if (cfg->dpop_signer)
        r = okta_cc_key_from_signer(&c->dpop_key, cfg->dpop_signer, err);
    else if (cfg->dpop_key && strncmp(cfg->dpop_key, "pkcs11:", 7) == 0)
        r = okta_cc__client_pkcs11_key(c, cfg, 1, &c->dpop_key, cfg->dpop_key, err);
    else if (cfg->dpop_key && cfg->dpop_key[0])
        r = okta_cc__load_key_setting(c, &c->dpop_key, cfg->dpop_key, NULL, "DPoP key", err);
    else
        r = okta_cc_key_generate(&c->dpop_key, OKTA_CC_KEY_EC, 256, c->cfg.random ? NULL : &c->rng, err);
    if (r == OKTA_CC_OK) {
        okta_cc_alg alg = OKTA_CC_ALG_DEFAULT;
        r = okta_cc__resolve_alg(&c->dpop_key, &alg, err);
    }
    return r;
}

/* The caller's transport, else a libcurl one made from the network settings alone (http,
   resolved and checked with the rest of the configuration). */
static okta_cc_result okta_cc__client_transport(okta_cc_client *c, const okta_cc_config *resolved, okta_cc_error *err)
{
    if (resolved->transport.perform) return OKTA_CC_OK;     /* already in c->cfg.transport */
#ifndef OKTA_CC_NO_CURL
    {
        okta_cc_result r = okta_cc__curl_new(&c->curl, &resolved->http, &c->cfg.alloc, err);
        if (r == OKTA_CC_OK) okta_cc__warn_insecure(&resolved->http, c->cfg.log, c->cfg.log_user);
        c->cfg.transport.perform = r == OKTA_CC_OK ? okta_cc__curl_perform : NULL;
        c->cfg.transport.ctx = c->curl;
        c->cfg.transport.concurrent = 1;
        return r;
    }
#else
    (void)c;
    return okta_cc__fail(err, OKTA_CC_ERR_CONFIG, "built with OKTA_CC_NO_CURL: set config.transport");
#endif
}

/* Resolves the caller's configuration (defaults for zeros), checks it once, and keeps it in
   c->cfg, the only place settings are read from afterwards. */
static okta_cc_result okta_cc__client_configure(okta_cc_client *c, const okta_cc_config *caller, okta_cc_error *err)
{
    okta_cc_config resolved = *caller;
    const okta_cc_config *cfg = &resolved;
    okta_cc_result r;
    okta_cc__config_defaults(&resolved);
    r = okta_cc__check_config(cfg, err);
    if (r != OKTA_CC_OK) return r;
    okta_cc__client_copy_settings(c, cfg);
    c->cfg.client_id = okta_cc__strdup(&c->cfg.alloc, cfg->client_id);
    /* Scopes are checked when a token is fetched: a client that only signs assertions needs none. */
    c->cfg.scopes = okta_cc__normalise_scopes(&c->cfg.alloc, cfg->scopes ? cfg->scopes : "");
    if (!c->cfg.client_id || !c->cfg.scopes) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    r = okta_cc__client_urls(c, cfg, err);
    if (r == OKTA_CC_OK) r = okta_cc__client_check_auth(c, cfg, err);
    if (r == OKTA_CC_OK && !c->cfg.random && okta_cc_rng_init(&c->rng, NULL) != OKTA_CC_OK)
        r = okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "no system randomness");
    if (r == OKTA_CC_OK) r = okta_cc__client_dpop_key(c, cfg, err);
    if (r == OKTA_CC_OK) r = okta_cc__client_transport(c, cfg, err);
    return r;
}

static int64_t okta_cc__now(okta_cc_client *c)
{
    return c->cfg.clock ? c->cfg.clock(c->cfg.clock_user) : (int64_t)time(NULL);
}

/* Milliseconds of wall time, for durations in log lines and the retry deadline. */
static int64_t okta_cc__ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* ---- Date header and clock offset ----------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t okta_cc__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The value of n decimal digits at s: digits only (no sign, no space), else -1. */
static int okta_cc__fixed_digits(const char *s, int n)
{
    int v = 0;
    for (; n > 0; n--, s++) {
        if (*s < '0' || *s > '9') return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* The index of the three letters at s in names (three letters each, count of them), or -1. */
static int okta_cc__name_index(const char *s, const char *names, int count)
{
    int i;
    for (i = 0; i < count; i++)
        if (memcmp(s, names + 3 * (size_t)i, 3) == 0) return i;
    return -1;
}

static int okta_cc__days_in_month(int y, int m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* Parses exactly an IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7),
   into Unix seconds: fixed widths, exact day and month names, digits only, the day valid for
   its month, hour 0-23, minute 0-59, second 0-60, "GMT" and nothing after it. The obsolete
   RFC 850 and asctime forms, and everything else, give 0. */
static int okta_cc__parse_http_date(const char *s, size_t len, int64_t *out)
{
    static const char layout[] = "Www, DD Mmm YYYY hh:mm:ss GMT";
    int d, m, y, hh, mm, ss;
    size_t i;
    if (len != sizeof layout - 1) return 0;
    for (i = 0; i < len; i++)               /* separators and "GMT" exactly where they belong */
        if ((i >= 26 || strchr(", :", layout[i])) && s[i] != layout[i]) return 0;
    if (okta_cc__name_index(s, "MonTueWedThuFriSatSun", 7) < 0) return 0;
    m = okta_cc__name_index(s + 8, "JanFebMarAprMayJunJulAugSepOctNovDec", 12) + 1;
    d = okta_cc__fixed_digits(s + 5, 2);
    y = okta_cc__fixed_digits(s + 12, 4);
    hh = okta_cc__fixed_digits(s + 17, 2);
    mm = okta_cc__fixed_digits(s + 20, 2);
    ss = okta_cc__fixed_digits(s + 23, 2);
    if (m < 1 || y < 0 || d < 1 || d > okta_cc__days_in_month(y, m) || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 60)
        return 0;
    *out = okta_cc__days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
    return 1;
}

/* The server's time from a response's Date header, believed only in [2020-01-01,
   2100-01-01): any real server is inside, whatever the local clock says (a device that booted
   in 1970 must still learn the real date), and a broken header cannot teach an absurd offset. */
static int okta_cc__server_date(const okta_cc_http_response *resp, int64_t *out)
{
    static const int64_t first = 1577836800, end = 4102444800;   /* 2020-01-01, 2100-01-01 */
    size_t n;
    int64_t t;
    const char *date = okta_cc_http_response_header(resp, "Date", 0, &n);
    if (!date || !okta_cc__parse_http_date(date, n, &t) || t < first || t >= end) return 0;
    *out = t;
    return 1;
}

/* Learns the server's clock from its Date header, so later assertions carry its time. Within
   5 s the clocks count as one: the offset is for clocks that are wrong, not merely unsynced. */
static void okta_cc__learn_clock_offset(okta_cc_client *c, const okta_cc_http_response *resp, int64_t local)
{
    int64_t server, diff;
    if (!okta_cc__server_date(resp, &server)) return;
    diff = server - local;
    OKTA_CC__LOCK(&c->lock);
    c->clock_offset = diff > 5 || diff < -5 ? diff : 0;
    OKTA_CC__UNLOCK(&c->lock);
}

/* ---- one exchange: the transport lock and the log line -------------------------------------- */

/* Takes a transport that is not concurrent for one request, once no other request of the
   client has it. It is marked busy rather than locked, so that no lock is held while it runs;
   a request from inside its own call (a callback of it, on the same thread) would wait for
   itself, and is refused. */
static okta_cc_result okta_cc__transport_take(okta_cc_client *c, okta_cc_error *err)
{
    okta_cc_result r = OKTA_CC_OK;
    OKTA_CC__LOCK(&c->transport_lock);
#ifndef OKTA_CC_NO_THREADS
    while (c->transport_busy && !pthread_equal(c->transport_user, pthread_self()))
        pthread_cond_wait(&c->transport_free, &c->transport_lock);
#endif
    if (c->transport_busy) {            /* busy with this very thread */
        r = okta_cc__fail(err, OKTA_CC_ERR_THREAD,
                          "a request from a callback inside this client's own transport, which takes one request "
                          "at a time (okta_cc_transport.concurrent = 0)");
    } else {
        c->transport_busy = 1;
#ifndef OKTA_CC_NO_THREADS
        c->transport_user = pthread_self();
#endif
    }
    OKTA_CC__UNLOCK(&c->transport_lock);
    return r;
}

static void okta_cc__transport_give(okta_cc_client *c)
{
    OKTA_CC__LOCK(&c->transport_lock);
    c->transport_busy = 0;
#ifndef OKTA_CC_NO_THREADS
    pthread_cond_signal(&c->transport_free);
#endif
    OKTA_CC__UNLOCK(&c->transport_lock);
}

/* Hands one request to the transport: at once to a concurrent one (the libcurl pool), else one
   at a time per client. Every value in it was checked where it came in; this last check also
   covers custom transports. */
static okta_cc_result okta_cc__perform(okta_cc_client *c, const okta_cc_http_request *req,
                                       okta_cc_http_response *resp, okta_cc_error *err)
{
    okta_cc_result r;
    int serial = !c->cfg.transport.concurrent;
    if (!okta_cc__request_text_ok(req))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "refusing a request whose method, URL or headers hold control characters");
    if (serial && (r = okta_cc__transport_take(c, err)) != OKTA_CC_OK) return r;
    r = c->cfg.transport.perform(c->cfg.transport.ctx, req, resp, err);
    if (serial) okta_cc__transport_give(c);
    /* A transport that says a response arrived but gave no status line: no HTTP response at
       all, never a success with status 0. */
    if (r == OKTA_CC_OK && resp->status < 100)
        r = okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE, "the response to %s has no HTTP status line", req->method);
    return r;
}

/* One log line per HTTP exchange. Never headers or bodies: no token, assertion or secret. */
static void okta_cc__log_exchange(okta_cc_client *c, const char *method, const char *url, okta_cc_result r,
                                  long status, int64_t ms, int retry, const okta_cc_rate_limit *rl)
{
    /* outcome holds the longest okta_cc_result_str, so the line never cuts it mid-word */
    char label[768], outcome[256], rate[48] = "", line[sizeof label + sizeof outcome + sizeof rate + 64];
    if (!c->cfg.log) return;
    okta_cc__request_label(method, url, label, sizeof label);
    if (r == OKTA_CC_OK) snprintf(outcome, sizeof outcome, "%ld", status);
    else snprintf(outcome, sizeof outcome, "failed (%s)", okta_cc_result_str(r));
    if (rl && rl->present) snprintf(rate, sizeof rate, ", rate limit remaining %lld", (long long)rl->remaining);
    snprintf(line, sizeof line, "%s -> %s (%lld ms, retry %d%s)", label, outcome, (long long)ms, retry, rate);
    c->cfg.log(c->cfg.log_user, line);
}

/* ---- retries: waits and budgets, for the token endpoint and the API alike ------------------ */

/* Reads an integer header value; 0 if absent or malformed. */
static int okta_cc__header_int(const okta_cc_http_response *h, const char *name, size_t index, int64_t *out)
{
    size_t n, i;
    const char *v = okta_cc_http_response_header(h, name, index, &n);
    int64_t x = 0;
    if (!v || !n || n > 18) return 0;
    for (i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return 0;
        x = x * 10 + (v[i] - '0');
    }
    *out = x;
    return 1;
}

/* X-Rate-Limit-*; when Reset repeats (Okta sometimes sends two), the smallest one counts. */
static void okta_cc__parse_rate_limit(const okta_cc_http_response *h, okta_cc_rate_limit *rl)
{
    int64_t v;
    size_t i;
    memset(rl, 0, sizeof *rl);
    rl->present = okta_cc__header_int(h, "X-Rate-Limit-Limit", 0, &rl->limit) |
                  okta_cc__header_int(h, "X-Rate-Limit-Remaining", 0, &rl->remaining);
    for (i = 0; okta_cc__header_int(h, "X-Rate-Limit-Reset", i, &v); i++) {
        if (!rl->reset || v < rl->reset) rl->reset = v;
        rl->present = 1;
    }
}

/* The server's time when it sent http: its Date, else the local clock corrected by the offset
   learnt before. Rate-limit times are the server's, so waits are measured against this. */
static int64_t okta_cc__server_now(okta_cc_client *c, const okta_cc_http_response *http)
{
    int64_t t, offset;
    if (okta_cc__server_date(http, &t)) return t;
    OKTA_CC__LOCK(&c->lock);
    offset = c->clock_offset;
    OKTA_CC__UNLOCK(&c->lock);
    return okta_cc__now(c) + offset;
}

/* Retry-After (RFC 9110 section 10.2.3) in seconds from now: delta-seconds, or an HTTP-date
   measured against the response's Date. 0 when absent or malformed. */
static int okta_cc__retry_after_s(okta_cc_client *c, const okta_cc_http_response *http, int64_t *out)
{
    const char *v;
    size_t n;
    int64_t at;
    if (okta_cc__header_int(http, "Retry-After", 0, out)) return 1;
    v = okta_cc_http_response_header(http, "Retry-After", 0, &n);
    if (!v || !okta_cc__parse_http_date(v, n, &at)) return 0;
    at -= okta_cc__server_now(c, http);
    *out = at > 0 ? at : 0;
    return 1;
}

/* n random bytes from the injected source (tests), called with no lock held, or from the
   client's DRBG under rng_lock, held for the generation alone. */
static okta_cc_result okta_cc__client_random(okta_cc_client *c, void *buf, size_t n)
{
    okta_cc_result r;
    if (c->cfg.random) return c->cfg.random(c->cfg.random_user, buf, n);
    OKTA_CC__LOCK(&c->rng_lock);
    r = okta_cc_rng_bytes(&c->rng, buf, n, NULL);
    OKTA_CC__UNLOCK(&c->rng_lock);
    return r;
}

static void okta_cc__sleep(okta_cc_client *c, long ms)
{
    if (ms <= 0) return;
    if (c->cfg.sleep) c->cfg.sleep(c->cfg.sleep_user, ms);
    else poll(NULL, 0, (int)ms);
}

/* A random number in [0, n) for retry jitter, so clients that failed together do not all
   come back at the same moment. */
static long okta_cc__jitter(okta_cc_client *c, long n)
{
    unsigned char b[4];
    uint32_t v;
    if (n <= 0) return 0;
    if (okta_cc__client_random(c, b, sizeof b) != OKTA_CC_OK) return 0;
    v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return (long)(v % (uint32_t)n);
}

/* How long to wait after a 429: until Reset, measured against the server's Date, + 1 s;
   without a Reset, Retry-After; else 1 s. At least 1 s, at most an hour, plus jitter. */
static long okta_cc__rate_limit_wait_ms(okta_cc_client *c, const okta_cc_http_response *http,
                                        const okta_cc_rate_limit *rl)
{
    int64_t wait_s = 1;
    if (rl->reset) wait_s = rl->reset - okta_cc__server_now(c, http) + 1;
    else okta_cc__retry_after_s(c, http, &wait_s);
    if (wait_s < 1) wait_s = 1;
    if (wait_s > 3600) wait_s = 3600;
    return (long)wait_s * 1000 + okta_cc__jitter(c, 250);
}

/* Exponential backoff for 503/504 and lost connections: 0.5 s, 1 s, 2 s ... (max 8 s) + 25%. */
static long okta_cc__backoff_ms(okta_cc_client *c, int retry)
{
    long base = 500L << (retry < 4 ? retry : 4);
    return base + okta_cc__jitter(c, base / 4);
}

/* Which failures that the server may have seen a request may be repeated after (a 429 and a
   connection never made always may): */
#define OKTA_CC__REPEAT_UNAVAILABLE 1   /* 503 and 504: the server did not act on it */
#define OKTA_CC__REPEAT_CUT 2           /* a connection cut short (OKTA_CC_ERR_NETWORK) */

/* How long to wait before repeating an attempt that ended with r (and, when r is OKTA_CC_OK,
   the response http with its rate limit rl) as its (retry+1)-th retry; -1: not to be repeated.
   429 waits for the rate limit; a connection never made (OKTA_CC_ERR_CONNECT: nothing was
   sent) backs off; 503/504 and a cut connection back off when repeat allows it (503/504 for at
   least the Retry-After they give); a timeout never (the server may still be working on it).
   Decided from results alone (see okta_cc_transport), never from an error struct. */
static long okta_cc__retry_wait_ms(okta_cc_client *c, okta_cc_result r, const okta_cc_http_response *http,
                                   const okta_cc_rate_limit *rl, int repeat, int retry)
{
    int64_t after;
    long wait;
    if (r == OKTA_CC_ERR_CONNECT || (r == OKTA_CC_ERR_NETWORK && (repeat & OKTA_CC__REPEAT_CUT)))
        return okta_cc__backoff_ms(c, retry);
    if (r != OKTA_CC_OK) return -1;
    if (http->status == 429) return okta_cc__rate_limit_wait_ms(c, http, rl);
    if ((http->status != 503 && http->status != 504) || !(repeat & OKTA_CC__REPEAT_UNAVAILABLE)) return -1;
    wait = okta_cc__backoff_ms(c, retry);
    if (okta_cc__retry_after_s(c, http, &after) && after * 1000 > wait)
        wait = (long)(after < 3600 ? after : 3600) * 1000 + okta_cc__jitter(c, 250);
    return wait;
}

/* The retries one request may still make: at most max_retries waits, and its attempts and
   waits together within deadline_ms. */
typedef struct okta_cc__retry_budget {
    int max_retries;                    /* >= 0 */
    long deadline_ms;                   /* > 0 */
    int waits;                          /* taken so far */
    long spent_ms;                      /* attempts and waits so far */
} okta_cc__retry_budget;

/* Waits wait_ms (from okta_cc__retry_wait_ms) when the budget has room for it and for one more
   attempt: 1 if it waited, 0 if the retries end here (also for wait_ms -1). It runs the user's
   sleep: never call it with a lock held. */
static int okta_cc__retry_wait(okta_cc_client *c, okta_cc__retry_budget *b, long wait_ms)
{
    if (wait_ms < 0 || b->waits >= b->max_retries || b->spent_ms + wait_ms > b->deadline_ms) return 0;
    okta_cc__sleep(c, wait_ms);
    b->spent_ms += wait_ms;
    b->waits++;
    return 1;
}

/* A request id to quote in X-Okta-Retry-For: the refused response's X-Okta-Request-Id when it
   looks like one (1 to 63 visible ASCII characters), else "". */
static void okta_cc__retry_for(const okta_cc_http_response *http, char out[64])
{
    size_t n = 0, i;
    const char *v = okta_cc_http_response_header(http, "X-Okta-Request-Id", 0, &n);
    out[0] = '\0';
    if (!v || !n || n > 63) return;
    for (i = 0; i < n; i++)
        if (v[i] <= ' ' || v[i] > '~') return;
    memcpy(out, v, n);
    out[n] = '\0';
}

/* The retry headers of Okta's SDKs, so the org's logs tie the attempts of one call together:
   "X-Okta-Retry-For: <request id of the refused attempt>" (when known) and
   "X-Okta-Retry-Count: <retry>" into lines, pointers to them appended to headers; how many. */
static size_t okta_cc__retry_headers(int retry, const char *retry_for, char lines[2][96], const char **headers)
{
    size_t k = 0;
    if (retry <= 0) return 0;
    if (retry_for[0]) {
        snprintf(lines[k], sizeof lines[k], "X-Okta-Retry-For: %s", retry_for);
        headers[k] = lines[k];
        k++;
    }
    snprintf(lines[k], sizeof lines[k], "X-Okta-Retry-Count: %d", retry);
    headers[k] = lines[k];
    return k + 1;
}

/* The note of a rate-limit error (OKTA_CC_ERR_RATE_LIMITED) after the last 429 http, and its
   Reset into *reset: how many retries were made and when the limit resets (server time). */
static void okta_cc__rate_limited_note(okta_cc_client *c, const okta_cc_http_response *http, int retries,
                                       char *note, size_t cap, int64_t *reset)
{
    okta_cc_rate_limit rl;
    int used;
    okta_cc__parse_rate_limit(http, &rl);
    *reset = rl.reset;
    used = snprintf(note, cap, "rate limited; retry budget spent after %d retr%s", retries, retries == 1 ? "y" : "ies");
    if (rl.reset && used > 0 && (size_t)used < cap) {
        int64_t in = rl.reset - okta_cc__server_now(c, http);
        snprintf(note + used, cap - (size_t)used, "; the limit resets in %lld s", (long long)(in > 0 ? in : 0));
    }
}

/* ---- token request and response ------------------------------------------------------------ */

/* Appends s form-encoded (application/x-www-form-urlencoded: unreserved kept, space as +;
   space_plus = 0 writes %20 instead, which every decoder reads as a space). */
static okta_cc_result okta_cc__form_encode(okta_cc__buf *b, const char *s, int space_plus)
{
    static const char hex[] = "0123456789ABCDEF";
    okta_cc_result r = OKTA_CC_OK;
    for (; *s && r == OKTA_CC_OK; s++) {
        unsigned char ch = (unsigned char)*s;
        char enc[3];
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            r = okta_cc__buf_append(b, s, 1);
        } else if (ch == ' ' && space_plus) {
            r = okta_cc__buf_append(b, "+", 1);
        } else {
            enc[0] = '%', enc[1] = hex[ch >> 4], enc[2] = hex[ch & 15];
            r = okta_cc__buf_append(b, enc, 3);
        }
    }
    return r;
}

/* Appends "name=value" (value form-encoded), after a '&' unless it is the first field. */
static okta_cc_result okta_cc__form_field(okta_cc__buf *b, const char *name, const char *value)
{
    okta_cc_result r = b->len ? okta_cc__buf_append(b, "&", 1) : OKTA_CC_OK;
    if (r == OKTA_CC_OK) r = okta_cc__buf_append_str(b, name);
    if (r == OKTA_CC_OK) r = okta_cc__buf_append(b, "=", 1);
    if (r == OKTA_CC_OK) r = okta_cc__form_encode(b, value, 1);
    return r;
}

/* A fresh jti from the injected random source (tests) or the client's DRBG. */
static okta_cc_result okta_cc__make_jti(okta_cc_client *c, char out[40])
{
    unsigned char raw[24];
    okta_cc_result r = okta_cc__client_random(c, raw, sizeof raw);
    if (r == OKTA_CC_OK) okta_cc_b64url_encode(raw, sizeof raw, out, 40, NULL, NULL);
    okta_cc_wipe(raw, sizeof raw);
    return r == OKTA_CC_OK ? r : OKTA_CC_ERR_RANDOM;
}

OKTA_CC_DEF okta_cc_result okta_cc_client_sign_assertion(okta_cc_client *c, char *out,
                                                         size_t cap, size_t *out_len,
                                                         okta_cc_error *err)
{
    okta_cc_assertion a;
    char jti[40];
    int64_t offset;
    okta_cc__error_reset(err);
    if (!c || c->cfg.auth_method != OKTA_CC_AUTH_PRIVATE_KEY_JWT)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "this client does not use private_key_jwt");
    if (okta_cc__make_jti(c, jti) != OKTA_CC_OK) return okta_cc__fail(err, OKTA_CC_ERR_RANDOM,
                                                                      "no randomness for the jti");
    OKTA_CC__LOCK(&c->lock);
    offset = c->clock_offset;
    OKTA_CC__UNLOCK(&c->lock);
    memset(&a, 0, sizeof a);
    a.client_id = c->cfg.client_id;
    a.audience = c->cfg.token_url;
    a.issued_at = okta_cc__now(c) + offset;
    a.ttl = c->cfg.assertion_ttl;
    a.jti = jti;
    return okta_cc_assertion_sign(&c->key, c->cfg.alg, &a, NULL, out, cap, out_len, err);
}

/* Standard base64 with padding, for HTTP Basic credentials only. */
/* ---- DPoP: nonces and proofs --------------------------------------------------------------- */

/* Keeps a response's DPoP-Nonce (when it is a valid one) as the latest of its origin's slot.
   A NUL inside the value makes it invalid: as a C string it would be cut short there, and the
   proofs would carry a prefix the server never sent. */
static void okta_cc__dpop_learn_nonce(okta_cc_client *c, const okta_cc_http_response *resp, int slot)
{
    char tmp[sizeof c->dpop_nonce[0]];
    size_t n;
    const char *v = okta_cc_http_response_header(resp, "DPoP-Nonce", 0, &n);
    if (!v || !n || n >= sizeof tmp || memchr(v, '\0', n)) return;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    if (!okta_cc__dpop_nonce_ok(tmp)) return;
    OKTA_CC__LOCK(&c->lock);
    memcpy(c->dpop_nonce[slot], tmp, n + 1);
    OKTA_CC__UNLOCK(&c->lock);
}

static void okta_cc__free_header_line(okta_cc_client *c, char *line)
{
    if (!line) return;
    okta_cc_wipe(line, strlen(line));
    okta_cc__free(&c->cfg.alloc, line);
}

/* With a log callback: the proof's header and claims as one line (never its signature; the
   claims hold no secret - ath is a hash of the token, the jwk is public), so what a server
   refuses can be read. Parts too long for the line are left out. */
static void okta_cc__log_dpop_proof(okta_cc_client *c, const char *proof)
{
    const char *dot1 = strchr(proof, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    char header[900], claims[900], line[1900];
    size_t hn = 0, cn = 0;
    if (!c->cfg.log || !dot2) return;
    if (okta_cc_b64url_decode(proof, (size_t)(dot1 - proof), header, sizeof header - 1, &hn, NULL) != OKTA_CC_OK)
        hn = 0;
    if (okta_cc_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), claims, sizeof claims - 1, &cn, NULL) != OKTA_CC_OK)
        cn = 0;
    header[hn] = claims[cn] = '\0';
    snprintf(line, sizeof line, "DPoP proof: header %s claims %s", hn ? header : "(long)", cn ? claims : "(long)");
    c->cfg.log(c->cfg.log_user, line);
}

/* The key a proof is signed with (under the lock): the client's DPoP key, or for a token of a
   generation before key_generation - fetched before the client took another process's token
   and the key it is bound to (okta_cc__store_take) - the key it had before, so that a request
   under way with the older token still proves the right key. */
static const okta_cc_key *okta_cc__dpop_key_locked(okta_cc_client *c, unsigned long generation)
{
    return generation && generation < c->key_generation ? &c->prev_dpop_key : &c->dpop_key;
}

/* The DPoP header line's name, written in front of the proof signed into the same buffer. */
#define OKTA_CC__DPOP_LINE "DPoP: "
#define OKTA_CC__DPOP_LINE_LEN (sizeof OKTA_CC__DPOP_LINE - 1)

/* "DPoP: <proof>" in a new buffer (the caller frees it with okta_cc__free_header_line): a new
   jti every time, iat on the corrected clock (local + offset), the slot's latest nonce when
   there is one, ath when access_token is given. Only the nonce and the offset are read under
   the lock: the clock is a user callback, and the proof is signed outside it (RSA-2048 takes
   milliseconds), so the threads of a shared client sign at once and never hold up a cached
   okta_cc_client_get_token. generation: that of access_token, whose proof must be signed with
   the key it is bound to (see okta_cc__dpop_key_locked); 0 for a token request. */
static okta_cc_result okta_cc__dpop_header_line(okta_cc_client *c, const char *htm, const char *url,
                                                const char *access_token, unsigned long generation,
                                                int slot, char **out, okta_cc_error *err)
{
    okta_cc_dpop_claims cl;
    okta_cc_key key;
    char jti[40], nonce[sizeof c->dpop_nonce[0]];
    int64_t offset;
    size_t cap = 16384;
    char *buf;
    okta_cc_result r;
    if (okta_cc__make_jti(c, jti) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_RANDOM, "no randomness for the DPoP proof jti");
    buf = (char *)okta_cc__malloc(&c->cfg.alloc, cap);
    if (!buf) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    memcpy(buf, OKTA_CC__DPOP_LINE, sizeof OKTA_CC__DPOP_LINE);
    memset(&cl, 0, sizeof cl);
    cl.htm = htm;
    cl.url = url;
    cl.access_token = access_token;
    cl.jti = jti;
    OKTA_CC__LOCK(&c->lock);
    memcpy(nonce, c->dpop_nonce[slot], sizeof nonce);
    offset = c->clock_offset;
    key = *okta_cc__dpop_key_locked(c, generation);
    OKTA_CC__UNLOCK(&c->lock);
    cl.nonce = nonce[0] ? nonce : NULL;
    cl.issued_at = okta_cc__now(c) + offset;
    r = okta_cc_dpop_proof_sign(&key, OKTA_CC_ALG_DEFAULT, &cl, NULL, buf + OKTA_CC__DPOP_LINE_LEN,
                                cap - OKTA_CC__DPOP_LINE_LEN, NULL, err);
    okta_cc_key_wipe(&key);
    if (r != OKTA_CC_OK) {
        okta_cc__free(&c->cfg.alloc, buf);
        return r;
    }
    okta_cc__log_dpop_proof(c, buf + OKTA_CC__DPOP_LINE_LEN);
    *out = buf;
    return OKTA_CC_OK;
}

static void okta_cc__base64_std(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = i + 1 < n ? tbl[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
}

/* "Authorization: Basic base64(urlencode(id):urlencode(secret))" (RFC 6749 section 2.3.1),
   allocated from c->alloc; NULL when out of memory. */
static char *okta_cc__basic_auth_header(okta_cc_client *c)
{
    okta_cc__buf cred, hdr;
    okta_cc_result r;
    okta_cc__buf_init(&cred, &c->cfg.alloc, 0);
    okta_cc__buf_init(&hdr, &c->cfg.alloc, 0);
    /* Spaces as %20: some servers decode these parts with a plain URL decoder. */
    r = okta_cc__form_encode(&cred, c->cfg.client_id, 0);
    if (r == OKTA_CC_OK) r = okta_cc__buf_append(&cred, ":", 1);
    if (r == OKTA_CC_OK) r = okta_cc__form_encode(&cred, c->cfg.client_secret, 0);
    if (r == OKTA_CC_OK) r = okta_cc__buf_append_str(&hdr, "Authorization: Basic ");
    if (r == OKTA_CC_OK) r = okta_cc__buf_reserve(&hdr, (cred.len + 2) / 3 * 4);
    if (r == OKTA_CC_OK) okta_cc__base64_std((const unsigned char *)cred.p, cred.len, hdr.p + hdr.len);
    okta_cc__buf_wipe_free(&cred);
    if (r != OKTA_CC_OK) okta_cc__buf_wipe_free(&hdr);
    return hdr.p;
}

/* Builds the form body of the token request into form (NUL-terminated; it holds the assertion
   or secret: wipe_free it after, whatever this returns). */
static okta_cc_result okta_cc__token_form(okta_cc_client *c, okta_cc__buf *form, okta_cc_error *err)
{
    okta_cc_result r;
    okta_cc__buf_init(form, &c->cfg.alloc, 0);
    r = okta_cc__form_field(form, "grant_type", "client_credentials");
    if (r == OKTA_CC_OK) r = okta_cc__form_field(form, "scope", c->cfg.scopes);
    if (r == OKTA_CC_OK && c->cfg.auth_method == OKTA_CC_AUTH_PRIVATE_KEY_JWT) {
        char assertion[4096];
        size_t len;
        r = okta_cc_client_sign_assertion(c, assertion, sizeof assertion, &len, err);
        if (r != OKTA_CC_OK) return r;
        r = okta_cc__form_field(form, "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        if (r == OKTA_CC_OK) r = okta_cc__form_field(form, "client_assertion", assertion);
        okta_cc_wipe(assertion, sizeof assertion);
    } else if (r == OKTA_CC_OK && c->cfg.auth_method == OKTA_CC_AUTH_CLIENT_SECRET_POST) {
        r = okta_cc__form_field(form, "client_id", c->cfg.client_id);
        if (r == OKTA_CC_OK) r = okta_cc__form_field(form, "client_secret", c->cfg.client_secret);
    }
    if (r != OKTA_CC_OK) return okta_cc__fail(err, r, "out of memory");
    return OKTA_CC_OK;
}

/* The access token (the string at token at) in a new buffer. It goes into a header line, so
   it must be text without a NUL, space or control character. */
static okta_cc_result okta_cc__token_copy_access(okta_cc_client *c, const okta_cc_json_doc *doc, long at,
                                                 char **token, size_t *token_len, okta_cc_error *err)
{
    size_t n;
    okta_cc_json_get_string(doc, (size_t)at, NULL, 0, &n, NULL);
    *token = (char *)okta_cc__malloc(&c->cfg.alloc, n);
    if (!*token) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    okta_cc_json_get_string(doc, (size_t)at, *token, n, token_len, NULL);
    if (strlen(*token) != *token_len || !okta_cc__url_text_ok(*token)) {
        okta_cc_wipe(*token, n);
        okta_cc__free(&c->cfg.alloc, *token);
        *token = NULL;
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE, "token response access_token has invalid characters");
    }
    return OKTA_CC_OK;
}

/* token_type (DPoP for a request with a proof, else Bearer), expires_in and scope of a token
   response into info. */
static okta_cc_result okta_cc__token_info(const okta_cc_json_doc *doc, int dpop, okta_cc_token_info *info,
                                          okta_cc_error *err)
{
    long tt = okta_cc_json_find(doc, 0, "token_type"), ei = okta_cc_json_find(doc, 0, "expires_in");
    long sc = okta_cc_json_find(doc, 0, "scope");
    if (tt < 0 || okta_cc_json_get_string(doc, (size_t)tt, info->token_type, sizeof info->token_type, NULL, NULL) != OKTA_CC_OK ||
        !info->token_type[0])
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE, "token response has no valid token_type");
    if (dpop && !okta_cc__ieq(info->token_type, "dpop"))
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE,
                             "token_type \"%s\" for a request with a DPoP proof: expected DPoP (a token bound to the "
                             "proof key)", info->token_type);
    if (!dpop && !okta_cc__ieq(info->token_type, "bearer"))
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE,
                             "token_type \"%s\" for a request without a DPoP proof: only Bearer is accepted then "
                             "(dpop OKTA_CC_DPOP_AUTO or _ALWAYS sends proofs)", info->token_type);
    /* The type is case-insensitive (RFC 6749 section 7.1); info holds its canonical spelling. */
    snprintf(info->token_type, sizeof info->token_type, "%s", dpop ? "DPoP" : "Bearer");
    if (ei < 0 || okta_cc_json_get_int64(doc, (size_t)ei, &info->expires_in, NULL) != OKTA_CC_OK || info->expires_in <= 0 ||
        info->expires_in > (int64_t)86400 * 365)
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE, "token response has no valid expires_in");
    if (sc >= 0 && okta_cc_json_get_string(doc, (size_t)sc, info->scope, sizeof info->scope, NULL, NULL) != OKTA_CC_OK)
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE,
                             "token response scope is not a string of at most %u bytes",
                             (unsigned)sizeof info->scope - 1);
    return OKTA_CC_OK;
}

/* Reads a 200 token response. Any missing or malformed field is an error, never an empty token. */
static okta_cc_result okta_cc__token_parse(okta_cc_client *c, const okta_cc_http_response *resp, int64_t now,
                                           int dpop, char **token, size_t *token_len, okta_cc_token_info *info,
                                           okta_cc_error *err)
{
    okta_cc_json_token tok[64];
    okta_cc_json_doc doc;
    okta_cc_error perr;
    okta_cc_result r;
    long at;
    memset(info, 0, sizeof *info);
    if (okta_cc_json_parse(resp->body ? resp->body : "", resp->body_len, tok, 64, NULL, &doc, &perr) != OKTA_CC_OK ||
        tok[0].type != OKTA_CC_JSON_OBJECT)
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE,
                             "token response (HTTP 200) is not a JSON object: %s",
                             perr.message[0] ? perr.message : "wrong type");
    at = okta_cc_json_find(&doc, 0, "access_token");
    if (at < 0 || tok[at].type != OKTA_CC_JSON_STRING || tok[at].end == tok[at].start)
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE, "token response has no access_token");
    r = okta_cc__token_info(&doc, dpop, info, err);
    if (r != OKTA_CC_OK) return r;
    info->expires_at = now + info->expires_in;
    return okta_cc__token_copy_access(c, &doc, at, token, token_len, err);
}

/* Sends the token request: the form in body, Basic credentials when the method says so, the
   DPoP header line when dpop is not NULL, the retry headers for the retry-th retry of a request
   refused with id retry_for. *resp is initialised here, whatever happens. */
static okta_cc_result okta_cc__token_exchange(okta_cc_client *c, const okta_cc__buf *form, const char *dpop,
                                              int retry, const char *retry_for, okta_cc_http_response *resp,
                                              okta_cc_error *err)
{
    okta_cc_http_request req;
    okta_cc_rate_limit rl;
    const char *headers[6];
    char *basic = NULL, retry_lines[2][96];
    int64_t t0;
    okta_cc_result r = OKTA_CC_OK;
    memset(&req, 0, sizeof req);
    headers[0] = "Content-Type: application/x-www-form-urlencoded";
    headers[1] = "Accept: application/json";
    req.header_count = 2;
    okta_cc_http_response_init(resp, &c->cfg.alloc, c->cfg.max_response_bytes);
    if (c->cfg.auth_method == OKTA_CC_AUTH_CLIENT_SECRET_BASIC) {
        basic = okta_cc__basic_auth_header(c);
        if (!basic) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
        headers[req.header_count++] = basic;
    }
    if (dpop) headers[req.header_count++] = dpop;
    req.header_count += okta_cc__retry_headers(retry, retry_for, retry_lines, headers + req.header_count);
    req.method = "POST";
    req.url = c->cfg.token_url;
    req.headers = headers;
    req.body = form->p;
    req.body_len = form->len;
    t0 = okta_cc__ms();
    r = okta_cc__perform(c, &req, resp, err);
    okta_cc__parse_rate_limit(resp, &rl);
    okta_cc__log_exchange(c, "POST", c->cfg.token_url, r, r == OKTA_CC_OK ? resp->status : 0, okta_cc__ms() - t0,
                          retry, r == OKTA_CC_OK ? &rl : NULL);
    okta_cc__free_secret_str(&c->cfg.alloc, basic);
    return r;
}

/* One request to the token endpoint with a new assertion and, when dpop, a new proof (retry
   and retry_for: see okta_cc__token_exchange). *resp is initialised here, whatever happens;
   *now is the local time it came back. The Date header and the DPoP-Nonce of any response are
   learnt. */
static okta_cc_result okta_cc__token_request(okta_cc_client *c, int dpop, int retry, const char *retry_for,
                                             okta_cc_http_response *resp, int64_t *now, okta_cc_error *err)
{
    okta_cc__buf form;
    char *proof = NULL;
    okta_cc_result r = okta_cc__token_form(c, &form, err);
    if (r == OKTA_CC_OK && dpop)
        r = okta_cc__dpop_header_line(c, "POST", c->cfg.token_url, NULL, 0, OKTA_CC__NONCE_TOKEN, &proof, err);
    if (r == OKTA_CC_OK) r = okta_cc__token_exchange(c, &form, proof, retry, retry_for, resp, err);
    else okta_cc_http_response_init(resp, &c->cfg.alloc, c->cfg.max_response_bytes);
    *now = okta_cc__now(c);
    if (r == OKTA_CC_OK) {
        okta_cc__learn_clock_offset(c, resp, *now);
        okta_cc__dpop_learn_nonce(c, resp, OKTA_CC__NONCE_TOKEN);
    }
    okta_cc__free_header_line(c, proof);
    okta_cc__buf_wipe_free(&form);
    return r;
}

/* What a refused token request asks for: 1 = the same again with the nonce just learnt
   (use_dpop_nonce with a DPoP-Nonce), 2 = DPoP from now on (AUTO, and the app requires it:
   "The DPoP proof JWT header is missing."), 0 = nothing. */
static int okta_cc__token_dpop_retry(okta_cc_client *c, const okta_cc_http_response *resp, int dpop)
{
    okta_cc_error e;
    if (resp->status != 400 && resp->status != 401) return 0;
    memset(&e, 0, sizeof e);
    okta_cc__parse_error_body(resp, &e);
    if (dpop && strcmp(e.oauth_error, "use_dpop_nonce") == 0 &&
        okta_cc_http_response_header(resp, "DPoP-Nonce", 0, NULL))
        return 1;
    if (!dpop && c->cfg.dpop == OKTA_CC_DPOP_AUTO && strcmp(e.oauth_error, "invalid_dpop_proof") == 0 &&
        strstr(e.oauth_error_description, "header is missing"))
        return 2;
    return 0;
}

/* Turns a token endpoint's last refusal into the result: OKTA_CC_ERR_RATE_LIMITED for a 429
   (with its Reset and how many retries came before), else its OAuth or HTTP error. */
static okta_cc_result okta_cc__token_refused(okta_cc_client *c, const okta_cc_http_response *resp, int retries,
                                            okta_cc_error *err)
{
    char note[160];
    int64_t reset;
    okta_cc_result r;
    if (resp->status != 429) return okta_cc__http_error(err, OKTA_CC_ERR_OAUTH, "POST", c->cfg.token_url, resp, NULL);
    okta_cc__rate_limited_note(c, resp, retries, note, sizeof note, &reset);
    r = okta_cc__http_error(err, OKTA_CC_ERR_RATE_LIMITED, "POST", c->cfg.token_url, resp, note);
    if (err) err->rate_limit_reset = reset;
    return r;
}

/* One token. A refusal that asks for DPoP is followed (at most one switch to DPoP, AUTO, and
   one nonce round trip after each wait: a nonce may rotate meanwhile), outside max_retries.
   429, 503, 504 and connections never made are waited out like an API call's
   (okta_cc__retry_wait_ms) within max_retries and retry_deadline_ms when `wait` is set (not
   for a fetch ahead of renewal: the cached token is still good); a 429 that stays is
   OKTA_CC_ERR_RATE_LIMITED. Every attempt has a new assertion (Okta burns a jti even when it
   refuses the request) and a new proof, and each retry the X-Okta-Retry-* headers. It runs
   the user's sleep: never with a lock held. */
static okta_cc_result okta_cc__fetch_token(okta_cc_client *c, int wait, char **token, size_t *token_len,
                                           okta_cc_token_info *info, okta_cc_error *err)
{
    okta_cc_http_response resp;
    okta_cc_rate_limit rl;
    okta_cc__retry_budget budget;
    char retry_for[64] = "";
    int64_t now;
    int dpop, next, nonce_retried = 0, switched = 0, retry;
    okta_cc_result r;
    if (!c->cfg.scopes[0])      /* none, or only separators: the token endpoint would get no scope */
        return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                             "no scopes configured: a token needs at least one (OKTA_CLIENT_SCOPES, e.g. "
                             "okta.users.read)");
    memset(&budget, 0, sizeof budget);
    budget.max_retries = wait && c->cfg.max_retries > 0 ? c->cfg.max_retries : 0;
    budget.deadline_ms = c->cfg.retry_deadline_ms;
    for (retry = 0;; retry++) {
        int64_t t0 = okta_cc__ms();
        okta_cc__error_reset(err);
        OKTA_CC__LOCK(&c->lock);
        dpop = c->dpop_on;
        OKTA_CC__UNLOCK(&c->lock);
        r = okta_cc__token_request(c, dpop, retry, retry_for, &resp, &now, err);
        budget.spent_ms += (long)(okta_cc__ms() - t0);
        next = r == OKTA_CC_OK && resp.status != 200 ? okta_cc__token_dpop_retry(c, &resp, dpop) : 0;
        if (next == 1 && !nonce_retried) {
            nonce_retried = 1;
        } else if (next == 2 && !switched) {
            switched = 1;
            OKTA_CC__LOCK(&c->lock);
            c->dpop_on = 1;
            OKTA_CC__UNLOCK(&c->lock);
        } else {
            okta_cc__parse_rate_limit(&resp, &rl);
            if (!okta_cc__retry_wait(c, &budget, okta_cc__retry_wait_ms(c, r, &resp, &rl, OKTA_CC__REPEAT_UNAVAILABLE,
                                                                         budget.waits)))
                break;
            nonce_retried = 0;
        }
        okta_cc__retry_for(&resp, retry_for);
        okta_cc_http_response_free(&resp);
    }
    if (r == OKTA_CC_OK && resp.status != 200)
        r = okta_cc__token_refused(c, &resp, retry, err);
    else if (r == OKTA_CC_OK)
        r = okta_cc__token_parse(c, &resp, now, dpop, token, token_len, info, err);
    okta_cc_http_response_free(&resp);
    return r;
}

/* ---- the token store: the identity, reading, taking and saving a state ---------------------
   Every function here runs with no lock held (they call the store and the log) and takes the
   lock only for what it reads or changes of the client. */

/* One log line "okta_cc: token store: ..." (outside every lock). */
static void okta_cc__store_log(okta_cc_client *c, const char *fmt, ...)
{
    char line[800];
    va_list ap;
    if (!c->cfg.log) return;
    memcpy(line, "okta_cc: token store: ", 23);
    va_start(ap, fmt);
    vsnprintf(line + 22, sizeof line - 22, fmt, ap);
    va_end(ap);
    c->cfg.log(c->cfg.log_user, line);
}

static void okta_cc__sha256(const void *data, size_t n, unsigned char out[32])
{
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, data, n);
    br_sha256_out(&h, out);
}

/* One field of the identity, "name:length:" then the value: no two settings hash alike. */
static void okta_cc__id_field(br_sha256_context *h, const char *name, const void *v, size_t n)
{
    char head[64];
    snprintf(head, sizeof head, "%s:%lu:", name, (unsigned long)n);
    br_sha256_update(h, head, strlen(head));
    br_sha256_update(h, v, n);
}

/* Compares two scopes of a space-separated list (each ends at a space or the NUL). */
static int okta_cc__scope_cmp(const char *a, const char *b)
{
    size_t na = strcspn(a, " "), nb = strcspn(b, " ");
    int d = memcmp(a, b, na < nb ? na : nb);
    return d ? d : (na > nb) - (na < nb);
}

/* The scopes sorted, each once: "b a a" and "a b" are one identity. */
static okta_cc_result okta_cc__id_scopes(okta_cc_client *c, br_sha256_context *h)
{
    const char *p, **v;
    size_t count = 1, n = 0, i, k;
    for (p = c->cfg.scopes; *p; p++) count += *p == ' ';
    v = (const char **)okta_cc__malloc(&c->cfg.alloc, count * sizeof *v);
    if (!v) return OKTA_CC_ERR_NO_MEMORY;
    for (p = c->cfg.scopes; *p; p += *p == ' ') {
        const char *w = p;
        p += strcspn(p, " ");
        for (k = n++; k > 0 && okta_cc__scope_cmp(v[k - 1], w) > 0; k--) v[k] = v[k - 1];   /* insertion sort */
        v[k] = w;
    }
    for (i = 0; i < n; i++)
        if (i == 0 || okta_cc__scope_cmp(v[i - 1], v[i]) != 0) okta_cc__id_field(h, "scope", v[i], strcspn(v[i], " "));
    okta_cc__free(&c->cfg.alloc, (void *)v);
    return OKTA_CC_OK;
}

/* The identity's id (see okta_cc_token_store): SHA-256 of the token URL, client id, scopes,
   auth method, the key's thumbprint or the secret's hash, the DPoP mode and a configured
   DPoP key's thumbprint, as 64 lowercase hex characters in c->store_id. */
static okta_cc_result okta_cc__client_store_id(okta_cc_client *c, okta_cc_error *err)
{
    static const char *const modes[] = {"auto", "always", "never"}, *const methods[] = {"jwt", "basic", "post"};
    br_sha256_context h;
    unsigned char d[32];
    char jkt[44] = "generated";
    size_t i;
    okta_cc_result r = OKTA_CC_OK;
    br_sha256_init(&h);
    okta_cc__id_field(&h, "okta_cc token store", "1", 1);
    okta_cc__id_field(&h, "token_url", c->cfg.token_url, strlen(c->cfg.token_url));
    okta_cc__id_field(&h, "client_id", c->cfg.client_id, strlen(c->cfg.client_id));
    if (okta_cc__id_scopes(c, &h) != OKTA_CC_OK) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    okta_cc__id_field(&h, "method", methods[c->cfg.auth_method % 3], strlen(methods[c->cfg.auth_method % 3]));
    if (c->cfg.auth_method == OKTA_CC_AUTH_PRIVATE_KEY_JWT) {
        char tp[44];
        r = okta_cc_key_thumbprint(&c->key, tp, sizeof tp, NULL, err);
        okta_cc__id_field(&h, "key", tp, strlen(tp));
    } else {
        okta_cc__sha256(c->cfg.client_secret, strlen(c->cfg.client_secret), d);
        okta_cc__id_field(&h, "secret", d, sizeof d);
    }
    okta_cc__id_field(&h, "dpop", modes[c->cfg.dpop % 3], strlen(modes[c->cfg.dpop % 3]));
    if (r == OKTA_CC_OK && c->dpop_key_configured) r = okta_cc_key_thumbprint(&c->dpop_key, jkt, sizeof jkt, NULL, err);
    okta_cc__id_field(&h, "dpop_key", jkt, strlen(jkt));
    br_sha256_out(&h, d);
    for (i = 0; i < 32; i++) snprintf(c->store_id + 2 * i, 3, "%02x", d[i]);
    return r;
}

/* A stored DPoP token must be bound to a key this client can sign with: the configured key
   (the state keeps its thumbprint), or a generated one the state holds. */
static okta_cc_result okta_cc__store_key_fits(okta_cc_client *c, const okta_cc__store_state *st, okta_cc_error *err)
{
    char jkt[44];
    if (!st->token || strcmp(st->token_type, "DPoP") != 0) return OKTA_CC_OK;
    if (!c->dpop_key_configured && st->has_key) return OKTA_CC_OK;
    if (c->dpop_key_configured && !st->has_key && okta_cc_key_thumbprint(&c->dpop_key, jkt, sizeof jkt, NULL, NULL) == OKTA_CC_OK &&
        strcmp(jkt, st->dpop_jkt) == 0)
        return OKTA_CC_OK;
    return okta_cc__fail(err, OKTA_CC_ERR_JSON_TYPE, "its token is bound to another DPoP key");
}

/* The state saved for this client into st (wipe it after): OKTA_CC_OK, OKTA_CC_ERR_NOT_FOUND
   when there is none, or another error with why (cap bytes) saying why it is unusable. */
static okta_cc_result okta_cc__store_read(okta_cc_client *c, okta_cc__store_state *st, char *why, size_t cap)
{
    okta_cc_error e;
    size_t n = 0;
    okta_cc_result r;
    char *buf = (char *)okta_cc__malloc(&c->cfg.alloc, OKTA_CC__STORE_MAX + 1);
    memset(st, 0, sizeof *st);
    memset(&e, 0, sizeof e);
    why[0] = '\0';
    if (!buf) return OKTA_CC_ERR_NO_MEMORY;
    r = c->cfg.token_store.load(c->cfg.token_store.user, c->store_id, buf, OKTA_CC__STORE_MAX + 1, &n, &e);
    if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL || (r == OKTA_CC_OK && n > OKTA_CC__STORE_MAX))
        r = okta_cc__fail(&e, OKTA_CC_ERR_JSON_TOO_LARGE, "larger than 64 KiB");
    if (r == OKTA_CC_OK) r = okta_cc__store_decode(buf, n, c->store_id, &c->cfg.alloc, st, &e);
    if (r == OKTA_CC_OK && (strcmp(st->token_url, c->cfg.token_url) != 0 || strcmp(st->client_id, c->cfg.client_id) != 0))
        r = okta_cc__fail(&e, OKTA_CC_ERR_JSON_TYPE, "of another identity (token URL or client id)");
    if (r == OKTA_CC_OK) r = okta_cc__store_key_fits(c, st, &e);
    if (r != OKTA_CC_OK) okta_cc__store_state_wipe(st, &c->cfg.alloc);
    if (r != OKTA_CC_OK && r != OKTA_CC_ERR_NOT_FOUND)
        snprintf(why, cap, "%s", e.message[0] ? e.message : okta_cc_result_str(r));
    okta_cc_wipe(buf, n < OKTA_CC__STORE_MAX ? n + 1 : OKTA_CC__STORE_MAX + 1);
    okta_cc__free(&c->cfg.alloc, buf);
    return r;
}

/* Whether a stored token may serve (under the lock): fresh on this process's clock (until
   token_skew before expiry), not one refused here, and for a fetch ahead of renewal (ahead)
   newer than the one held. Its local expiry goes to *local_exp. */
static int okta_cc__store_usable_locked(okta_cc_client *c, const okta_cc__store_state *st, int64_t now, int ahead,
                                        int64_t *local_exp)
{
    unsigned char h[32];
    int64_t skew = c->cfg.token_skew > 0 ? c->cfg.token_skew : 0;
    if (!st->token) return 0;
    if (skew > st->expires_in / 4) skew = st->expires_in / 4;
    *local_exp = st->expires_at - c->clock_offset;
    if (now >= *local_exp - skew) return 0;
    if (ahead && c->token && *local_exp <= c->info.expires_at) return 0;
    okta_cc__sha256(st->token, st->token_len, h);
    return memcmp(h, c->refused, sizeof h) != 0;
}

/* Takes a stored state for the fetch under way: AUTO's dpop_required, and its token into
   (token, token_len, info) when usable, with the DPoP key it is bound to. 1 when taken; the
   state's token then belongs to the caller (st->token is NULL). */
static int okta_cc__store_take(okta_cc_client *c, okta_cc__store_state *st, int64_t now, int ahead, char **token,
                               size_t *token_len, okta_cc_token_info *info)
{
    int64_t exp = 0;
    int ok;
    OKTA_CC__LOCK(&c->lock);
    if (c->cfg.dpop == OKTA_CC_DPOP_AUTO && st->dpop_required) c->dpop_on = 1;
    ok = okta_cc__store_usable_locked(c, st, now, ahead, &exp);
    if (ok && st->has_key && (c->dpop_key.pub_len != st->dpop_key.pub_len ||       /* another EC key */
                              memcmp(c->dpop_key.pub, st->dpop_key.pub, st->dpop_key.pub_len) != 0)) {
        c->prev_dpop_key = c->dpop_key;     /* for requests under way with the older token */
        c->dpop_key = st->dpop_key;         /* proofs copy it under the lock */
        c->key_generation = c->token_generation + 1;   /* the generation this token gets */
    }
    OKTA_CC__UNLOCK(&c->lock);
    if (!ok) return 0;
    memset(info, 0, sizeof *info);
    snprintf(info->token_type, sizeof info->token_type, "%s", st->token_type);
    snprintf(info->scope, sizeof info->scope, "%s", st->scope);
    info->expires_in = st->expires_in;
    info->expires_at = exp;
    info->from_store = 1;
    *token = st->token;
    *token_len = st->token_len;
    st->token = NULL;
    okta_cc__store_log(c, "using the stored token of %.12s (expires in %lld s)", c->store_id, (long long)(exp - now));
    return 1;
}

/* Looks in the store for a token another process saved: 1 with it taken (see
   okta_cc__store_take). An unusable entry is logged; it is replaced when the fetch saves. */
static int okta_cc__store_reload(okta_cc_client *c, int ahead, char **token, size_t *token_len,
                                 okta_cc_token_info *info)
{
    okta_cc__store_state st;
    char why[600];
    int taken = 0;
    okta_cc_result r = okta_cc__store_read(c, &st, why, sizeof why);
    if (r == OKTA_CC_OK) {
        taken = okta_cc__store_take(c, &st, okta_cc__now(c), ahead, token, token_len, info);
        okta_cc__store_state_wipe(&st, &c->cfg.alloc);
    } else if (why[0]) {
        okta_cc__store_log(c, "the entry of %.12s ignored: %s; fetching a new token", c->store_id, why);
    }
    return taken;
}

/* Saves a token just fetched, with what a later process needs to use it: its DPoP key (the
   generated one; a configured one by thumbprint), AUTO's dpop_required, the clock offset
   (expires_at is kept on the server's clock). token NULL (info too): no token, only what AUTO
   learnt. A failure costs only the caching: logged. */
static void okta_cc__store_save(okta_cc_client *c, char *token, size_t token_len, const okta_cc_token_info *info)
{
    okta_cc__store_state st;
    okta_cc_json_writer w;
    okta_cc_error e;
    size_t len = 0;
    int dpop = token && strcmp(info->token_type, "DPoP") == 0;
    okta_cc_result r;
    memset(&st, 0, sizeof st);
    memset(&e, 0, sizeof e);
    memcpy(st.id, c->store_id, sizeof st.id);
    snprintf(st.token_url, sizeof st.token_url, "%s", c->cfg.token_url);
    snprintf(st.client_id, sizeof st.client_id, "%s", c->cfg.client_id);
    if (token) {
        snprintf(st.token_type, sizeof st.token_type, "%s", info->token_type);
        snprintf(st.scope, sizeof st.scope, "%s", info->scope);
        st.token = token;
        st.token_len = token_len;
        st.expires_in = info->expires_in;
        st.expires_at = info->expires_at;
    }
    OKTA_CC__LOCK(&c->lock);
    st.dpop_required = c->cfg.dpop == OKTA_CC_DPOP_AUTO && c->dpop_on;
    st.clock_offset = c->clock_offset;
    st.has_key = dpop && !c->dpop_key_configured && c->dpop_key.type == OKTA_CC_KEY_EC;
    if (st.has_key) st.dpop_key = c->dpop_key;
    OKTA_CC__UNLOCK(&c->lock);
    if (token) st.expires_at += st.clock_offset;
    if (dpop && c->dpop_key_configured) okta_cc_key_thumbprint(&c->dpop_key, st.dpop_jkt, sizeof st.dpop_jkt, NULL, NULL);
    r = okta_cc__store_encode(&st, &c->cfg.alloc, &w, &len, &e);
    if (r == OKTA_CC_OK) r = c->cfg.token_store.save(c->cfg.token_store.user, c->store_id, w.buf, len, &e);
    okta_cc_json_writer_free(&w);
    st.token = NULL;                    /* the caller's */
    okta_cc__store_state_wipe(&st, &c->cfg.alloc);
    if (r == OKTA_CC_OK && token)
        okta_cc__store_log(c, "saved the token of %.12s (expires in %lld s)", c->store_id, (long long)info->expires_in);
    else if (r == OKTA_CC_OK)
        okta_cc__store_log(c, "saved that the app of %.12s requires DPoP", c->store_id);
    else
        okta_cc__store_log(c, "could not save the token of %.12s: %s", c->store_id,
                           e.message[0] ? e.message : okta_cc_result_str(r));
}

/* AUTO switched to DPoP: worth saving even when no token came (a failed fetch with no valid
   token held, and nothing usable in the store), so that the next process starts with a proof. */
static int okta_cc__dpop_learnt(okta_cc_client *c)
{
    int on;
    OKTA_CC__LOCK(&c->lock);
    on = c->dpop_on;
    OKTA_CC__UNLOCK(&c->lock);
    return c->cfg.dpop == OKTA_CC_DPOP_AUTO && on;
}

/* Takes the store's lock of this identity: 1 when held (*held for unlock), 0 without it (no
   lock callback, or it failed: logged, the fetch goes on without), -1 when another process
   holds it and the caller does not wait (a fetch ahead of renewal: that process is renewing,
   the cached token stays in use). Waiting callers wait at most retry_deadline_ms. */
static int okta_cc__store_lock(okta_cc_client *c, int wait, void **held, okta_cc_error *err)
{
    okta_cc_error e;
    okta_cc_result r;
    *held = NULL;
    if (!c->cfg.token_store.lock || !c->cfg.token_store.unlock) return 0;
    memset(&e, 0, sizeof e);
    r = c->cfg.token_store.lock(c->cfg.token_store.user, c->store_id, wait ? c->cfg.retry_deadline_ms : 0, held, &e);
    if (r == OKTA_CC_OK) return 1;
    if (r == OKTA_CC_ERR_TIMEOUT && !wait) {
        okta_cc__set_error(err, OKTA_CC_ERR_TIMEOUT, "another process holds the token store's lock: it is renewing the token");
        return -1;
    }
    okta_cc__store_log(c, "could not lock %.12s: %s; fetching without the lock", c->store_id,
                       e.message[0] ? e.message : okta_cc_result_str(r));
    return 0;
}

/* A token for the fetch under way (no lock held): the one another process saved meanwhile
   when it is usable, else a new one from the token endpoint, saved. Under the store's lock,
   processes fetch one at a time: the first fetches, the others find its token once they hold
   the lock. wait: no valid token is held (see okta_cc__fetch_token); a fetch ahead of renewal
   does not wait for the lock either: *busy is set, another process is renewing. */
static okta_cc_result okta_cc__obtain_token(okta_cc_client *c, int wait, char **token, size_t *token_len,
                                            okta_cc_token_info *info, int *busy, okta_cc_error *err)
{
    void *held = NULL;
    int locked;
    okta_cc_result r;
    *busy = 0;
    if (!c->store_id[0]) return okta_cc__fetch_token(c, wait, token, token_len, info, err);
    locked = okta_cc__store_lock(c, wait, &held, err);
    *busy = locked < 0;
    if (locked < 0) return OKTA_CC_ERR_TIMEOUT;
    if (okta_cc__store_reload(c, !wait, token, token_len, info)) {
        r = OKTA_CC_OK;
    } else {
        r = okta_cc__fetch_token(c, wait, token, token_len, info, err);
        if (r == OKTA_CC_OK) okta_cc__store_save(c, *token, *token_len, info);
        else if (wait && okta_cc__dpop_learnt(c)) okta_cc__store_save(c, NULL, 0, NULL);
    }
    if (locked) c->cfg.token_store.unlock(c->cfg.token_store.user, held);
    return r;
}

/* After a refusal (a 401, or the caller invalidating): the entry is removed when it still
   holds the refused token (hash), not a newer one another process saved. A store whose lock
   is busy is left alone: its holder is saving a new token. */
static void okta_cc__store_forget(okta_cc_client *c, const unsigned char hash[32])
{
    okta_cc__store_state st;
    unsigned char h[32];
    char why[600];
    void *held = NULL;
    okta_cc_error e;
    int locked = okta_cc__store_lock(c, 0, &held, &e);
    if (locked < 0) return;
    if (okta_cc__store_read(c, &st, why, sizeof why) == OKTA_CC_OK) {
        if (st.token) okta_cc__sha256(st.token, st.token_len, h);
        if (st.token && memcmp(h, hash, sizeof h) == 0) {
            if (c->cfg.token_store.remove(c->cfg.token_store.user, c->store_id, &e) == OKTA_CC_OK)
                okta_cc__store_log(c, "removed the refused token of %.12s", c->store_id);
            else
                okta_cc__store_log(c, "could not remove the refused token of %.12s: %s", c->store_id, e.message);
        }
        okta_cc__store_state_wipe(&st, &c->cfg.alloc);
    }
    if (locked) c->cfg.token_store.unlock(c->cfg.token_store.user, held);
}

/* At okta_cc_client_new, before any thread can see the client: the identity's id, then its
   saved state: AUTO's dpop_required, the clock offset, and its token (with the DPoP key it is
   bound to) when still fresh. A store that cannot be used costs only the caching: logged. */
static void okta_cc__store_start(okta_cc_client *c)
{
    okta_cc__store_state st;
    okta_cc_error e;
    char why[600], *token = NULL;
    size_t len = 0;
    okta_cc_token_info info;
    okta_cc_result r;
    if (!c->cfg.token_store.load || !c->cfg.token_store.save || !c->cfg.token_store.remove) return;
    memset(&e, 0, sizeof e);
    if (okta_cc__client_store_id(c, &e) != OKTA_CC_OK) {
        c->store_id[0] = '\0';
        okta_cc__store_log(c, "not used: %s", e.message);
        return;
    }
    r = okta_cc__store_read(c, &st, why, sizeof why);
    if (r != OKTA_CC_OK) {
        if (why[0]) okta_cc__store_log(c, "the entry of %.12s ignored: %s; fetching a new token", c->store_id, why);
        return;
    }
    c->clock_offset = st.clock_offset;  /* what the server's clock said, until it says again */
    if (okta_cc__store_take(c, &st, okta_cc__now(c), 0, &token, &len, &info)) {
        c->token = token;
        c->token_len = len;
        info.generation = ++c->token_generation;
        c->info = info;
    }
    okta_cc__store_state_wipe(&st, &c->cfg.alloc);
}

/* ---- token cache and single flight ---------------------------------------------------------- */

/* Fresh until token_skew seconds before expiry (none when negative); the margin is at most a
   quarter of the token's lifetime, so short-lived tokens are still reused. */
static int64_t okta_cc__renewal_at(okta_cc_client *c)
{
    int64_t skew = c->cfg.token_skew > 0 ? c->cfg.token_skew : 0;
    if (skew > c->info.expires_in / 4) skew = c->info.expires_in / 4;
    return c->info.expires_at - skew;
}

static int okta_cc__token_fresh(okta_cc_client *c, int64_t now)
{
    return c->token && now < okta_cc__renewal_at(c);
}

/* Inside the refresh-ahead window: the token is still handed out, and its successor may be
   fetched meanwhile (token_refresh_ahead before renewal, at most a quarter of the lifetime; not
   again before refresh_not_before after a failed try). */
static int okta_cc__token_due_ahead(okta_cc_client *c, int64_t now)
{
    int64_t ahead = c->cfg.token_refresh_ahead > 0 ? c->cfg.token_refresh_ahead : 0;
    if (ahead > c->info.expires_in / 4) ahead = c->info.expires_in / 4;
    return ahead > 0 && now >= okta_cc__renewal_at(c) - ahead && now >= c->refresh_not_before;
}

static okta_cc_result okta_cc__copy_token_out(okta_cc_client *c, char *out, size_t cap, size_t *len,
                                              okta_cc_token_info *info, okta_cc_error *err)
{
    if (info) *info = c->info;
    if (len) *len = cap > c->token_len ? c->token_len : c->token_len + 1;
    if (!out || cap <= c->token_len)
        return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL,
                             "token buffer needs %lu bytes", (unsigned long)c->token_len + 1);
    memcpy(out, c->token, c->token_len + 1);
    return OKTA_CC_OK;
}

static void okta_cc__drop_token_locked(okta_cc_client *c)
{
    if (c->token) okta_cc_wipe(c->token, c->token_len);
    okta_cc__free(&c->cfg.alloc, c->token);
    c->token = NULL;
    c->token_len = 0;
}

/* Runs a fetch with the lock released, then publishes the result to every waiter. wait: the
   fetch may wait out rate limits and unavailability (see okta_cc__fetch_token). */
static void okta_cc__refresh_locked(okta_cc_client *c, int wait, okta_cc_error *err)
{
    char *token = NULL;
    size_t token_len = 0;
    okta_cc_token_info info;
    okta_cc_error local;
    okta_cc_result r;
    int busy;
    c->fetching = 1;
#ifndef OKTA_CC_NO_THREADS
    c->fetcher = pthread_self();
#endif
    OKTA_CC__UNLOCK(&c->lock);
    memset(&local, 0, sizeof local);
    memset(&info, 0, sizeof info);
    r = okta_cc__obtain_token(c, wait, &token, &token_len, &info, &busy, &local);
    OKTA_CC__LOCK(&c->lock);
    c->renewed_elsewhere = busy;
    if (r == OKTA_CC_OK) {
        okta_cc__drop_token_locked(c);
        c->token = token;
        c->token_len = token_len;
        info.generation = ++c->token_generation;
        c->info = info;
        if (!info.from_store) c->fetches++;    /* requests to the token endpoint only */
    }
    c->last_result = r;
    c->last_error = local;
    c->attempts++;
    c->fetching = 0;
    if (err) *err = local;
#ifndef OKTA_CC_NO_THREADS
    pthread_cond_broadcast(&c->fetched);
#endif
}

/* A fetch ahead of renewal, by the first caller inside the window (the others keep using the
   cached token meanwhile, without waiting). Its failure is no failure of the call: the cached
   token is still good. It is logged - the line is left in note (else "") for the caller to log
   once the lock is released - and tried again OKTA_CC__REFRESH_RETRY_S later. */
#define OKTA_CC__REFRESH_RETRY_S 5
static void okta_cc__refresh_ahead_locked(okta_cc_client *c, int64_t now, char *note, size_t cap)
{
    note[0] = '\0';
    okta_cc__refresh_locked(c, 0, NULL);       /* no waiting: the cached token is still good */
    if (c->last_result == OKTA_CC_OK) return;
    c->refresh_not_before = now + OKTA_CC__REFRESH_RETRY_S;
    if (c->cfg.log && !c->renewed_elsewhere)    /* another process renewing is no failure */
        snprintf(note, cap, "token refresh ahead of expiry failed, the current token stays in use: %s",
                 c->last_error.message);
}

/* Single flight: waits for the fetch under way (under the lock) and shares its outcome,
   OKTA_CC_OK to look at the cache again. A callback of that very fetch calling here would wait
   for itself: refused. */
static okta_cc_result okta_cc__await_fetch_locked(okta_cc_client *c, okta_cc_error *err)
{
#ifndef OKTA_CC_NO_THREADS
    unsigned long attempt = c->attempts;
    if (!pthread_equal(c->fetcher, pthread_self())) {
        while (c->fetching && c->attempts == attempt) pthread_cond_wait(&c->fetched, &c->lock);
        if (c->last_result != OKTA_CC_OK && err) *err = c->last_error;
        return c->last_result;
    }
#else
    (void)c;                            /* one thread: the fetch under way is the caller's */
#endif
    return okta_cc__fail(err, OKTA_CC_ERR_THREAD,
                         "a token asked for from a callback of this client's own token fetch: there is none until "
                         "that fetch returns");
}

/* ---- public client API --------------------------------------------------------------------- */

OKTA_CC_DEF void okta_cc_client_free(okta_cc_client *c)
{
    okta_cc_allocator a;
    if (!c) return;
    a = c->cfg.alloc;
    okta_cc__curl_free(c->curl);
    okta_cc__free_str(&a, c->cfg.org_url);
    okta_cc__free_str(&a, c->cfg.token_url);
    okta_cc__free_str(&a, c->cfg.client_id);
    okta_cc__free_str(&a, c->cfg.scopes);
    okta_cc__free_secret_str(&a, c->cfg.client_secret);
    okta_cc__drop_token_locked(c);
#ifdef OKTA_CC_PKCS11
    okta_cc_pkcs11_close(c->p11[1]);    /* in the reverse order of opening (see there) */
    okta_cc_pkcs11_close(c->p11[0]);
#endif
#ifndef OKTA_CC_NO_THREADS
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->rng_lock);
    pthread_mutex_destroy(&c->transport_lock);
    pthread_cond_destroy(&c->transport_free);
    pthread_cond_destroy(&c->fetched);
#endif
    okta_cc_wipe(c, sizeof *c);        /* the key and the rng state */
    okta_cc__free(&a, c);
}

OKTA_CC_DEF okta_cc_result okta_cc_client_new(okta_cc_client **out, const okta_cc_config *cfg,
                                              okta_cc_error *err)
{
    okta_cc_client *c;
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!out || !cfg) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no configuration");
    *out = NULL;
    if (okta_cc__check_allocator(&cfg->alloc, err) != OKTA_CC_OK) return OKTA_CC_ERR_CONFIG;
    c = (okta_cc_client *)okta_cc__malloc(&cfg->alloc, sizeof *c);
    if (!c) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    memset(c, 0, sizeof *c);
    c->cfg.alloc = cfg->alloc;          /* okta_cc_client_free needs it from here on */
#ifndef OKTA_CC_NO_THREADS
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        okta_cc__free(&cfg->alloc, c);
        return okta_cc__fail(err, OKTA_CC_ERR_THREAD, "pthread_mutex_init failed");
    }
    pthread_mutex_init(&c->rng_lock, NULL);
    pthread_mutex_init(&c->transport_lock, NULL);
    pthread_cond_init(&c->transport_free, NULL);
    pthread_cond_init(&c->fetched, NULL);
#endif
    r = okta_cc__client_configure(c, cfg, err);
    if (r != OKTA_CC_OK) {
        okta_cc_client_free(c);
        return r;
    }
    okta_cc__store_start(c);            /* no thread can see the client yet */
    *out = c;
    return OKTA_CC_OK;
}

OKTA_CC_DEF const char *okta_cc_client_token_url(const okta_cc_client *c)
{
    return c ? c->cfg.token_url : NULL;
}

OKTA_CC_DEF okta_cc_result okta_cc_client_get_token(okta_cc_client *c, char *token, size_t cap,
                                                    size_t *len, okta_cc_token_info *info,
                                                    okta_cc_error *err)
{
    okta_cc_result r = OKTA_CC_OK;
    int ahead_tried = 0, again;
    char note[600];
    okta_cc__error_reset(err);
    if (!c || (!token && cap)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no client or no buffer");
    do {
        int64_t now = okta_cc__now(c);  /* the clock and the log are user callbacks: never under the lock */
        again = 0;
        note[0] = '\0';
        OKTA_CC__LOCK(&c->lock);
        if (okta_cc__token_fresh(c, now) && !ahead_tried && !c->fetching && okta_cc__token_due_ahead(c, now)) {
            ahead_tried = 1;        /* at most once a call, whatever the new token says */
            okta_cc__refresh_ahead_locked(c, now, note, sizeof note);
            again = 1;              /* the new token, the old one, or none (invalidated meanwhile) */
        } else if (okta_cc__token_fresh(c, now)) {
            r = okta_cc__copy_token_out(c, token, cap, len, info, err);
        } else if (c->fetching) {
            r = okta_cc__await_fetch_locked(c, err);
            again = r == OKTA_CC_OK;
        } else {
            okta_cc__refresh_locked(c, 1, err);
            r = c->last_result;
            /* A token that is already stale on arrival (expires_in <= skew) is still handed out
               once rather than fetched again in a loop. */
            if (r == OKTA_CC_OK) r = okta_cc__copy_token_out(c, token, cap, len, info, err);
        }
        OKTA_CC__UNLOCK(&c->lock);
        if (note[0]) c->cfg.log(c->cfg.log_user, note);
    } while (again);
    return r;
}

OKTA_CC_DEF okta_cc_result okta_cc_client_refresh_token(okta_cc_client *c, int within, okta_cc_error *err)
{
    okta_cc_result r = OKTA_CC_OK;
    int64_t now;
    int due;
    okta_cc__error_reset(err);
    if (!c || within < 0) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no client, or a negative window");
    now = okta_cc__now(c);              /* a user callback: before the lock */
    OKTA_CC__LOCK(&c->lock);
    due = !c->token || (within > 0 ? now >= okta_cc__renewal_at(c) - within : okta_cc__token_due_ahead(c, now));
    if (due && !c->fetching) {          /* a fetch under way is the one asked for */
        okta_cc__refresh_locked(c, !okta_cc__token_fresh(c, now), err);    /* waits only without a good token */
        r = c->renewed_elsewhere ? OKTA_CC_OK : c->last_result;  /* another process's fetch: "under way" */
        if (c->renewed_elsewhere) okta_cc__error_reset(err);
    }
    OKTA_CC__UNLOCK(&c->lock);
    return r;
}

/* Drops the cached token as refused: it is never taken from the store again, and the store's
   entry is removed while it holds that token (outside the lock). */
static void okta_cc__refuse_token(okta_cc_client *c, int any, unsigned long generation)
{
    unsigned char hash[32];
    int dropped = 0;
    OKTA_CC__LOCK(&c->lock);
    /* A newer token (another thread's refresh) was not refused by anyone: keep it. */
    if (c->token && (any || c->token_generation == generation)) {
        okta_cc__sha256(c->token, c->token_len, c->refused);
        memcpy(hash, c->refused, sizeof hash);
        okta_cc__drop_token_locked(c);
        dropped = 1;
    }
    OKTA_CC__UNLOCK(&c->lock);
    if (dropped && c->store_id[0]) okta_cc__store_forget(c, hash);
}

OKTA_CC_DEF void okta_cc_client_invalidate_token(okta_cc_client *c)
{
    if (c) okta_cc__refuse_token(c, 1, 0);
}

OKTA_CC_DEF void okta_cc_client_invalidate_token_generation(okta_cc_client *c, unsigned long generation)
{
    if (c) okta_cc__refuse_token(c, 0, generation);
}

OKTA_CC_DEF unsigned long okta_cc_client_token_fetches(okta_cc_client *c)
{
    unsigned long n;
    if (!c) return 0;
    OKTA_CC__LOCK(&c->lock);
    n = c->fetches;
    OKTA_CC__UNLOCK(&c->lock);
    return n;
}

OKTA_CC_DEF okta_cc_result okta_cc_client_dpop_jkt(okta_cc_client *c, char *out, size_t cap, size_t *out_len,
                                                   okta_cc_error *err)
{
    okta_cc_result r;
    okta_cc__error_reset(err);
    if (!c || (!out && cap)) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no client or no output buffer");
    if (c->cfg.dpop == OKTA_CC_DPOP_NEVER)
        return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "this client has no DPoP key (dpop is OKTA_CC_DPOP_NEVER)");
    OKTA_CC__LOCK(&c->lock);
    r = okta_cc_key_thumbprint(&c->dpop_key, out, cap, out_len, err);
    OKTA_CC__UNLOCK(&c->lock);
    return r;
}

OKTA_CC_DEF int64_t okta_cc_client_clock_offset(okta_cc_client *c)
{
    int64_t o;
    if (!c) return 0;
    OKTA_CC__LOCK(&c->lock);
    o = c->clock_offset;
    OKTA_CC__UNLOCK(&c->lock);
    return o;
}

/* ---------------------------------------------------------------------------------------------
   >>api        Okta API requests
   uses: >>result >>url >>http >>client
   ------------------------------------------------------------------------------------------- */

/* ---- request checks and building ------------------------------------------------------------ */

/* What one okta_cc_request is asked to do, and the budget for its retries. */
typedef struct okta_cc__api_call {
    const char *method;
    const char *url;                    /* absolute, on the org's origin (okta_cc__api_url) */
    const char *body;
    size_t body_len;
    const char *content_type;           /* NULL: application/json */
    int max_retries;                    /* resolved: >= 0 */
    long deadline_ms;                   /* resolved: > 0 */
    unsigned long token_generation;     /* of the token the latest attempt sent */
    int dpop_sent;                      /* the latest attempt sent a DPoP token and proof */
    int no_token;                       /* the latest attempt got no token (nothing was sent) */
    char retry_for[64];                 /* X-Okta-Request-Id of the attempt refused before */
} okta_cc__api_call;

/* The method goes into the request line, the path into the URL, the content type into a
   header: refuse anything that could end one of them early. Values are not shown. */
static okta_cc_result okta_cc__check_request_text(const char *method, const char *path_or_url,
                                                  const okta_cc_request_options *opts, okta_cc_error *err)
{
    const char *ct = opts ? opts->content_type : NULL;
    if (!okta_cc__http_token(method))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "okta_cc_request: the method must be an HTTP token such as GET or POST "
                             "(letters, digits and !#$%%&'*+-.^_`|~)");
    if (!okta_cc__url_text_ok(path_or_url))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "okta_cc_request: the path or URL contains a space or control character (percent-encode it)");
    if (ct && (okta_cc__has_ctl(ct, 0) || strlen(ct) > 128))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT,
                             "okta_cc_request: the content type contains control characters or is longer than 128 bytes");
    return OKTA_CC_OK;
}

/* The URL to call (see okta_cc__join_org_url), in a new string. */
static okta_cc_result okta_cc__api_url(okta_cc_client *c, const char *path_or_url, char **url, okta_cc_error *err)
{
    if (!c->cfg.org_url) return okta_cc__fail(err, OKTA_CC_ERR_CONFIG,
                                              "API requests need the org URL (OKTA_CLIENT_ORGURL)");
    return okta_cc__join_org_url(&c->cfg.alloc, c->cfg.org_url, path_or_url, url, err);
}

/* Everything okta_cc_request refuses before sending anything (not even fetching a token), and
   the call it makes otherwise: its URL (the caller frees call->url) and its retry budget. */
static okta_cc_result okta_cc__api_call_init(okta_cc_client *c, okta_cc__api_call *call, const char *method,
                                             const char *path_or_url, const okta_cc_request_options *opts,
                                             okta_cc_error *err)
{
    char *url = NULL;
    int retries = opts && opts->max_retries ? opts->max_retries : c->cfg.max_retries;
    okta_cc_result r = okta_cc__check_request_text(method, path_or_url, opts, err);
    if (r != OKTA_CC_OK) return r;
    if (call->body && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "okta_cc_request: a %s request takes no body", method);
    r = okta_cc__api_url(c, path_or_url, &url, err);
    if (r != OKTA_CC_OK) return r;
    call->method = method;
    call->url = url;
    call->content_type = opts ? opts->content_type : NULL;
    call->max_retries = retries < 0 ? 0 : retries;
    call->deadline_ms = opts && opts->deadline_ms > 0 ? opts->deadline_ms : c->cfg.retry_deadline_ms;
    return OKTA_CC_OK;
}

/* The Authorization header line is built in place: the token is fetched into the buffer after
   the Bearer prefix, and for a DPoP-bound token moved up behind the shorter DPoP one. A line's
   token starts at its prefix's length. */
#define OKTA_CC__AUTH_BEARER "Authorization: Bearer "
#define OKTA_CC__AUTH_BEARER_LEN (sizeof OKTA_CC__AUTH_BEARER - 1)
#define OKTA_CC__AUTH_DPOP "Authorization: DPoP "
#define OKTA_CC__AUTH_DPOP_LEN (sizeof OKTA_CC__AUTH_DPOP - 1)

/* "Authorization: Bearer <token>", or "Authorization: DPoP <token>" for a DPoP-bound token
   (*dpop set), in a new buffer (a secret: wiped and freed by the caller), and the generation
   of the token in it, for a 401 to invalidate exactly that token. The token's size is asked
   for first, so any length fits. */
static okta_cc_result okta_cc__auth_header(okta_cc_client *c, char **out, unsigned long *generation, int *dpop,
                                           okta_cc_error *err)
{
    size_t cap = 4096, need = 0;
    char *buf;
    okta_cc_token_info info;
    okta_cc_result r;
    for (;;) {
        buf = (char *)okta_cc__malloc(&c->cfg.alloc, cap + OKTA_CC__AUTH_BEARER_LEN);
        if (!buf) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
        memcpy(buf, OKTA_CC__AUTH_BEARER, OKTA_CC__AUTH_BEARER_LEN);  /* NOLINT(bugprone-not-null-terminated-result): the token follows */
        r = okta_cc_client_get_token(c, buf + OKTA_CC__AUTH_BEARER_LEN, cap, &need, &info, err);
        if (r != OKTA_CC_ERR_BUFFER_TOO_SMALL || need <= cap) break;
        okta_cc__free(&c->cfg.alloc, buf);
        cap = need;             /* a new token may have come meanwhile: try again with its size */
    }
    if (r != OKTA_CC_OK) {
        okta_cc_wipe(buf, cap + OKTA_CC__AUTH_BEARER_LEN);
        okta_cc__free(&c->cfg.alloc, buf);
        return r;
    }
    *dpop = okta_cc__ieq(info.token_type, "DPoP");
    if (*dpop) {                /* "Authorization: Bearer " -> "Authorization: DPoP " */
        memmove(buf + OKTA_CC__AUTH_DPOP_LEN, buf + OKTA_CC__AUTH_BEARER_LEN, need + 1);
        memcpy(buf, OKTA_CC__AUTH_DPOP, OKTA_CC__AUTH_DPOP_LEN);  /* NOLINT(bugprone-not-null-terminated-result): a splice, the NUL is there */
    }
    *out = buf;
    *generation = info.generation;
    okta_cc_wipe(&info, sizeof info);
    return OKTA_CC_OK;
}

/* ---- one attempt ---------------------------------------------------------------------------- */

/* One attempt: token, headers (on a retry also X-Okta-Retry-For and -Count), the exchange,
   the rate limit, the log line. resp->http is emptied first (it may hold the previous
   attempt), also when no token comes, and its status is 0 unless a response arrived.
   call->token_generation receives the generation of the token sent. */
static okta_cc_result okta_cc__api_attempt(okta_cc_client *c, okta_cc__api_call *call, okta_cc_response *resp,
                                           okta_cc_error *err)
{
    okta_cc_http_request req;
    const char *headers[6];
    char ctype[160], retry_lines[2][96];
    char *auth = NULL, *proof = NULL;
    int64_t t0;
    okta_cc_result r;
    okta_cc_http_response_free(&resp->http);
    okta_cc_http_response_init(&resp->http, &c->cfg.alloc, c->cfg.max_response_bytes);
    r = okta_cc__auth_header(c, &auth, &call->token_generation, &call->dpop_sent, err);
    if (r == OKTA_CC_OK && call->dpop_sent)     /* a new proof for every attempt, never reused */
        r = okta_cc__dpop_header_line(c, call->method, call->url, auth + OKTA_CC__AUTH_DPOP_LEN,
                                      call->token_generation, OKTA_CC__NONCE_API, &proof, err);
    call->no_token = r != OKTA_CC_OK && !auth;
    if (r != OKTA_CC_OK) {
        okta_cc__free_header_line(c, auth);
        return r;
    }
    memset(&req, 0, sizeof req);
    headers[0] = auth;
    headers[1] = "Accept: application/json";
    req.header_count = 2;
    if (call->body) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", call->content_type ? call->content_type : "application/json");
        headers[req.header_count++] = ctype;
    }
    if (proof) headers[req.header_count++] = proof;
    req.header_count += okta_cc__retry_headers(resp->retries, call->retry_for, retry_lines, headers + req.header_count);
    req.method = call->method;
    req.url = call->url;
    req.headers = headers;
    req.body = call->body;
    req.body_len = call->body_len;
    t0 = okta_cc__ms();
    r = okta_cc__perform(c, &req, &resp->http, err);
    okta_cc__free_header_line(c, auth);
    okta_cc__free_header_line(c, proof);
    if (r != OKTA_CC_OK) resp->http.status = 0;     /* a status line may have come before the failure */
    if (r == OKTA_CC_OK) okta_cc__parse_rate_limit(&resp->http, &resp->rate_limit);
    if (r == OKTA_CC_OK) okta_cc__dpop_learn_nonce(c, &resp->http, OKTA_CC__NONCE_API);
    okta_cc__log_exchange(c, call->method, call->url, r, resp->http.status, okta_cc__ms() - t0, resp->retries,
                          &resp->rate_limit);
    return r;
}

/* ---- retries -------------------------------------------------------------------------------- */

static int okta_cc__idempotent(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 || strcmp(method, "OPTIONS") == 0;
}

/* What to do after an attempt: 0 = done, 1 = retry after *wait_ms, 2 = refresh token and retry.
   A 401 asks for a new token, once; the rest is okta_cc__retry_wait_ms, as for the token
   endpoint, which repeats what the server may have acted on (503, 504, a cut connection) only
   for idempotent methods. A failed token fetch is not repeated here: it made its own retries. */
static int okta_cc__retry_decision(okta_cc_client *c, const okta_cc__api_call *call, okta_cc_result r,
                                   const okta_cc_response *resp, int retry, int refreshed, long *wait_ms)
{
    int repeat = okta_cc__idempotent(call->method) ? OKTA_CC__REPEAT_UNAVAILABLE | OKTA_CC__REPEAT_CUT : 0;
    *wait_ms = -1;
    if (call->no_token) return 0;
    if (r == OKTA_CC_OK && resp->http.status == 401 && !refreshed) return 2;
    *wait_ms = okta_cc__retry_wait_ms(c, r, &resp->http, &resp->rate_limit, repeat, retry);
    return *wait_ms >= 0;
}

/* A WWW-Authenticate: DPoP challenge with error="<error>" (any of the headers). */
static int okta_cc__dpop_challenge(const okta_cc_http_response *h, const char *error)
{
    char want[64];
    const char *v;
    size_t i, n;
    snprintf(want, sizeof want, "error=\"%s\"", error);
    for (i = 0; (v = okta_cc_http_response_header(h, "WWW-Authenticate", i, &n)) != NULL; i++) {
        char tmp[1024];
        if (n >= sizeof tmp || !okta_cc__istarts(v, "dpop")) continue;
        memcpy(tmp, v, n);
        tmp[n] = '\0';
        if (strstr(tmp, want)) return 1;
    }
    return 0;
}

/* Attempts until one is final: a 401 drops the token it was sent with and is retried once
   with a new one; a 401 use_dpop_nonce (with a DPoP-Nonce) is retried once with that nonce;
   other retries wait (okta_cc__retry_decision) within max_retries and the deadline. Each
   retry quotes the refused attempt's request id. The result of the last attempt. */
static okta_cc_result okta_cc__api_attempts(okta_cc_client *c, okta_cc__api_call *call, okta_cc_response *resp,
                                            okta_cc_error *err)
{
    int refreshed = 0, nonce_retried = 0, next;
    long wait_ms;
    okta_cc__retry_budget budget;
    okta_cc_result r;
    memset(&budget, 0, sizeof budget);
    budget.max_retries = call->max_retries;
    budget.deadline_ms = call->deadline_ms;
    for (;;) {
        int64_t t0 = okta_cc__ms();
        okta_cc__error_reset(err);
        r = okta_cc__api_attempt(c, call, resp, err);
        budget.spent_ms += (long)(okta_cc__ms() - t0);
        next = okta_cc__retry_decision(c, call, r, resp, budget.waits, refreshed, &wait_ms);
        if (r == OKTA_CC_OK && call->dpop_sent && !nonce_retried && resp->http.status == 401 &&
            okta_cc_http_response_header(&resp->http, "DPoP-Nonce", 0, NULL) &&
            okta_cc__dpop_challenge(&resp->http, "use_dpop_nonce")) {
            nonce_retried = 1;          /* the nonce is learnt: the same token, a new proof */
        } else if (next == 2) {
            /* Only the token this request sent: another thread may have replaced it already. */
            okta_cc_client_invalidate_token_generation(c, call->token_generation);
            refreshed = 1;
        } else if (next != 1 || !okta_cc__retry_wait(c, &budget, wait_ms)) {
            return r;
        }
        okta_cc__retry_for(&resp->http, call->retry_for);
        resp->retries++;
    }
}

/* ---- errors and the request ----------------------------------------------------------------- */

OKTA_CC_DEF okta_cc_result okta_cc_request(okta_cc_client *c, const char *method,
                                           const char *path_or_url, const char *body,
                                           size_t body_len, const okta_cc_request_options *opts,
                                           okta_cc_response *resp, okta_cc_error *err)
{
    okta_cc__api_call call;
    okta_cc_result r;
    okta_cc_error own_err;              /* the request's own when the caller passed none */
    if (!err) err = &own_err;
    okta_cc__error_reset(err);
    if (resp) memset(resp, 0, sizeof *resp);
    if (!c || !method || !path_or_url || !resp || (!body && body_len))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "okta_cc_request: missing argument");
    memset(&call, 0, sizeof call);
    call.body = body;
    call.body_len = body_len;
    r = okta_cc__api_call_init(c, &call, method, path_or_url, opts, err);
    if (r != OKTA_CC_OK) return r;
    r = okta_cc__api_attempts(c, &call, resp, err);
    if (r == OKTA_CC_OK && resp->http.status == 429) {
        char note[160];
        int64_t reset;
        okta_cc__rate_limited_note(c, &resp->http, resp->retries, note, sizeof note, &reset);
        r = okta_cc__http_error(err, OKTA_CC_ERR_RATE_LIMITED, method, call.url, &resp->http, note);
        err->rate_limit_reset = reset;
    } else if (r == OKTA_CC_OK && resp->http.status >= 400)
        r = okta_cc__http_error(err, OKTA_CC_ERR_HTTP, method, call.url, &resp->http, NULL);
    okta_cc__free_str(&c->cfg.alloc, call.url);
    return r;
}

/* ---- Link headers (RFC 8288) ---------------------------------------------------------------
   Link = #link-value; link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param );
   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]. Commas, semicolons and angle
   brackets inside a quoted-string (where a backslash escapes the next byte) are text. Each
   header is read once, left to right: linear time. */

static int okta_cc__is_ows(char ch) { return ch == ' ' || ch == '\t'; }

/* Whether a rel value (the raw text of a token or of a quoted-string, escapes included) lists
   the relation type "next": types are separated by spaces and compared case-insensitively. */
static int okta_cc__rel_lists_next(const char *r, size_t n)
{
    size_t k, matched = 0;
    int possible = 1;                   /* the word so far could still be "next" */
    for (k = 0; k <= n; k++) {
        char ch;
        if (k == n || r[k] == ' ') {
            if (possible && matched == 4) return 1;
            matched = 0, possible = 1;
            continue;
        }
        ch = r[k] == '\\' && k + 1 < n ? r[++k] : r[k];
        if (possible && matched < 4 && okta_cc__lower((unsigned char)ch) == "next"[matched]) matched++;
        else possible = 0;
    }
    return 0;
}

/* Moves *i (at the opening quote) past the closing quote; 0 when the string does not end. */
static int okta_cc__skip_quoted(const char *v, size_t n, size_t *i)
{
    size_t k = *i + 1;
    while (k < n && v[k] != '"') k += v[k] == '\\' ? 2 : 1;
    if (k >= n) return 0;
    *i = k + 1;
    return 1;
}

/* One link-param after its ";" at v[*i]: name and the raw value (empty when none). 0 when
   malformed. */
static int okta_cc__link_param(const char *v, size_t n, size_t *i, size_t *name, size_t *name_len,
                               size_t *val, size_t *val_len)
{
    size_t k = *i;
    while (k < n && okta_cc__is_ows(v[k])) k++;
    for (*name = k; k < n && okta_cc__is_tchar(v[k]); k++) {}
    *name_len = k - *name;
    *val = k, *val_len = 0;
    while (k < n && okta_cc__is_ows(v[k])) k++;
    if (k < n && v[k] == '=') {
        for (k++; k < n && okta_cc__is_ows(v[k]); k++) {}
        if (k < n && v[k] == '"') {
            *val = k + 1;
            if (!okta_cc__skip_quoted(v, n, &k)) return 0;
            *val_len = k - 1 - *val;
        } else {
            for (*val = k; k < n && okta_cc__is_tchar(v[k]); k++) {}
            if (k == *val) return 0;    /* "rel=" with nothing after it */
            *val_len = k - *val;
        }
    }
    *i = k;
    return *name_len > 0;
}

/* One link-value at v[*i], up to the comma or the end that closes it: its URL and whether its
   rel lists "next" (only the first rel parameter counts, RFC 8288 section 3.3). 0 when
   malformed. */
static int okta_cc__link_value(const char *v, size_t n, size_t *i, size_t *url, size_t *url_len, int *is_next)
{
    size_t k = *i, name, name_len, val, val_len;
    int seen_rel = 0;
    *is_next = 0;
    if (k >= n || v[k] != '<') return 0;
    for (*url = ++k; k < n && v[k] != '>'; k++)
        if ((unsigned char)v[k] <= ' ' || v[k] == '<' || v[k] == 0x7f) return 0;   /* not in a URI */
    if (k >= n) return 0;
    *url_len = k++ - *url;
    for (;;) {
        while (k < n && okta_cc__is_ows(v[k])) k++;
        if (k >= n || v[k] == ',') break;
        if (v[k++] != ';' || !okta_cc__link_param(v, n, &k, &name, &name_len, &val, &val_len)) return 0;
        if (!seen_rel && name_len == 3 && okta_cc__lower((unsigned char)v[name]) == 'r' &&
            okta_cc__lower((unsigned char)v[name + 1]) == 'e' && okta_cc__lower((unsigned char)v[name + 2]) == 'l') {
            seen_rel = 1;
            *is_next = okta_cc__rel_lists_next(v + val, val_len);
        }
    }
    *i = k;
    return 1;
}

/* The first link with rel "next" in one Link header value: 1 found, 0 none, -1 malformed (the
   whole value is checked, so the verdict does not depend on where the fault is). */
static int okta_cc__link_next(const char *v, size_t n, const char **url, size_t *url_len)
{
    size_t i = 0, u = 0, ul = 0;
    int found = 0, is_next;
    for (;;) {
        while (i < n && (okta_cc__is_ows(v[i]) || v[i] == ',')) i++;     /* empty elements are allowed */
        if (i >= n) return found;
        if (!okta_cc__link_value(v, n, &i, &u, &ul, &is_next)) return -1;
        if (is_next && !found) {
            *url = v + u;
            *url_len = ul;
            found = 1;
        }
    }
}

OKTA_CC_DEF okta_cc_result okta_cc_response_next_link(const okta_cc_response *resp, char *out,
                                                      size_t cap, size_t *out_len,
                                                      okta_cc_error *err)
{
    size_t pos = 0, n, ul = 0, cl = 0;
    const char *v, *u = NULL, *cand = NULL;
    okta_cc__error_reset(err);
    if (!resp || (!out && cap))
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "okta_cc_response_next_link: no response or buffer");
    while ((v = okta_cc__header_from(&resp->http, "Link", &pos, &n)) != NULL) {
        int got = okta_cc__link_next(v, n, &cand, &cl);
        if (got < 0) return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE, "malformed Link header (RFC 8288)");
        if (got && !u) u = cand, ul = cl;
    }
    if (!u) return okta_cc__fail(err, OKTA_CC_ERR_NOT_FOUND, "no Link header with rel=\"next\"");
    if (out_len) *out_len = cap > ul ? ul : ul + 1;
    if (cap <= ul)
        return okta_cc__fail(err, OKTA_CC_ERR_BUFFER_TOO_SMALL, "the next link needs %lu bytes", (unsigned long)ul + 1);
    memcpy(out, u, ul);
    out[ul] = '\0';
    return OKTA_CC_OK;
}

OKTA_CC_DEF void okta_cc_response_free(okta_cc_response *resp)
{
    if (!resp) return;
    okta_cc_http_response_free(&resp->http);
}

/* ---- pagination ---------------------------------------------------------------------------- */

/* 64 bits of SHA-256 of the absolute URL a page is requested at (built as okta_cc__api_url
   builds it: a path joined to the org URL, an absolute URL on the org's spelling), so "/p",
   "https://org/p" and "HTTPS://ORG:443/p" are one page. Never 0: an empty slot. */
static uint64_t okta_cc__page_hash(okta_cc_client *c, const char *path_or_url)
{
    br_sha256_context h;
    unsigned char d[32];
    char *url = NULL;
    const char *s = path_or_url;
    uint64_t v = 0;
    int i;
    if (okta_cc__api_url(c, path_or_url, &url, NULL) == OKTA_CC_OK) s = url;
    br_sha256_init(&h);
    br_sha256_update(&h, s, strlen(s));
    br_sha256_out(&h, d);
    okta_cc__free(&c->cfg.alloc, url);
    for (i = 0; i < 8; i++) v = v << 8 | d[i];
    return v ? v : 1;
}

/* The visited pages are an open-addressing set of those hashes (linear probing; SHA-256 bits
   need no further mixing), at most half full. */
static int okta_cc__page_seen(const okta_cc_pager *pg, uint64_t h)
{
    size_t i, mask = pg->_seen_cap - 1;
    if (!pg->_seen_cap) return 0;
    for (i = (size_t)h & mask; pg->_seen[i]; i = (i + 1) & mask)
        if (pg->_seen[i] == h) return 1;
    return 0;
}

static void okta_cc__page_insert(uint64_t *set, size_t cap, uint64_t h)
{
    size_t i;
    for (i = (size_t)h & (cap - 1); set[i] && set[i] != h; i = (i + 1) & (cap - 1)) {}
    set[i] = h;
}

/* Room for one more page, grown (doubled) before the request so that recording the page after
   it cannot fail. */
static okta_cc_result okta_cc__page_reserve(okta_cc_pager *pg, okta_cc_error *err)
{
    const okta_cc_allocator *a = &pg->_client->cfg.alloc;
    size_t cap = pg->_seen_cap ? pg->_seen_cap * 2 : 16, i;
    uint64_t *set;
    if ((pg->_seen_count + 1) * 2 <= pg->_seen_cap) return OKTA_CC_OK;
    set = cap <= ((size_t)-1) / sizeof *set ? (uint64_t *)okta_cc__malloc(a, cap * sizeof *set) : NULL;
    if (!set) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
    memset(set, 0, cap * sizeof *set);
    for (i = 0; i < pg->_seen_cap; i++)
        if (pg->_seen[i]) okta_cc__page_insert(set, cap, pg->_seen[i]);
    okta_cc__free(a, pg->_seen);
    pg->_seen = set;
    pg->_seen_cap = cap;
    return OKTA_CC_OK;
}

/* Why the page in pg->_next must not be fetched, checked before anything is sent: a malformed
   Link header on the last page, a link back to a page already fetched, or the page cap. */
static okta_cc_result okta_cc__pager_refuse(const okta_cc_pager *pg, uint64_t h, okta_cc_error *err)
{
    int max = pg->max_pages > 0 ? pg->max_pages : OKTA_CC_PAGER_MAX_PAGES;
    char shown[700];
    if (pg->_bad_link)       /* the list goes on, but to where is unknown: not a quiet end */
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE,
                             "page %d has a malformed Link header (RFC 8288): cannot go on", pg->pages);
    if (pg->_next && okta_cc__page_seen(pg, h)) {
        okta_cc__redact_url(pg->_next, shown, sizeof shown);
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE,
                             "pagination cycle: the next link of page %d, %s, leads back to a page already fetched",
                             pg->pages, shown);
    }
    if (pg->_next && pg->pages >= max)
        return okta_cc__fail(err, OKTA_CC_ERR_BAD_RESPONSE,
                             "more than %d pages (okta_cc_pager.max_pages): stopped", max);
    return OKTA_CC_OK;
}

/* The next link of the page just fetched into *next (NULL when none, or when the Link header is
   malformed: *malformed). Fails only for want of memory. */
static okta_cc_result okta_cc__pager_read_link(okta_cc_pager *pg, const okta_cc_response *page, char **next,
                                               int *malformed, okta_cc_error *err)
{
    size_t need = 0;
    okta_cc_result r = okta_cc_response_next_link(page, NULL, 0, &need, NULL);   /* the size */
    OKTA_CC_ASSERT(r != OKTA_CC_OK);        /* with cap 0 there is no room even for the NUL */
    *next = NULL;
    if (r == OKTA_CC_ERR_BUFFER_TOO_SMALL) {
        *next = (char *)okta_cc__malloc(&pg->_client->cfg.alloc, need);
        if (!*next) return okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
        r = okta_cc_response_next_link(page, *next, need, NULL, NULL);
    }
    /* A link with a space or control byte cannot be sent as it is: malformed too. */
    if (r == OKTA_CC_OK && !okta_cc__url_text_ok(*next)) r = OKTA_CC_ERR_BAD_RESPONSE;
    *malformed = r != OKTA_CC_OK && r != OKTA_CC_ERR_NOT_FOUND;
    if (r != OKTA_CC_OK) {
        okta_cc__free(&pg->_client->cfg.alloc, *next);
        *next = NULL;
    }
    return OKTA_CC_OK;
}

/* Whether a page's body is an empty JSON array ("[]", JSON whitespace allowed): the page a
   polling listing answers when nothing is new. */
static int okta_cc__page_is_empty_array(const okta_cc_response *page)
{
    const char *b = page->http.body;
    size_t i = 0, n = page->http.body_len;
    int brackets = 0;
    for (; i < n; i++) {
        char ch = b[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') continue;
        if (ch != (brackets == 0 ? '[' : ']') || brackets == 2) return 0;
        brackets++;
    }
    return brackets == 2;
}

/* A polling listing ends at this page (see okta_cc_pager): it is empty, or its next link is the
   page itself (h, the hash it was fetched under). Such a next link is where to poll again, not
   a cycle. */
static int okta_cc__pager_polled_out(okta_cc_pager *pg, const okta_cc_response *page, const char *next, uint64_t h)
{
    if (!next) return 0;
    return okta_cc__page_is_empty_array(page) || okta_cc__page_hash(pg->_client, next) == h;
}

OKTA_CC_DEF okta_cc_result okta_cc_pager_begin(okta_cc_pager *pg, okta_cc_client *c,
                                               const char *path_or_url, okta_cc_error *err)
{
    okta_cc__error_reset(err);
    if (pg) memset(pg, 0, sizeof *pg);
    if (!pg || !c || !path_or_url)
        return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "okta_cc_pager_begin: no pager, client or path");
    pg->_client = c;
    pg->max_pages = OKTA_CC_PAGER_MAX_PAGES;
    pg->_next = okta_cc__strdup(&c->cfg.alloc, path_or_url);
    return pg->_next ? OKTA_CC_OK : okta_cc__fail(err, OKTA_CC_ERR_NO_MEMORY, "out of memory");
}

OKTA_CC_DEF okta_cc_result okta_cc_pager_next(okta_cc_pager *pg, okta_cc_response *page,
                                              okta_cc_error *err)
{
    okta_cc_result r;
    uint64_t h;
    char *next = NULL;
    int malformed = 0;
    okta_cc__error_reset(err);
    if (page) memset(page, 0, sizeof *page);
    if (!pg || !pg->_client || !page) return okta_cc__fail(err, OKTA_CC_ERR_INVALID_ARGUMENT, "no pager");
    if ((!pg->_next && !pg->_bad_link) || pg->_polled) return OKTA_CC_END;
    h = pg->_next ? okta_cc__page_hash(pg->_client, pg->_next) : 0;
    r = okta_cc__pager_refuse(pg, h, err);
    if (r == OKTA_CC_OK) r = okta_cc__page_reserve(pg, err);
    if (r == OKTA_CC_OK) r = okta_cc_request(pg->_client, "GET", pg->_next, NULL, 0, NULL, page, err);
    /* okta_cc_request takes 1xx-3xx as answers; a page is 2xx: a redirect without a Link header
       would otherwise look like the last page, and the listing would stop quietly. */
    if (r == OKTA_CC_OK && (page->http.status < 200 || page->http.status > 299))
        r = okta_cc__http_error(err, OKTA_CC_ERR_HTTP, "GET", pg->_next, &page->http,
                                "a listing's pages are 2xx");
    /* Follow the next link verbatim; okta_cc_request refuses it if it leaves the org. Any
       other refusal of it comes with the next call, so this page is delivered. */
    if (r == OKTA_CC_OK) r = okta_cc__pager_read_link(pg, page, &next, &malformed, err);
    if (r != OKTA_CC_OK) {
        /* Nothing for the caller to free on an error, so a loop that frees only the pages it
           got cannot leak: err has what the body and headers said; status, rate_limit and
           retries stay. next stays too: calling again asks for the same page. */
        okta_cc_http_response_free(&page->http);
        return r;
    }
    okta_cc__page_insert(pg->_seen, pg->_seen_cap, h);
    pg->_seen_count++;
    pg->_polled = !malformed && okta_cc__pager_polled_out(pg, page, next, h);
    okta_cc__free(&pg->_client->cfg.alloc, pg->_last);
    pg->_last = pg->_next;
    pg->_next = next;
    pg->_bad_link = malformed;
    pg->pages++;
    return OKTA_CC_OK;
}

OKTA_CC_DEF const char *okta_cc_pager_resume_url(const okta_cc_pager *pg)
{
    return pg ? pg->_next : NULL;
}

OKTA_CC_DEF void okta_cc_pager_end(okta_cc_pager *pg)
{
    if (!pg || !pg->_client) return;
    okta_cc__free(&pg->_client->cfg.alloc, pg->_next);
    okta_cc__free(&pg->_client->cfg.alloc, pg->_last);
    okta_cc__free(&pg->_client->cfg.alloc, pg->_seen);
    pg->_next = pg->_last = NULL;
    pg->_polled = 0;
    pg->_seen = NULL;
    pg->_seen_count = pg->_seen_cap = 0;
}

#ifdef __cplusplus
}
#endif

#endif /* OKTA_CC_IMPLEMENTATION_DONE */
#endif /* OKTA_CC_IMPLEMENTATION */

/*
------------------------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 the okta_cc.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
------------------------------------------------------------------------------------------------
*/
