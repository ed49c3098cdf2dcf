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
/* Batch the lines on loop l: they are written just before it waits (one
 * write(2) per turn, of whole lines: at most 64 KiB to a file, PIPE_BUF to
 * a pipe), and when it is freed.  Without: one write(2) per line.  0, or -1
 * with the error set. */
struct apim_loop;
int gw_events_attach(struct apim_loop *l);
/* Append ev as one line (failures are counted, not fatal). */
void gw_events_write(const struct apim_event *ev);
/* Write the lines that wait now (before an exit that skips the loop's end). */
void gw_events_flush(void);
/* Writes that failed so far. */
long gw_events_failed(void);

#endif
