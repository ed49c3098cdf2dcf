/* expr: parser and evaluator of the event condition language (expr.h).
 * Field names resolve to struct offsets and regexes compile at parse time. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "event.h"
#include "expr.h"
#include "text.h"

enum fkind { F_STR, F_INT, F_TYPE };

struct fdef {
	const char *name;
	enum fkind kind;
	size_t off;
};

#define F(n, k, m) { n, k, offsetof(struct apim_event, m) }
static const struct fdef fdefs[] = {
	F("schemaVersion", F_INT, schema_version),
	F("eventType", F_TYPE, event_type),
	F("requestTimestamp", F_INT, request_ms),
	F("correlationId", F_STR, correlation_id),
	F("gatewayNode", F_STR, gateway_node),
	F("apiId", F_STR, api_id),
	F("apiName", F_STR, api_name),
	F("apiVersion", F_STR, api_version),
	F("apiContext", F_STR, api_context),
	F("apiMethod", F_STR, api_method),
	F("apiResourceTemplate", F_STR, api_resource_template),
	F("apiCreator", F_STR, api_creator),
	F("destination", F_STR, destination),
	F("applicationId", F_STR, application_id),
	F("applicationName", F_STR, application_name),
	F("applicationOwner", F_STR, application_owner),
	F("keyType", F_STR, key_type),
	F("subscriptionTier", F_STR, subscription_tier),
	F("throttleKey", F_STR, throttle_key),
	F("userName", F_STR, user_name),
	F("userIp", F_STR, user_ip),
	F("userAgent", F_STR, user_agent),
	F("proxyResponseCode", F_INT, proxy_response_code),
	F("targetResponseCode", F_INT, target_response_code),
	F("responseLatency", F_INT, response_latency),
	F("backendLatency", F_INT, backend_latency),
	F("requestMediationLatency", F_INT, request_mediation_latency),
	F("responseMediationLatency", F_INT, response_mediation_latency),
	F("requestBytes", F_INT, request_bytes),
	F("responseBytes", F_INT, response_bytes),
	F("errorType", F_STR, error_type),
	F("errorCode", F_INT, error_code),
	F("errorMessage", F_STR, error_message),
};
#undef F
#define NFDEFS ((int)(sizeof fdefs / sizeof fdefs[0]))

#define EXPR_DEPTH_MAX	64
#define EXPR_SRC_MAX	4096

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_RE, OP_NRE };
enum nkind { N_OR, N_AND, N_NOT, N_HAS, N_CMP };
enum okind { O_FIELD, O_STR, O_INT };

struct operand {
	enum okind kind;
	const struct fdef *f;	/* O_FIELD */
	char *s;		/* O_STR */
	int64_t i;		/* O_INT */
};

struct node {
	enum nkind kind;
	struct node *a, *b;	/* N_OR, N_AND: both; N_NOT: a */
	enum op op;
	struct operand l, r;	/* N_CMP; N_HAS: l */
	int numeric;		/* N_CMP: compare as numbers */
	regex_t *re;		/* OP_RE, OP_NRE */
};

struct apim_expr {
	struct node *root;
};

/* ---- fields ---- */

int
apim_expr_field(const char *name)
{
	int i;

	for (i = 0; i < NFDEFS; i++)
		if (strcmp(fdefs[i].name, name) == 0)
			return i;
	return -1;
}

/* The value of f in ev: 1 and *s (string) or *n (number), 0 if absent. */
static int
field_value(const struct fdef *f, const struct apim_event *ev,
    const char **s, int64_t *n)
{
	const char *p = (const char *)ev + f->off;

	switch (f->kind) {
	case F_STR:
		memcpy(s, p, sizeof *s);
		return *s != NULL;
	case F_INT:
		memcpy(n, p, sizeof *n);
		return *n >= 0;
	case F_TYPE: {
		int t;

		memcpy(&t, p, sizeof t);
		if (t == APIM_EVENT_RESPONSE)
			*s = "response";
		else if (t == APIM_EVENT_FAULT)
			*s = "fault";
		else
			return 0;
		return 1;
	}
	}
	return 0;
}

const char *
apim_expr_field_text(int idx, const struct apim_event *ev, char *buf,
    size_t cap)
{
	const char *s = NULL;
	int64_t n = 0;

	if (idx < 0 || idx >= NFDEFS || !field_value(&fdefs[idx], ev, &s, &n))
		return NULL;
	if (fdefs[idx].kind != F_INT)
		return s;
	snprintf(buf, cap, "%" PRId64, n);
	return buf;
}

/* ---- parser ---- */

struct parser {
	const char *src;
	const char *p;
	int depth;
	int failed;
	const char *errat;
};

static void
perr(struct parser *ps, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
perr(struct parser *ps, const char *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *q;
	int col = 1;

	if (ps->failed)
		return;
	ps->failed = 1;
	ps->errat = at;
	for (q = ps->src; q < at; q++)
		if (((unsigned char)*q & 0xc0) != 0x80)
			col++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	apim_err_set(APIM_DATAERR, "column %d: %s", col, msg);
}

static void
skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	    *ps->p == '\r')
		ps->p++;
}

static void
node_free(struct node *n)
{
	if (n == NULL)
		return;
	node_free(n->a);
	node_free(n->b);
	free(n->l.s);
	free(n->r.s);
	if (n->re != NULL) {
		regfree(n->re);
		free(n->re);
	}
	free(n);
}

static struct node *
node_new(enum nkind kind)
{
	struct node *n = apim_xcalloc(1, sizeof *n);

	n->kind = kind;
	return n;
}

/* A string literal at ps->p (on the opening quote) into o. */
static int
parse_string(struct parser *ps, struct operand *o)
{
	struct apim_buf b = APIM_BUF_INIT;
	const char *start = ps->p;

	ps->p++;
	for (;;) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '\0') {
			perr(ps, start, "unterminated string");
			goto fail;
		}
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			perr(ps, ps->p, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			apim_buf_addc(&b, c);
			ps->p++;
			continue;
		}
		ps->p++;
		switch (*ps->p) {
		case '"': apim_buf_addc(&b, '"'); break;
		case '\\': apim_buf_addc(&b, '\\'); break;
		case '/': apim_buf_addc(&b, '/'); break;
		case 'n': apim_buf_addc(&b, '\n'); break;
		case 't': apim_buf_addc(&b, '\t'); break;
		case 'r': apim_buf_addc(&b, '\r'); break;
		case 'u': {
			unsigned v = 0;
			int i;

			for (i = 1; i <= 4; i++) {
				int c2 = (unsigned char)ps->p[i], d;

				if (c2 >= '0' && c2 <= '9') d = c2 - '0';
				else if (c2 >= 'a' && c2 <= 'f') d = c2 - 'a' + 10;
				else if (c2 >= 'A' && c2 <= 'F') d = c2 - 'A' + 10;
				else {
					perr(ps, ps->p - 1, "bad \\u escape: four hex digits expected");
					goto fail;
				}
				v = v * 16 + (unsigned)d;
			}
			if (v == 0 || (v >= 0xd800 && v <= 0xdfff)) {
				perr(ps, ps->p - 1, "bad \\u escape: U+%04X is not allowed", v);
				goto fail;
			}
			if (v < 0x80) {
				apim_buf_addc(&b, (int)v);
			} else if (v < 0x800) {
				apim_buf_addc(&b, (int)(0xc0 | (v >> 6)));
				apim_buf_addc(&b, (int)(0x80 | (v & 0x3f)));
			} else {
				apim_buf_addc(&b, (int)(0xe0 | (v >> 12)));
				apim_buf_addc(&b, (int)(0x80 | ((v >> 6) & 0x3f)));
				apim_buf_addc(&b, (int)(0x80 | (v & 0x3f)));
			}
			ps->p += 4;
			break;
		}
		default:
			perr(ps, ps->p - 1, "unknown escape in string");
			goto fail;
		}
		ps->p++;
	}
	o->kind = O_STR;
	o->s = apim_buf_detach(&b, NULL);
	return 0;
fail:
	apim_buf_free(&b);
	return -1;
}

static int
parse_operand(struct parser *ps, struct operand *o)
{
	const char *start;

	skip_ws(ps);
	start = ps->p;
	if (*ps->p == '"')
		return parse_string(ps, o);
	if (*ps->p == '-' || isdigit((unsigned char)*ps->p)) {
		char *end;
		long long v;

		if (*ps->p == '-' && !isdigit((unsigned char)ps->p[1])) {
			perr(ps, start, "a number expected after '-'");
			return -1;
		}
		errno = 0;
		v = strtoll(ps->p, &end, 10);
		if (errno == ERANGE) {
			perr(ps, start, "integer out of range");
			return -1;
		}
		if (isalpha((unsigned char)*end) || *end == '_' || *end == '.') {
			perr(ps, end, "bad number");
			return -1;
		}
		ps->p = end;
		o->kind = O_INT;
		o->i = v;
		return 0;
	}
	if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
		char name[64];
		size_t n = 0;
		int idx;

		while (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')
			n++;
		if (n >= sizeof name) {
			perr(ps, start, "unknown field");
			return -1;
		}
		memcpy(name, ps->p, n);
		name[n] = '\0';
		if ((idx = apim_expr_field(name)) < 0) {
			perr(ps, start, "unknown field '%s'", name);
			return -1;
		}
		ps->p += n;
		o->kind = O_FIELD;
		o->f = &fdefs[idx];
		return 0;
	}
	if (*ps->p == '\0')
		perr(ps, start, "unexpected end: a field, string or number expected");
	else
		perr(ps, start, "a field, string or number expected");
	return -1;
}

/* The operator at ps->p, or -1 if none. */
static int
parse_op(struct parser *ps)
{
	static const struct { const char *s; enum op op; } ops[] = {
		{ "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE },
		{ ">=", OP_GE }, { "=~", OP_RE }, { "!~", OP_NRE },
		{ "<", OP_LT }, { ">", OP_GT },
	};
	size_t i;

	skip_ws(ps);
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].s);

		if (strncmp(ps->p, ops[i].s, n) == 0) {
			ps->p += n;
			return (int)ops[i].op;
		}
	}
	return -1;
}

static int
is_numeric(const struct operand *o)
{
	return o->kind == O_INT || (o->kind == O_FIELD && o->f->kind == F_INT);
}

static struct node *parse_or(struct parser *ps);

static struct node *
parse_primary(struct parser *ps)
{
	struct node *n;
	const char *lat, *opat, *rat;
	int op;

	skip_ws(ps);
	if (*ps->p == '(') {
		const char *open = ps->p;

		if (++ps->depth > EXPR_DEPTH_MAX) {
			perr(ps, ps->p, "nested too deeply");
			return NULL;
		}
		ps->p++;
		if ((n = parse_or(ps)) == NULL)
			return NULL;
		skip_ws(ps);
		if (*ps->p != ')') {
			node_free(n);
			perr(ps, *ps->p ? ps->p : open, *ps->p ?
			    "')' expected" : "unclosed '('");
			return NULL;
		}
		ps->p++;
		ps->depth--;
		return n;
	}
	n = node_new(N_CMP);
	lat = ps->p;
	if (parse_operand(ps, &n->l) < 0)
		goto fail;
	skip_ws(ps);
	opat = ps->p;
	if ((op = parse_op(ps)) < 0) {
		if (n->l.kind != O_FIELD) {
			perr(ps, opat, *opat ? "an operator expected" :
			    "unexpected end: an operator expected");
			goto fail;
		}
		n->kind = N_HAS;
		return n;
	}
	n->op = (enum op)op;
	skip_ws(ps);
	rat = ps->p;
	if (parse_operand(ps, &n->r) < 0)
		goto fail;
	if (n->op == OP_RE || n->op == OP_NRE) {
		int rc;

		if (n->r.kind != O_STR) {
			perr(ps, rat, "a regular expression string expected after %s",
			    n->op == OP_RE ? "=~" : "!~");
			goto fail;
		}
		if (n->l.kind != O_FIELD) {
			perr(ps, lat, "a field expected before %s",
			    n->op == OP_RE ? "=~" : "!~");
			goto fail;
		}
		n->re = apim_xcalloc(1, sizeof *n->re);
		if ((rc = regcomp(n->re, n->r.s, REG_EXTENDED | REG_NOSUB)) != 0) {
			char why[128];

			regerror(rc, n->re, why, sizeof why);
			free(n->re);
			n->re = NULL;
			perr(ps, rat, "bad regular expression: %s", why);
			goto fail;
		}
		return n;
	}
	if (is_numeric(&n->l) != is_numeric(&n->r)) {
		const struct operand *f = n->l.kind == O_FIELD ? &n->l : &n->r;

		if (f->kind == O_FIELD)
			perr(ps, rat, "%s field '%s' compared with a %s",
			    is_numeric(f) ? "number" : "string", f->f->name,
			    is_numeric(f) ? "string" : "number");
		else
			perr(ps, rat, "a number compared with a string");
		goto fail;
	}
	if (n->l.kind != O_FIELD && n->r.kind != O_FIELD) {
		perr(ps, lat, "a comparison needs a field");
		goto fail;
	}
	n->numeric = is_numeric(&n->l);
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct node *
parse_not(struct parser *ps)
{
	struct node *n, *a;

	skip_ws(ps);
	if (ps->p[0] == '!' && ps->p[1] != '=' && ps->p[1] != '~') {
		if (++ps->depth > EXPR_DEPTH_MAX) {
			perr(ps, ps->p, "nested too deeply");
			return NULL;
		}
		ps->p++;
		if ((a = parse_not(ps)) == NULL)
			return NULL;
		ps->depth--;
		n = node_new(N_NOT);
		n->a = a;
		return n;
	}
	return parse_primary(ps);
}

static struct node *
parse_bin(struct parser *ps, const char *tok, enum nkind kind,
    struct node *(*sub)(struct parser *))
{
	struct node *l, *r, *n;

	if ((l = sub(ps)) == NULL)
		return NULL;
	for (;;) {
		skip_ws(ps);
		if (strncmp(ps->p, tok, 2) != 0)
			return l;
		ps->p += 2;
		if ((r = sub(ps)) == NULL) {
			node_free(l);
			return NULL;
		}
		n = node_new(kind);
		n->a = l;
		n->b = r;
		l = n;
	}
}

static struct node *
parse_and(struct parser *ps)
{
	return parse_bin(ps, "&&", N_AND, parse_not);
}

static struct node *
parse_or(struct parser *ps)
{
	return parse_bin(ps, "||", N_OR, parse_and);
}

struct apim_expr *
apim_expr_parse(const char *src, int *col)
{
	struct parser ps;
	struct apim_expr *e;
	struct node *root;
	size_t len;

	if (col != NULL)
		*col = 0;
	if (src == NULL)
		src = "";
	len = strlen(src);
	if (len > EXPR_SRC_MAX || !apim_utf8_valid(src, len)) {
		apim_err_set(APIM_DATAERR, "column 1: %s",
		    len > EXPR_SRC_MAX ? "expression too long" :
		    "expression is not valid UTF-8");
		if (col != NULL)
			*col = 1;
		return NULL;
	}
	memset(&ps, 0, sizeof ps);
	ps.src = ps.p = src;
	root = parse_or(&ps);
	if (root != NULL) {
		skip_ws(&ps);
		if (*ps.p != '\0') {
			perr(&ps, ps.p, *ps.p == ')' ? "unbalanced ')'" :
			    "'&&', '||' or the end expected");
			node_free(root);
			root = NULL;
		}
	}
	if (root == NULL) {
		if (col != NULL) {
			const char *q;

			*col = 1;
			for (q = src; q < ps.errat; q++)
				if (((unsigned char)*q & 0xc0) != 0x80)
					(*col)++;
		}
		return NULL;
	}
	e = apim_xcalloc(1, sizeof *e);
	e->root = root;
	return e;
}

void
apim_expr_free(struct apim_expr *e)
{
	if (e == NULL)
		return;
	node_free(e->root);
	free(e);
}

/* ---- evaluation ---- */

/* Operand value: 1 present (string in *s or number in *n), 0 absent. */
static int
operand_value(const struct operand *o, const struct apim_event *ev,
    const char **s, int64_t *n)
{
	switch (o->kind) {
	case O_STR:
		*s = o->s;
		return 1;
	case O_INT:
		*n = o->i;
		return 1;
	case O_FIELD:
		return field_value(o->f, ev, s, n);
	}
	return 0;
}

static int
eval_cmp(const struct node *n, const struct apim_event *ev)
{
	const char *ls = NULL, *rs = NULL;
	int64_t ln = 0, rn = 0;
	int c;

	if (!operand_value(&n->l, ev, &ls, &ln))
		return n->op == OP_NE || n->op == OP_NRE;
	if (n->re != NULL) {
		char num[24];

		if (n->l.f->kind == F_INT) {
			snprintf(num, sizeof num, "%" PRId64, ln);
			ls = num;
		}
		c = regexec(n->re, ls, 0, NULL, 0) == 0;
		return n->op == OP_RE ? c : !c;
	}
	if (!operand_value(&n->r, ev, &rs, &rn))
		return n->op == OP_NE;
	if (n->numeric)
		c = ln < rn ? -1 : ln > rn;
	else
		c = strcmp(ls, rs);
	switch (n->op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	default: return 0;
	}
}

static int
eval_node(const struct node *n, const struct apim_event *ev)
{
	for (;;) {
		switch (n->kind) {
		case N_OR:
			if (eval_node(n->a, ev))
				return 1;
			n = n->b;
			continue;
		case N_AND:
			if (!eval_node(n->a, ev))
				return 0;
			n = n->b;
			continue;
		case N_NOT:
			return !eval_node(n->a, ev);
		case N_HAS: {
			const char *s;
			int64_t v;

			return field_value(n->l.f, ev, &s, &v);
		}
		case N_CMP:
			return eval_cmp(n, ev);
		}
		return 0;
	}
}

int
apim_expr_eval(const struct apim_expr *e, const struct apim_event *ev)
{
	return e != NULL && eval_node(e->root, ev);
}
