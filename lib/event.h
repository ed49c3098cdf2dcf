/* event: the NDJSON event schema of apim-events(5): one request, one line.
 * Writer strings are borrowed from the caller; reader strings are owned by the reader. */
#ifndef APIM_EVENT_H
#define APIM_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define APIM_EVENT_SCHEMA	1	/* schemaVersion this build writes and reads */
#define APIM_EVENT_STR_MAX	1024	/* string values are cut to this many bytes */
#define APIM_EVENT_LINE_MAX	16384	/* apim_event_write's buffer */
#define APIM_EVENT_READ_MAX	1048576	/* a longer line is a bad line */

enum apim_event_type { APIM_EVENT_RESPONSE = 0, APIM_EVENT_FAULT = 1 };

/*
 * One event.  A string field that is NULL is absent from the line; an integer
 * field that is negative (APIM_EVENT_NONE) is absent.  Integers are plain
 * counts: latencies in milliseconds, sizes in bytes, codes as numbers.
 */
#define APIM_EVENT_NONE	(-1)
struct apim_event {
	int64_t schema_version;		/* schemaVersion */
	int event_type;			/* eventType: enum apim_event_type */
	int64_t request_ms;		/* requestTimestamp, ms since the epoch, UTC */
	const char *correlation_id;	/* correlationId */
	const char *gateway_node;	/* gatewayNode: host name */
	const char *api_id;		/* apiId */
	const char *api_name;		/* apiName */
	const char *api_version;	/* apiVersion */
	const char *api_context;	/* apiContext */
	const char *api_method;		/* apiMethod: GET, POST, ... */
	const char *api_resource_template; /* apiResourceTemplate: /pets/{id} */
	const char *api_creator;	/* apiCreator */
	const char *destination;	/* destination: backend URL */
	const char *application_id;	/* applicationId */
	const char *application_name;	/* applicationName */
	const char *application_owner;	/* applicationOwner */
	const char *key_type;		/* keyType: PRODUCTION or SANDBOX */
	const char *subscription_tier;	/* subscriptionTier */
	const char *throttle_key;	/* throttleKey */
	const char *user_name;		/* userName */
	const char *user_ip;		/* userIp */
	const char *user_agent;		/* userAgent */
	int64_t proxy_response_code;	/* proxyResponseCode: status sent to the client */
	int64_t target_response_code;	/* targetResponseCode: status from the backend */
	int64_t response_latency;	/* responseLatency, ms, request in to response out */
	int64_t backend_latency;	/* backendLatency, ms */
	int64_t request_mediation_latency;  /* requestMediationLatency, ms */
	int64_t response_mediation_latency; /* responseMediationLatency, ms */
	int64_t request_bytes;		/* requestBytes: request body bytes */
	int64_t response_bytes;		/* responseBytes: response body bytes */
	const char *error_type;		/* errorType: AUTH, THROTTLED, TARGET_CONNECTIVITY, OTHER */
	int64_t error_code;		/* errorCode */
	const char *error_message;	/* errorMessage */
};

/* Every field absent except schemaVersion (1), eventType (response) and
 * requestTimestamp (now). */
void apim_event_init(struct apim_event *ev);

/* Format ev as one JSON line ending in '\n' into buf.  No allocation, no
 * locale.  Strings are escaped, invalid UTF-8 becomes U+FFFD, and each is cut
 * to APIM_EVENT_STR_MAX bytes at a character boundary.  Returns the line's
 * length (without a NUL; one is added if there is room), or -1 if cap is too
 * small (error set, APIM_SOFTWARE). */
long apim_event_format(const struct apim_event *ev, char *buf, size_t cap);
/* Format and append ev to fd with exactly one write(2).  0, or -1 with the
 * error set (APIM_IOERR; APIM_TEMPFAIL if fd would block). */
int apim_event_write(int fd, const struct apim_event *ev);

/* Parse one line (no newline needed) into out, strictly (RFC 8259, UTF-8),
 * without allocating.  Strings are decoded into buf, which must hold at least
 * len + 1 bytes; out points into buf.  Unknown fields are checked as JSON and
 * skipped.  0, or -1 with the error set (APIM_DATAERR, the reason). */
int apim_event_parse(const char *line, size_t len, struct apim_event *out,
    char *buf, size_t cap);

/* The value of the field called name (schema spelling: "apiName") as text:
 * strings as they are, integers in decimal, requestTimestamp in RFC 3339.
 * Returns a pointer into ev or into buf (cap >= 32), or NULL if the field is
 * absent or unknown. */
const char *apim_event_get(const struct apim_event *ev, const char *name,
    char *buf, size_t cap);
/* The index of the field called name in apim_event_fields(), or -1; and
 * apim_event_get by that index (no look-up per event). */
int apim_event_field_index(const char *name);
const char *apim_event_get_at(const struct apim_event *ev, int index,
    char *buf, size_t cap);
/* Set the field called name from text (integers in decimal, requestTimestamp
 * in RFC 3339, eventType "response" or "fault").  value is borrowed.  0, or -1
 * with the error set (APIM_USAGE unknown field, APIM_DATAERR bad value). */
int apim_event_set(struct apim_event *ev, const char *name, const char *value);
/* The schema's field names in line order, NULL-terminated (static). */
const char *const *apim_event_fields(void);

/* RFC 3339 text to ms since the epoch; -1 if malformed. */
int64_t apim_event_time_parse(const char *s);
/* ms since the epoch as "2026-11-27T19:26:53.123Z" into out[25]; returns 24.
 * A thin call of apim_time_iso (lib/util.h): negative ms are before 1970.
 * (apim_event_format writes a negative requestTimestamp as the epoch, since
 * readers refuse years before 1970.) */
int apim_event_time_format(int64_t ms, char *out);

/*
 * A reader over a FILE *: one event per call, skipping blank lines.  It reads
 * the FILE's descriptor directly, in blocks (so nothing else should read the
 * FILE).  The reader owns the FILE * only if it opened it; the event's
 * strings and the JSON object live until the next apim_event_read or
 * apim_event_reader_free.  A line longer than APIM_EVENT_READ_MAX bytes is a
 * bad line.
 */
struct apim_event_reader;
struct apim_event_reader *apim_event_reader_new(FILE *f);
/* Open path ("-" is stdin) for reading; NULL with the error set (APIM_NOINPUT
 * if it does not exist, else APIM_IOERR).  Freeing the reader closes it. */
struct apim_event_reader *apim_event_reader_open(const char *path);
void apim_event_reader_free(struct apim_event_reader *r);
/* 1 an event in *ev; 0 end of input; -1 a bad line: its number and reason
 * are in apim_event_reader_lineno()/apim_err_msg(), and the next call goes on
 * with the next line; -2 a read error (error set, APIM_IOERR). */
int apim_event_read(struct apim_event_reader *r, struct apim_event *ev);
/* The last event read as a JSON object, unknown fields included: parsed on
 * first call (jansson), borrowed until the next read; NULL if none. */
json_t *apim_event_reader_json(struct apim_event_reader *r);
/* Following a file that grows: at the end of input, a last line without
 * its newline is kept until the rest arrives (apim_event_read returns 0),
 * and every later apim_event_read tries to read again. */
void apim_event_reader_follow(struct apim_event_reader *r, int on);
/* After a bad line (-1): 1 if it was a last line without a newline at the
 * end of input, which apim-events(5) calls torn (a writer may be in the
 * middle of it); callers may accept it rather than count it. */
int apim_event_reader_torn(const struct apim_event_reader *r);
/* The descriptor read, and the bytes of it consumed as lines so far. */
int apim_event_reader_fd(const struct apim_event_reader *r);
long long apim_event_reader_offset(const struct apim_event_reader *r);
/* Start again at the file's beginning (after a truncation): lseek to 0 and
 * forget any unfinished line.  0, or -1 with the error set (APIM_IOERR). */
int apim_event_reader_rewind(struct apim_event_reader *r);
/* Number of the line last returned (1-based). */
long apim_event_reader_lineno(const struct apim_event_reader *r);
/* Good events and bad lines seen so far. */
long apim_event_reader_good(const struct apim_event_reader *r);
long apim_event_reader_bad(const struct apim_event_reader *r);

#endif
