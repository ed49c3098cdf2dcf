/* statscli: the commands of apim-stats(1): report (with --follow), ingest
 * and alert.  They parse flags, read events, call lib/stats and print. */
#ifndef APIM_STATSCLI_H
#define APIM_STATSCLI_H

#include "cli.h"

int apim_statscli_report(struct apim_ctx *ctx, struct apim_args *a);
int apim_statscli_ingest(struct apim_ctx *ctx, struct apim_args *a);
int apim_statscli_alert(struct apim_ctx *ctx, struct apim_args *a);

#endif
