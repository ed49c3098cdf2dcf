/* gw_events: where apim-proxy appends its events (apim-events(5)): a file
 * opened O_APPEND (reopened on SIGHUP, or when the path names another file
 * than the one open), or stdout.  One per process. */
#ifndef APIM_GW_EVENTS_H
#define APIM_GW_EVENTS_H

#include "event.h"

/* Open path ("-": stdout; NULL: no events).  0, or -1 with the error set
 * (APIM_CANTCREAT). */
int gw_events_open(const char *path);
/* Install the SIGHUP handler that asks for a reopen before the next write. */
void gw_events_on_hup(void);
/* Reopen if SIGHUP came or the path now names another file (rotated away). */
void gw_events_check(void);
/* Append ev as one line with one write(2); failures are counted, not fatal. */
void gw_events_write(const struct apim_event *ev);
/* Writes that failed so far. */
long gw_events_failed(void);

#endif
