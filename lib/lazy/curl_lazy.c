/* curl_lazy: libcurl for apim-proxy, loaded with dlopen on first use instead of
 * at exec (under inetd every connection pays the start-up); linked only there. */
#define CURL_DISABLE_TYPECHECK 1
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#include <curl/curl.h>

/*
 * Each libcurl function apim-proxy calls, forwarded to the library opened on
 * the first call.  If it cannot be opened, the calls that make something fail
 * as libcurl's own do (NULL, CURLE_FAILED_INIT, CURLM_INTERNAL_ERROR) and the
 * others are never reached (they need a handle).  A libcurl call added to
 * apim-proxy's code needs a line here: the link fails until it has one.
 */
#define CURL_LAZY_FUNCS(X) \
	X(curl_global_init) \
	X(curl_easy_init) \
	X(curl_easy_cleanup) \
	X(curl_easy_reset) \
	X(curl_easy_pause) \
	X(curl_easy_setopt) \
	X(curl_easy_getinfo) \
	X(curl_easy_perform) \
	X(curl_easy_send) \
	X(curl_easy_recv) \
	X(curl_easy_strerror) \
	X(curl_free) \
	X(curl_slist_append) \
	X(curl_slist_free_all) \
	X(curl_multi_init) \
	X(curl_multi_cleanup) \
	X(curl_multi_setopt) \
	X(curl_multi_add_handle) \
	X(curl_multi_remove_handle) \
	X(curl_multi_assign) \
	X(curl_multi_info_read) \
	X(curl_multi_socket_action) \
	X(curl_multi_strerror) \
	X(curl_url) \
	X(curl_url_cleanup) \
	X(curl_url_get) \
	X(curl_url_set)

static struct {
	int ok;		/* set once, under pthread_once */
#define X(name) __typeof__(&name) name;
	CURL_LAZY_FUNCS(X)
#undef X
} L;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
open_curl(void)
{
	void *h;

	if ((h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
#define X(name) \
	if ((*(void **)&L.name = dlsym(h, #name)) == NULL) \
		return;
	CURL_LAZY_FUNCS(X)
#undef X
	L.ok = 1;
}

/* 1 once libcurl is open and every function found (opened once, whichever
 * thread asks first). */
static int
load(void)
{
	pthread_once(&once, open_curl);
	return L.ok;
}

CURLcode (curl_global_init)(long flags)
{
	return load() ? L.curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURL *(curl_easy_init)(void)
{
	return load() ? L.curl_easy_init() : NULL;
}

void (curl_easy_cleanup)(CURL *e)
{
	if (load())
		L.curl_easy_cleanup(e);
}

void (curl_easy_reset)(CURL *e)
{
	if (load())
		L.curl_easy_reset(e);
}

CURLcode (curl_easy_pause)(CURL *e, int bitmask)
{
	return load() ? L.curl_easy_pause(e, bitmask) : CURLE_FAILED_INIT;
}

/* An option's argument by its type (the option number's range). */
CURLcode (curl_easy_setopt)(CURL *e, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;

	if (!load())
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = L.curl_easy_setopt(e, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = L.curl_easy_setopt(e, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = L.curl_easy_setopt(e, opt, va_arg(ap, void (*)(void)));
	else if (opt < CURLOPTTYPE_BLOB)
		r = L.curl_easy_setopt(e, opt, va_arg(ap, curl_off_t));
	else
		r = L.curl_easy_setopt(e, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode (curl_easy_getinfo)(CURL *e, CURLINFO info, ...)
{
	va_list ap;
	CURLcode r;

	if (!load())
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = L.curl_easy_getinfo(e, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode (curl_easy_perform)(CURL *e)
{
	return load() ? L.curl_easy_perform(e) : CURLE_FAILED_INIT;
}

CURLcode (curl_easy_send)(CURL *e, const void *b, size_t n, size_t *sent)
{
	return load() ? L.curl_easy_send(e, b, n, sent) : CURLE_FAILED_INIT;
}

CURLcode (curl_easy_recv)(CURL *e, void *b, size_t n, size_t *got)
{
	return load() ? L.curl_easy_recv(e, b, n, got) : CURLE_FAILED_INIT;
}

const char *(curl_easy_strerror)(CURLcode c)
{
	return load() ? L.curl_easy_strerror(c) : "libcurl cannot be loaded";
}

void (curl_free)(void *p)
{
	if (p != NULL && load())
		L.curl_free(p);
}

struct curl_slist *(curl_slist_append)(struct curl_slist *l, const char *s)
{
	return load() ? L.curl_slist_append(l, s) : NULL;
}

void (curl_slist_free_all)(struct curl_slist *l)
{
	if (l != NULL && load())
		L.curl_slist_free_all(l);
}

CURLM *(curl_multi_init)(void)
{
	return load() ? L.curl_multi_init() : NULL;
}

CURLMcode (curl_multi_cleanup)(CURLM *m)
{
	return load() ? L.curl_multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode (curl_multi_setopt)(CURLM *m, CURLMoption opt, ...)
{
	va_list ap;
	CURLMcode r;

	if (!load())
		return CURLM_INTERNAL_ERROR;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = L.curl_multi_setopt(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = L.curl_multi_setopt(m, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = L.curl_multi_setopt(m, opt, va_arg(ap, void (*)(void)));
	else
		r = L.curl_multi_setopt(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return r;
}

CURLMcode (curl_multi_add_handle)(CURLM *m, CURL *e)
{
	return load() ? L.curl_multi_add_handle(m, e) : CURLM_INTERNAL_ERROR;
}

CURLMcode (curl_multi_remove_handle)(CURLM *m, CURL *e)
{
	return load() ? L.curl_multi_remove_handle(m, e) : CURLM_INTERNAL_ERROR;
}

CURLMcode (curl_multi_assign)(CURLM *m, curl_socket_t s, void *p)
{
	return load() ? L.curl_multi_assign(m, s, p) : CURLM_INTERNAL_ERROR;
}

CURLMsg *(curl_multi_info_read)(CURLM *m, int *left)
{
	return load() ? L.curl_multi_info_read(m, left) : NULL;
}

CURLMcode (curl_multi_socket_action)(CURLM *m, curl_socket_t s, int ev, int *running)
{
	return load() ? L.curl_multi_socket_action(m, s, ev, running) :
	    CURLM_INTERNAL_ERROR;
}

const char *(curl_multi_strerror)(CURLMcode c)
{
	return load() ? L.curl_multi_strerror(c) : "libcurl cannot be loaded";
}

CURLU *(curl_url)(void)
{
	return load() ? L.curl_url() : NULL;
}

void (curl_url_cleanup)(CURLU *u)
{
	if (u != NULL && load())
		L.curl_url_cleanup(u);
}

CURLUcode (curl_url_get)(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return load() ? L.curl_url_get(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode (curl_url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return load() ? L.curl_url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}
