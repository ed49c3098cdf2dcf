/* event_time: RFC 3339 timestamps of apim-events(5): the strict-enough
 * parser every reader uses; formatting is apim_time_iso's (lib/util.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "util.h"

/* Days since 1970-01-01 of a civil date (proleptic Gregorian, UTC). */

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}


int
apim_event_time_format(int64_t ms, char *out)
{
	char tmp[32];

	apim_time_iso(ms, tmp);
	memcpy(out, tmp, 25);
	return 24;
}

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int64_t
apim_event_time_parse(const char *s)
{
	int y, mo, d, h, mi, sec, frac = 0, n = 0, oh, om, sign;
	int64_t t;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60 || y < 1970)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9'; s++, n++)
			if (n < 3)
				frac = frac * 10 + (*s - '0');
		for (; n < 3; n++)
			frac *= 10;
	}
	if (sec == 60)		/* a leap second counts as the next one's start */
		sec = 59, frac = 999;
	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		return t * 1000 + frac;
	if ((*s == '+' || *s == '-') && strlen(s) == 6 && !digits(s + 1, 2, &oh) &&
	    s[3] == ':' && !digits(s + 4, 2, &om) && oh < 24 && om < 60) {
		sign = *s == '+' ? 1 : -1;
		t -= sign * (oh * 3600 + om * 60);
		return t < 0 ? -1 : t * 1000 + frac;
	}
	return -1;
}
