/* apim-event-check: a test driver for lib/event.  Reads NDJSON events on
 * stdin (summary or --dump), or writes them (emit, gen), or times the writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "event.h"

static void
usage(void)
{
	fprintf(stderr, "usage: apim-event-check [--dump] [PATH] | --parse | --json\n"
	    "       apim-event-check emit NAME=VALUE...\n"
	    "       apim-event-check gen COUNT TAG\n"
	    "       apim-event-check mutate COUNT SEED\n"
	    "       apim-event-check bench COUNT [FILE]\n");
	exit(APIM_USAGE);
}

/* Print s with control characters and backslashes escaped C-style. */
static void
print_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static int
check(int dump, const char *path)
{
	struct apim_event_reader *r = apim_event_reader_open(path);
	const char *const *names = apim_event_fields();
	struct apim_event ev;
	char buf[64];
	const char *v;
	int rc, i;
	long lineno;

	if (r == NULL)
		return apim_err_report();
	while ((rc = apim_event_read(r, &ev)) != 0) {
		lineno = apim_event_reader_lineno(r);
		if (rc == -2) {
			apim_err_report();
			break;
		}
		if (rc == -1) {
			fprintf(stderr, "apim-event-check: line %ld: %s\n", lineno,
			    apim_err_msg());
			continue;
		}
		if (!dump) {
			v = apim_event_get(&ev, "proxyResponseCode", buf, sizeof buf);
			printf("%ld %s %s %s %s\n", lineno,
			    ev.event_type == APIM_EVENT_FAULT ? "fault" : "response",
			    ev.api_method ? ev.api_method : "-",
			    ev.api_resource_template ? ev.api_resource_template : "-",
			    v ? v : "-");
			continue;
		}
		for (i = 0; names[i]; i++) {
			if ((v = apim_event_get(&ev, names[i], buf, sizeof buf)) == NULL)
				continue;
			printf("%ld %s=", lineno, names[i]);
			print_escaped(v);
			putchar('\n');
		}
	}
	printf("%ld events, %ld bad lines\n", apim_event_reader_good(r),
	    apim_event_reader_bad(r));
	rc = apim_event_reader_bad(r) ? APIM_DATAERR : rc == -2 ? APIM_IOERR : 0;
	apim_event_reader_free(r);
	return rc;
}

/* The same dump, through apim_event_parse on each line. */
static int
parse_lines(void)
{
	char *line = NULL, *buf = NULL, tmp[64];
	const char *const *names = apim_event_fields();
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, good = 0, bad = 0;
	struct apim_event ev;
	const char *v;
	int i;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (strspn(line, " \t") == (size_t)n)
			continue;
		buf = realloc(buf, (size_t)n + 1);
		if (apim_event_parse(line, (size_t)n, &ev, buf, (size_t)n + 1) == -1) {
			bad++;
			continue;
		}
		good++;
		for (i = 0; names[i]; i++) {
			if ((v = apim_event_get(&ev, names[i], tmp, sizeof tmp)) == NULL)
				continue;
			printf("%ld %s=", lineno, names[i]);
			print_escaped(v);
			putchar('\n');
		}
	}
	printf("%ld events, %ld bad lines\n", good, bad);
	free(line);
	free(buf);
	return bad ? APIM_DATAERR : 0;
}

/* Each good event as the JSON object the reader keeps, unknown fields too. */
static int
json_lines(void)
{
	struct apim_event_reader *r = apim_event_reader_new(stdin);
	struct apim_event ev;
	char *s;
	int rc;

	while ((rc = apim_event_read(r, &ev)) != 0) {
		if (rc != 1)
			continue;
		s = json_dumps(apim_event_reader_json(r), JSON_COMPACT | JSON_SORT_KEYS);
		printf("%ld %s\n", apim_event_reader_lineno(r), s ? s : "NULL");
		free(s);
	}
	apim_event_reader_free(r);
	return 0;
}

static int
emit(int argc, char **argv)
{
	struct apim_event ev;
	char *eq;
	int i;

	apim_event_init(&ev);
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL)
			usage();
		*eq = '\0';
		if (apim_event_set(&ev, argv[i], eq + 1) == -1)
			return apim_err_report();
	}
	if (apim_event_write(1, &ev) == -1)
		return apim_err_report();
	return 0;
}

/* A typical gateway event, numbered i. */
static void
sample(struct apim_event *ev, long i, const char *tag, char *cid, size_t cap)
{
	static const char *const methods[] = { "GET", "POST", "PUT", "DELETE" };

	apim_event_init(ev);
	snprintf(cid, cap, "%s-%ld", tag, i);
	ev->request_ms = 1795800000000 + i;
	ev->correlation_id = cid;
	ev->gateway_node = "gw1.example.net";
	ev->api_id = "2f1c1a56-3b0e-4d61-9a43-0c5b7f3e9d21";
	ev->api_name = "PetStore";
	ev->api_version = "1.0.0";
	ev->api_context = "/petstore/1.0.0";
	ev->api_method = methods[i % 4];
	ev->api_resource_template = "/pets/{petId}";
	ev->api_creator = "alice";
	ev->destination = "http://127.0.0.1:8081/v1";
	ev->application_id = "8d7e2c3b-5a4f-4e1d-b0c9-7a6f5e4d3c2b";
	ev->application_name = "Mobile \"beta\"";
	ev->application_owner = "bob";
	ev->key_type = "PRODUCTION";
	ev->subscription_tier = "Gold";
	ev->user_name = "bob@carbon.super";
	ev->user_ip = "192.0.2.17";
	ev->user_agent = "Mozilla/5.0 (X11; Linux x86_64) curl/7.88.1\tcaf\xc3\xa9";
	ev->proxy_response_code = 200;
	ev->target_response_code = 200;
	ev->response_latency = 12 + i % 7;
	ev->backend_latency = 9 + i % 5;
	ev->request_mediation_latency = 1;
	ev->response_mediation_latency = 1;
	ev->request_bytes = i % 3 ? 0 : 512;
	ev->response_bytes = 1024 + i % 100;
	if (i % 10 == 9) {
		ev->event_type = APIM_EVENT_FAULT;
		ev->proxy_response_code = 429;
		ev->target_response_code = APIM_EVENT_NONE;
		ev->backend_latency = APIM_EVENT_NONE;
		ev->throttle_key = "app:8d7e2c3b:PetStore";
		ev->error_type = "THROTTLED";
		ev->error_code = 900800;
		ev->error_message = "Message throttled out";
	}
}

static int
gen(long n, const char *tag)
{
	struct apim_event ev;
	char cid[64];
	long i;

	for (i = 0; i < n; i++) {
		sample(&ev, i, tag, cid, sizeof cid);
		if (apim_event_write(1, &ev) == -1)
			return apim_err_report();
	}
	return 0;
}

/* Lines for fuzzing the reader: sample events with bytes flipped, cut and
 * JSON-ish pieces inserted, from a fixed seed (xorshift64). */
static int
mutate(long n, unsigned long long seed)
{
	static const char *const toks[] = { "\"", "\\", "\\u", "\\ud800",
	    "\\udc00", "\\ud83d\\ude00", "\\u00e9", "\\u0000", "{", "}",
	    "[", "]", "\xff", "\xc3", "\xe2\x98\x83", "\xed\xa0\x80", "null",
	    "-1", "1e400", "1.5", "-0", "01", "99999999999999999999", ",\"x\":",
	    ",\"x\":{\"a\":[1,{\"b\":null}]}", " ", "true", "fals", ":", "," };
	struct apim_event ev;
	char cid[64], line[APIM_EVENT_LINE_MAX * 2];
	unsigned long long x = seed ? seed : 88172645463325252ULL;
	long i, len;
	int k, m;

#define RND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
	for (i = 0; i < n; i++) {
		sample(&ev, (long)(RND() % 20), "m", cid, sizeof cid);
		if ((len = apim_event_format(&ev, line, APIM_EVENT_LINE_MAX)) < 0)
			return apim_err_report();
		len--;		/* the newline */
		m = 1 + (int)(RND() % 4);
		for (k = 0; k < m && len > 0; k++) {
			long p = (long)(RND() % (unsigned long long)len);
			unsigned op = (unsigned)(RND() % 100);

			if (op < 25)
				line[p] = (char)(RND() % 256);
			else if (op < 45) {
				long d = 1 + (long)(RND() % 10);

				if (d > len - p)
					d = len - p;
				memmove(line + p, line + p + d, (size_t)(len - p - d));
				len -= d;
			} else {
				const char *t = toks[RND() % (sizeof toks / sizeof toks[0])];
				long tl = (long)strlen(t);

				memmove(line + p + tl, line + p, (size_t)(len - p));
				memcpy(line + p, t, (size_t)tl);
				len += tl;
			}
		}
		for (k = 0; k < len; k++)
			if (line[k] == '\n')
				line[k] = ' ';
		line[len++] = '\n';
		fwrite(line, 1, (size_t)len, stdout);
	}
#undef RND
	return 0;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bench(long n, const char *path)
{
	struct apim_event ev[16];
	char cid[16][64], buf[APIM_EVENT_LINE_MAX];
	unsigned long sum = 0;
	double t0, t;
	long i, len;
	FILE *f;

	for (i = 0; i < 16; i++)
		sample(&ev[i], i, "bench", cid[i], sizeof cid[i]);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if ((len = apim_event_format(&ev[i & 15], buf, sizeof buf)) < 0)
			return apim_err_report();
		sum += (unsigned long)len + (unsigned char)buf[len / 2];
	}
	t = now_s() - t0;
	printf("%ld events formatted in %.3f s: %.0f events/s (%lu bytes)\n",
	    n, t, (double)n / t, sum);
	if (path) {
		if ((f = fopen(path, "w")) == NULL) {
			perror(path);
			return APIM_CANTCREAT;
		}
		for (i = 0; i < n; i++) {
			len = apim_event_format(&ev[i & 15], buf, sizeof buf);
			fwrite(buf, 1, (size_t)len, f);
		}
		if (fclose(f) == EOF)
			return APIM_IOERR;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	apim_prog_set("apim-event-check");
	if (argc == 1)
		return check(0, "-");
	if (argc == 2 && strcmp(argv[1], "--dump") == 0)
		return check(1, "-");
	if (argc == 2 && strcmp(argv[1], "--parse") == 0)
		return parse_lines();
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		return json_lines();
	if (argc == 3 && strcmp(argv[1], "--dump") == 0)
		return check(1, argv[2]);
	if (argc == 2 && argv[1][0] != '-' && strchr(argv[1], '/'))
		return check(0, argv[1]);
	if (strcmp(argv[1], "emit") == 0)
		return emit(argc - 2, argv + 2);
	if (strcmp(argv[1], "gen") == 0 && argc == 4)
		return gen(atol(argv[2]), argv[3]);
	if (strcmp(argv[1], "mutate") == 0 && argc == 4)
		return mutate(atol(argv[2]), strtoull(argv[3], NULL, 10));
	if (strcmp(argv[1], "bench") == 0 && (argc == 3 || argc == 4))
		return bench(atol(argv[2]), argc == 4 ? argv[3] : NULL);
	usage();
	return APIM_USAGE;
}
