/* util: ids, time, encodings, files and string lists shared by every program.
 * Strings returned are malloc'd and owned by the caller. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "buf.h"
#include "err.h"
#include "sha256.h"
#include "util.h"

void *
apim_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL) {
		fprintf(stderr, "%s: out of memory\n", apim_prog());
		abort();
	}
	return p;
}

char *
apim_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = apim_xmalloc(n);

	memcpy(p, s, n);
	return p;
}

int
apim_uuid_new(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof b) != 1) {
		apim_err_set(APIM_SOFTWARE, "no random bytes from OpenSSL");
		return -1;
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
	    b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

int
apim_uuid_valid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

char *
apim_random_hex(size_t nbytes)
{
	unsigned char b[256];
	char *out;
	size_t i;

	if (nbytes > sizeof b || RAND_bytes(b, (int)nbytes) != 1) {
		apim_err_set(APIM_SOFTWARE, "no random bytes from OpenSSL");
		return NULL;
	}
	out = apim_xmalloc(nbytes * 2 + 1);
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	OPENSSL_cleanse(b, sizeof b);
	return out;
}

char *
apim_random_b64url(size_t nbytes)
{
	unsigned char b[256];
	char *out;

	if (nbytes > sizeof b || RAND_bytes(b, (int)nbytes) != 1) {
		apim_err_set(APIM_SOFTWARE, "no random bytes from OpenSSL");
		return NULL;
	}
	out = apim_xmalloc(4 * ((nbytes + 2) / 3) + 1);
	apim_b64url_encode(b, nbytes, out);
	OPENSSL_cleanse(b, sizeof b);
	return out;
}

static const char b64u[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
apim_b64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		out[o++] = b64u[v >> 18 & 63];
		out[o++] = b64u[v >> 12 & 63];
		out[o++] = b64u[v >> 6 & 63];
		out[o++] = b64u[v & 63];
	}
	if (n - i == 1) {
		v = in[i] << 16;
		out[o++] = b64u[v >> 18 & 63];
		out[o++] = b64u[v >> 12 & 63];
	} else if (n - i == 2) {
		v = in[i] << 16 | in[i + 1] << 8;
		out[o++] = b64u[v >> 18 & 63];
		out[o++] = b64u[v >> 12 & 63];
		out[o++] = b64u[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

static int
b64u_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

long
apim_b64url_decode(const char *in, size_t n, unsigned char *out)
{
	unsigned v = 0;
	size_t i, bits = 0, o = 0;
	int d;

	while (n > 0 && in[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if ((d = b64u_val((unsigned char)in[i])) < 0)
			return -1;
		v = v << 6 | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	if (bits >= 6)
		return -1;
	return (long)o;
}

int
apim_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
apim_uuid_text(const unsigned char b[16], char out[37])
{
	int i, p = 0;

	for (i = 0; i < 16; i++) {	/* not snprintf: it is per request */
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[p++] = '-';
		out[p++] = "0123456789abcdef"[b[i] >> 4];
		out[p++] = "0123456789abcdef"[b[i] & 15];
	}
	out[36] = '\0';
}

void
apim_sha256_hex(const void *s, size_t n, char out[65])
{
	unsigned char md[32];
	int i;

	apim_sha256(s, n, md);
	for (i = 0; i < 32; i++) {	/* not snprintf: it is per request */
		out[2 * i] = "0123456789abcdef"[md[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	out[64] = '\0';
}

int
apim_ct_equal(const void *a, size_t an, const void *b, size_t bn)
{
	/* every byte read whatever the others: the time depends on the
	 * lengths only (not CRYPTO_memcmp: the gateway's token path calls
	 * no OpenSSL function, see apim-proxy(8)) */
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	if (an != bn)
		return 0;
	for (i = 0; i < an; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

int64_t
apim_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Howard Hinnant's days-to-civil arithmetic, which floors for negative days. */
void
apim_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

size_t
apim_fmt_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* The one RFC 3339 formatter.  Times before the epoch are real instants
 * (floored: -1 ms is 1969-12-31T23:59:59.999Z); RFC 3339 has four-digit
 * years, so ms is clamped to 0000-01-01T00:00:00.000Z ..
 * 9999-12-31T23:59:59.999Z. */
#define ISO_MIN (-62167219200000LL)	/* 0000-01-01T00:00:00.000Z */
#define ISO_MAX (253402300799999LL)	/* 9999-12-31T23:59:59.999Z */
void
apim_time_iso(int64_t ms, char out[32])
{
	int64_t days, rem, secs;
	int y, mo, d, msec;

	if (ms < ISO_MIN)
		ms = ISO_MIN;
	if (ms > ISO_MAX)
		ms = ISO_MAX;
	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	secs = rem / 1000;
	msec = (int)(rem % 1000);
	apim_civil_from_days(days, &y, &mo, &d);
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, mo);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, (int)(secs / 3600));
	out[13] = ':';
	put2(out + 14, (int)(secs / 60 % 60));
	out[16] = ':';
	put2(out + 17, (int)(secs % 60));
	out[19] = '.';
	out[20] = (char)('0' + msec / 100);
	put2(out + 21, msec % 100);
	out[23] = 'Z';
	out[24] = '\0';
}

char *
apim_file_read_max(const char *path, size_t max, size_t *lenp)
{
	struct apim_buf b = APIM_BUF_INIT;
	FILE *f;
	size_t r, want;
	int err;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		apim_err_set(APIM_NOINPUT, "cannot open '%s': %s", path,
		    strerror(errno));
		return NULL;
	}
	/* read at most max + 1 bytes: one more than allowed proves "too big"
	 * without reading the rest (of /dev/zero, say) */
	for (;;) {
		apim_buf_reserve(&b, 65536);
		want = b.cap - b.len - 1;
		if (want > max + 1 - b.len)
			want = max + 1 - b.len;
		r = fread(b.data + b.len, 1, want, f);
		b.len += r;
		if (b.len > max) {
			apim_err_set(APIM_DATAERR, "'%s' is larger than %zu bytes",
			    path, max);
			goto fail;
		}
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		err = errno;
		apim_err_set(APIM_IOERR, "cannot read '%s': %s", path,
		    strerror(err));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	return apim_buf_detach(&b, lenp);
fail:
	apim_buf_free(&b);
	if (f != stdin)
		fclose(f);
	return NULL;
}

char *
apim_file_read(const char *path, size_t *lenp)
{
	return apim_file_read_max(path, APIM_FILE_MAX, lenp);
}

int
apim_file_write_atomic(const char *path, const void *data, size_t n, int mode)
{
	return apim_file_create(path, mode, (off_t)n, data, n, 1);
}

int
apim_file_create(const char *path, int mode, off_t size, const void *head,
    size_t hlen, int replace)
{
	char tmp[PATH_MAX];
	size_t off;
	ssize_t w;
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp) {
		apim_err_set(APIM_CANTCREAT, "path too long: '%s'", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		apim_err_set(APIM_CANTCREAT, "cannot create '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) == -1 || ftruncate(fd, size) == -1)
		goto fail;
	for (off = 0; off < hlen; off += (size_t)w)
		if ((w = pwrite(fd, (const char *)head + off, hlen - off,
		    (off_t)off)) <= 0) {
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == 0)
				errno = EIO;
			goto fail;
		}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (replace ? rename(tmp, path) == -1 :
	    link(tmp, path) == -1 && errno != EEXIST) {
		apim_err_set(APIM_CANTCREAT, "cannot create '%s': %s", path,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (!replace)
		unlink(tmp);
	return 0;
fail:
	apim_err_set(APIM_IOERR, "cannot write '%s': %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

const char *
apim_actor(const char *as)
{
	const char *u;
	struct passwd *pw;

	if (as && *as)
		return as;
	if ((u = getenv("USER")) && *u)
		return u;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return "unknown";
}

char **
apim_split_csv(const char *s)
{
	char **v;
	size_t n = 1, k = 0;
	const char *p, *e;

	for (p = s; *p; p++)
		if (*p == ',')
			n++;
	v = apim_xmalloc((n + 1) * sizeof *v);
	for (p = s;; p = e + 1) {
		const char *a, *b;

		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		a = p;
		b = e;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			v[k] = apim_xmalloc((size_t)(b - a) + 1);
			memcpy(v[k], a, (size_t)(b - a));
			v[k++][b - a] = '\0';
		}
		if (*e == '\0')
			break;
	}
	v[k] = NULL;
	return v;
}

void
apim_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

size_t
apim_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char *
apim_strv_join(char *const *v, const char *sep)
{
	size_t i, n = 1;
	char *s;

	for (i = 0; v && v[i]; i++)
		n += strlen(v[i]) + strlen(sep);
	s = apim_xmalloc(n);
	*s = '\0';
	for (i = 0; v && v[i]; i++) {
		if (i)
			strcat(s, sep);
		strcat(s, v[i]);
	}
	return s;
}
