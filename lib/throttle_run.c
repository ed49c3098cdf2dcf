/* throttle_run: apim-throttle's rules engine (run) and live state (status,
 * decisions, unblock). */
#include <stdio.h>

#include "err.h"
#include "throttle_cmd.h"

int
apim_throttle_run(struct apim_ctx *ctx, struct apim_args *a)
{
	(void)ctx; (void)a;
	apim_err_set(APIM_SOFTWARE, "not yet");
	return -1;
}

int
apim_throttle_status(struct apim_ctx *ctx, struct apim_args *a)
{
	(void)ctx; (void)a;
	apim_err_set(APIM_SOFTWARE, "not yet");
	return -1;
}

int
apim_throttle_decisions(struct apim_ctx *ctx, struct apim_args *a)
{
	(void)ctx; (void)a;
	apim_err_set(APIM_SOFTWARE, "not yet");
	return -1;
}

int
apim_throttle_unblock(struct apim_ctx *ctx, struct apim_args *a)
{
	(void)ctx; (void)a;
	apim_err_set(APIM_SOFTWARE, "not yet");
	return -1;
}
