/* yml: libyaml events straight into jansson values, and jansson values out
 * through libyaml's emitter.  Everything returned is new; the caller frees. */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "err.h"
#include "util.h"
#include "yml.h"

#define YML_MAX_DEPTH 1000

/* A mapping or sequence being filled. */
struct frame {
	json_t *node;		/* object or array */
	char *anchor;		/* registered when the node ends, or NULL */
	size_t start;		/* node count when it began */
	char *key;		/* a mapping's pending key, or NULL */
	size_t keylen;
	yaml_mark_t keymark;	/* where the pending key began */
	int merge;		/* the pending key is the merge key "<<" */
	json_t *merges;		/* values given to "<<", applied at the end */
};

struct ystate {
	const char *name;
	struct frame *st;
	size_t n, cap;
	json_t *anchors;	/* name -> [node, expanded node count] */
	size_t nodes, max_nodes;
	json_t *root;
	int failed;
	int flags;		/* APIM_YML_* */
};

static void fail_at(struct ystate *, yaml_mark_t, const char *, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail_at(struct ystate *s, yaml_mark_t m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	apim_err_set(APIM_DATAERR, "'%s' line %zu column %zu: %s", s->name,
	    m.line + 1, m.column + 1, msg);
	s->failed = 1;
}

static int
count_nodes(struct ystate *s, size_t k, yaml_mark_t m)
{
	s->nodes += k;
	if (s->nodes > s->max_nodes) {
		fail_at(s, m, "too many nodes after expanding aliases (limit %zu)",
		    s->max_nodes);
		return -1;
	}
	return 0;
}

static struct frame *
top(struct ystate *s)
{
	return s->n ? &s->st[s->n - 1] : NULL;
}

/* Record anchor name for v (borrowed), whose expansion holds k nodes. */
static void
anchor_set(struct ystate *s, const char *name, json_t *v, size_t k)
{
	json_object_set_new(s->anchors, name, json_pack("[O,I]", v, (json_int_t)k));
}

/* Place a finished value (reference stolen) into its parent or as the root. */
static int
add_value(struct ystate *s, json_t *v, yaml_mark_t m)
{
	struct frame *f = top(s);

	if (f == NULL) {
		s->root = v;
		return 0;
	}
	if (json_is_array(f->node)) {
		json_array_append_new(f->node, v);
		return 0;
	}
	if (f->key == NULL) {
		json_decref(v);
		fail_at(s, m, "a mapping key must be a scalar");
		return -1;
	}
	if (f->merge) {
		size_t i;
		json_t *e;
		int ok = json_is_object(v);

		if (json_is_array(v)) {
			ok = 1;
			json_array_foreach(v, i, e)
				if (!json_is_object(e))
					ok = 0;
		}
		if (!ok) {
			json_decref(v);
			fail_at(s, m, "a merge key needs a mapping or a sequence "
			    "of mappings");
			return -1;
		}
		if (f->merges == NULL)
			f->merges = json_array();
		json_array_append_new(f->merges, v);
	} else {
		if (json_object_getn(f->node, f->key, f->keylen) != NULL) {
			json_decref(v);
			fail_at(s, f->keymark, "duplicate key '%s'", f->key);
			return -1;
		}
		json_object_setn_new(f->node, f->key, f->keylen, v);
	}
	free(f->key);
	f->key = NULL;
	f->merge = 0;
	return 0;
}

static void
merge_one(json_t *dst, json_t *src)
{
	const char *k;
	size_t kl;
	json_t *v;

	json_object_keylen_foreach(src, k, kl, v)
		if (json_object_getn(dst, k, kl) == NULL)
			json_object_setn(dst, k, kl, v);
}

/* Apply "<<" sources: explicit keys win, earlier sources beat later ones. */
static void
apply_merges(struct frame *f)
{
	size_t i, j;
	json_t *src, *e;

	json_array_foreach(f->merges, i, src) {
		if (json_is_object(src))
			merge_one(f->node, src);
		else
			json_array_foreach(src, j, e)
				merge_one(f->node, e);
	}
}

static int
all_digits(const char *p, const char *e, const char *set)
{
	if (p == e)
		return 0;
	for (; p < e; p++)
		if (strchr(set, *p) == NULL || *p == '\0')
			return 0;
	return 1;
}

/* Is t[0..n) a YAML 1.2 core-schema float (not inf/nan)? */
static int
is_float(const char *t, size_t n)
{
	const char *p = t, *e = t + n;
	int digits = 0;

	if (p < e && (*p == '-' || *p == '+'))
		p++;
	while (p < e && *p >= '0' && *p <= '9')
		p++, digits++;
	if (p < e && *p == '.') {
		p++;
		while (p < e && *p >= '0' && *p <= '9')
			p++, digits++;
	}
	if (!digits)
		return 0;
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '-' || *p == '+'))
			p++;
		if (!all_digits(p, e, "0123456789"))
			return 0;
		p = e;
	}
	return p == e;
}

static int
is_one_of(const char *t, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && memcmp(t, *words, n) == 0)
			return 1;
	return 0;
}

static const char *const null_words[] = { "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };

/* The core-schema value of a plain scalar, or NULL if it is a string. */
static json_t *
resolve_plain(const char *t, size_t n)
{
	char buf[64];
	const char *p = t, *e = t + n;
	long long ll;
	int base = 10;

	if (n == 0 || is_one_of(t, n, null_words))
		return json_null();
	if (is_one_of(t, n, true_words))
		return json_true();
	if (is_one_of(t, n, false_words))
		return json_false();
	if (n >= sizeof buf)
		return NULL;
	memcpy(buf, t, n);
	buf[n] = '\0';
	if (n > 2 && t[0] == '0' && t[1] == 'x' && all_digits(t + 2, e,
	    "0123456789abcdefABCDEF"))
		base = 16;
	else if (n > 2 && t[0] == '0' && t[1] == 'o' && all_digits(t + 2, e,
	    "01234567"))
		base = 8;
	else {
		if (*p == '-' || *p == '+')
			p++;
		if (!all_digits(p, e, "0123456789"))
			return is_float(t, n) ? json_real(strtod(buf, NULL)) : NULL;
	}
	errno = 0;
	ll = strtoll(base == 10 ? buf : buf + 2, NULL, base);
	if (errno == ERANGE)
		return base == 10 ? json_real(strtod(buf, NULL)) : NULL;
	return json_integer((json_int_t)ll);
}

#define TAG_PREFIX "tag:yaml.org,2002:"

static json_t *
scalar_value(struct ystate *s, yaml_event_t *ev)
{
	const char *t = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	json_t *v = NULL;

	if (tag && strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) == 0) {
		const char *k = tag + strlen(TAG_PREFIX);

		if (strcmp(k, "str") != 0 && (v = resolve_plain(t, n)) != NULL &&
		    ((strcmp(k, "int") == 0 && !json_is_integer(v)) ||
		    (strcmp(k, "float") == 0 && !json_is_number(v)) ||
		    (strcmp(k, "bool") == 0 && !json_is_boolean(v)) ||
		    (strcmp(k, "null") == 0 && !json_is_null(v)))) {
			json_decref(v);
			fail_at(s, ev->start_mark, "scalar does not match its tag "
			    "'%s'", tag);
			return NULL;
		}
		if (v && strcmp(k, "float") == 0 && json_is_integer(v)) {
			json_t *r = json_real((double)json_integer_value(v));

			json_decref(v);
			v = r;
		}
	} else if (tag == NULL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		v = resolve_plain(t, n);
		if (v && json_is_number(v) && (s->flags & APIM_YML_NUMTEXT)) {
			json_decref(v);
			v = NULL;	/* the text as written, below */
		}
	}
	if (v == NULL && (v = json_stringn(t, n)) == NULL)
		fail_at(s, ev->start_mark, "scalar is not valid UTF-8");
	return v;
}

static int
push(struct ystate *s, json_t *node, const char *anchor, yaml_mark_t m)
{
	struct frame *f;

	if (count_nodes(s, 1, m) == -1) {
		json_decref(node);
		return -1;
	}
	if (s->n == YML_MAX_DEPTH) {	/* jansson frees and dumps recursively */
		json_decref(node);
		fail_at(s, m, "nested deeper than %d levels", YML_MAX_DEPTH);
		return -1;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->st = realloc(s->st, s->cap * sizeof *s->st);
		if (s->st == NULL)
			abort();
	}
	f = &s->st[s->n++];
	memset(f, 0, sizeof *f);
	f->node = node;
	f->anchor = anchor ? apim_strdup(anchor) : NULL;
	f->start = s->nodes - 1;
	return 0;
}

static int
pop(struct ystate *s, yaml_mark_t m)
{
	struct frame f = s->st[--s->n];

	if (f.merges) {
		apply_merges(&f);
		json_decref(f.merges);
	}
	free(f.key);
	if (f.anchor) {
		anchor_set(s, f.anchor, f.node, s->nodes - f.start);
		free(f.anchor);
	}
	return add_value(s, f.node, m);
}

/* A key or value in the current collection: scalars as keys stay text. */
static int
on_scalar(struct ystate *s, yaml_event_t *ev)
{
	struct frame *f = top(s);
	const char *anchor = (const char *)ev->data.scalar.anchor;
	json_t *v;

	if (count_nodes(s, 1, ev->start_mark) == -1)
		return -1;
	if (f && json_is_object(f->node) && f->key == NULL) {
		f->keylen = ev->data.scalar.length;
		f->keymark = ev->start_mark;
		f->key = apim_xmalloc(f->keylen + 1);
		memcpy(f->key, ev->data.scalar.value, f->keylen);
		f->key[f->keylen] = '\0';
		f->merge = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    ev->data.scalar.tag == NULL && strcmp(f->key, "<<") == 0;
		if (anchor) {
			json_t *k = json_stringn(f->key, f->keylen);

			anchor_set(s, anchor, k, 1);
			json_decref(k);
		}
		return 0;
	}
	if ((v = scalar_value(s, ev)) == NULL)
		return -1;
	if (anchor)
		anchor_set(s, anchor, v, 1);
	return add_value(s, v, ev->start_mark);
}

static int
on_alias(struct ystate *s, yaml_event_t *ev)
{
	struct frame *f = top(s);
	const char *name = (const char *)ev->data.alias.anchor;
	json_t *a = json_object_get(s->anchors, name), *v;

	if (a == NULL) {
		fail_at(s, ev->start_mark, "unknown anchor '%s'", name);
		return -1;
	}
	v = json_array_get(a, 0);
	if (count_nodes(s, (size_t)json_integer_value(json_array_get(a, 1)),
	    ev->start_mark) == -1)
		return -1;
	if (f && json_is_object(f->node) && f->key == NULL) {
		if (!json_is_string(v)) {
			fail_at(s, ev->start_mark, "alias '%s' used as a key is not "
			    "a string", name);
			return -1;
		}
		f->keylen = json_string_length(v);
		f->keymark = ev->start_mark;
		f->key = apim_xmalloc(f->keylen + 1);
		memcpy(f->key, json_string_value(v), f->keylen + 1);
		f->merge = 0;
		return 0;
	}
	return add_value(s, json_incref(v), ev->start_mark);
}

static int
on_start(struct ystate *s, yaml_event_t *ev, int mapping)
{
	struct frame *f = top(s);
	const char *anchor = (const char *)(mapping ?
	    ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);

	if (f && json_is_object(f->node) && f->key == NULL) {
		fail_at(s, ev->start_mark, "a mapping key must be a scalar");
		return -1;
	}
	return push(s, mapping ? json_object() : json_array(), anchor,
	    ev->start_mark);
}

/* Line and column of byte offset off, for reader errors. */
static void
offset_mark(const char *buf, size_t len, size_t off, yaml_mark_t *m)
{
	size_t i;

	m->line = m->column = 0;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			m->line++;
			m->column = 0;
		} else
			m->column++;
	}
}

static void
parser_fail(struct ystate *s, yaml_parser_t *p, const char *buf, size_t len)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem ? p->problem : "syntax error";

	if (p->error == YAML_READER_ERROR)
		offset_mark(buf, len, p->problem_offset, &m);
	if (p->context)
		apim_err_set(APIM_DATAERR, "'%s' line %zu column %zu: %s (%s at "
		    "line %zu column %zu)", s->name, m.line + 1, m.column + 1,
		    problem, p->context, p->context_mark.line + 1,
		    p->context_mark.column + 1);
	else
		apim_err_set(APIM_DATAERR, "'%s' line %zu column %zu: %s",
		    s->name, m.line + 1, m.column + 1, problem);
	s->failed = 1;
}

json_t *
apim_yml_parse(const char *buf, size_t len, const char *name, int flags)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ystate s;
	int done = 0, docs = 0, rc;

	memset(&s, 0, sizeof s);
	s.name = name;
	s.flags = flags;
	s.anchors = json_object();
	/* Honest documents hold fewer nodes than bytes; aliases may add as many
	 * again before we call it a bomb. */
	s.max_nodes = 100000 + 2 * len;
	if (!yaml_parser_initialize(&p)) {
		apim_err_set(APIM_SOFTWARE, "cannot initialize the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && !s.failed) {
		if (!yaml_parser_parse(&p, &ev)) {
			parser_fail(&s, &p, buf, len);
			break;
		}
		rc = 0;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				fail_at(&s, ev.start_mark, "more than one document");
				rc = -1;
			}
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&s, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&s, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&s, &ev, 0);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&s, &ev, 1);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = pop(&s, ev.start_mark);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc == -1)
			s.failed = 1;
	}
	yaml_parser_delete(&p);
	while (s.n > 0) {
		struct frame *f = &s.st[--s.n];

		json_decref(f->node);
		json_decref(f->merges);
		free(f->key);
		free(f->anchor);
	}
	free(s.st);
	json_decref(s.anchors);
	if (s.failed) {
		json_decref(s.root);
		return NULL;
	}
	if (docs == 0 || s.root == NULL) {
		apim_err_set(APIM_DATAERR, "'%s' line 1 column 1: empty document",
		    name);
		return NULL;
	}
	return s.root;
}

/* ---- emitter ---- */

struct obuf {
	char *p;
	size_t n, cap;
};

static int
obuf_write(void *data, unsigned char *b, size_t n)
{
	struct obuf *o = data;

	if (o->n + n + 1 > o->cap) {
		while (o->n + n + 1 > o->cap)
			o->cap = o->cap ? o->cap * 2 : 4096;
		if ((o->p = realloc(o->p, o->cap)) == NULL)
			abort();
	}
	memcpy(o->p + o->n, b, n);
	o->n += n;
	o->p[o->n] = '\0';
	return 1;
}

/* Would this string read back as something other than a string if plain
 * (or, as a key, as the merge key)? */
static int
needs_quotes(const char *t, size_t n)
{
	static const char *const special[] = { ".inf", "-.inf", "+.inf",
	    ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL };
	json_t *v;

	if (n == 2 && memcmp(t, "<<", 2) == 0)	/* plain, a key merges */
		return 1;
	v = resolve_plain(t, n);
	if (v == NULL)	/* other parsers read these as floats */
		return is_one_of(t, n, special);
	json_decref(v);
	return 1;
}

static int
emit_scalar(yaml_emitter_t *e, const char *t, size_t n, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)t, (int)n,
	    style == YAML_PLAIN_SCALAR_STYLE || style == YAML_ANY_SCALAR_STYLE,
	    1, style);
	return yaml_emitter_emit(e, &ev);
}

static int
emit_string(yaml_emitter_t *e, const char *t, size_t n)
{
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (needs_quotes(t, n))
		style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
	else if (memchr(t, '\n', n) != NULL)
		style = YAML_LITERAL_SCALAR_STYLE;
	return emit_scalar(e, t, n, style);
}

static int
emit_node(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;
	char buf[64];
	const char *k;
	size_t kl, i;
	json_t *x;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return 0;
		json_object_keylen_foreach((json_t *)v, k, kl, x)
			if (!emit_string(e, k, kl) || !emit_node(e, x))
				return 0;
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	case JSON_ARRAY:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(e, &ev))
			return 0;
		json_array_foreach(v, i, x)
			if (!emit_node(e, x))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(e, &ev);
	case JSON_STRING:
		return emit_string(e, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		apim_yml_fmt_real(json_real_value(v), buf);
		return emit_scalar(e, buf, strlen(buf), YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return emit_scalar(e, "true", 4, YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return emit_scalar(e, "false", 5, YAML_PLAIN_SCALAR_STYLE);
	default:
		return emit_scalar(e, "null", 4, YAML_PLAIN_SCALAR_STYLE);
	}
}

void
apim_yml_fmt_real(double d, char out[32])
{
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	if (strpbrk(out, ".eEn") == NULL)
		strcat(out, ".0");
}

/* Emit the stream of one document holding v through e. */
static int
emit_doc(yaml_emitter_t *e, const json_t *v)
{
	yaml_event_t ev;

	yaml_emitter_set_unicode(e, 1);
	yaml_emitter_set_width(e, 1 << 30);
	yaml_emitter_set_indent(e, 2);
	if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	    yaml_emitter_emit(e, &ev) &&
	    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	    yaml_emitter_emit(e, &ev) &&
	    emit_node(e, v) &&
	    yaml_document_end_event_initialize(&ev, 1) &&
	    yaml_emitter_emit(e, &ev) &&
	    yaml_stream_end_event_initialize(&ev) &&
	    yaml_emitter_emit(e, &ev) &&
	    yaml_emitter_flush(e))
		return 0;
	if (e->error == YAML_WRITER_ERROR)
		apim_err_set(APIM_IOERR, "cannot write YAML: %s",
		    e->problem ? e->problem : "write error");
	else
		apim_err_set(APIM_SOFTWARE, "cannot emit YAML: %s",
		    e->problem ? e->problem : "emitter error");
	return -1;
}

char *
apim_yml_emit(const json_t *v)
{
	yaml_emitter_t e;
	struct obuf o = { NULL, 0, 0 };

	if (!yaml_emitter_initialize(&e)) {
		apim_err_set(APIM_SOFTWARE, "cannot initialize the YAML emitter");
		return NULL;
	}
	yaml_emitter_set_output(&e, obuf_write, &o);
	if (emit_doc(&e, v) == -1) {
		free(o.p);
		o.p = NULL;
	}
	yaml_emitter_delete(&e);
	return o.p;
}

int
apim_yml_emit_file(FILE *f, const json_t *v)
{
	yaml_emitter_t e;
	int rc;

	if (!yaml_emitter_initialize(&e)) {
		apim_err_set(APIM_SOFTWARE, "cannot initialize the YAML emitter");
		return -1;
	}
	yaml_emitter_set_output_file(&e, f);
	rc = emit_doc(&e, v);
	yaml_emitter_delete(&e);
	return rc;
}
