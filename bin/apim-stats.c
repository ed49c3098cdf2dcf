/* apim-stats: analytics from the event stream: reports in several formats,
 * rollups into a stats database, alerts.  The commands live in lib/statscli.c. */
#include <stddef.h>
#include <string.h>

#include "cli.h"
#include "statscli.h"

#define COMMON "since=,until=,where=,strict,stats-db="

static const struct apim_cmd cmds[] = {
	{ "report", apim_statscli_report,
	  COMMON ",by=,every=,top=,table,csv,prom,html,output=,follow=,interval=,"
	  "for=,from-db",
	  "report [FILE...] [--by FIELD[,FIELD...]] [--every 1m|1h|1d] "
	  "[--since TIME] [--until TIME] [--top N] [--where EXPR] "
	  "[--table|--json|--csv|--prom|--html] [-o FILE] [--strict] "
	  "[--follow FILE [--interval DURATION] [--for DURATION]] "
	  "[--from-db] [--stats-db PATH]" },
	{ "ingest", apim_statscli_ingest, COMMON,
	  "ingest [FILE...] [--since TIME] [--until TIME] [--where EXPR] "
	  "[--strict] [--stats-db PATH]" },
	{ "alert", apim_statscli_alert,
	  COMMON ",percentile=,response-ms=,backend-ms=,baseline-factor=,app-rpm=,"
	  "throttled-per-hour=,error-rate=,min-requests=,no-success=,unseen-ip=",
	  "alert [FILE...] [--percentile P] [--response-ms MS] [--backend-ms MS] "
	  "[--baseline-factor N] [--app-rpm N] [--throttled-per-hour N] "
	  "[--error-rate R] [--min-requests N] [--no-success DURATION] "
	  "[--unseen-ip 0|1] [--since TIME] [--until TIME] [--where EXPR] "
	  "[--strict] [--stats-db PATH]" },
	{ NULL, NULL, NULL, NULL },
};

/* report is the default command: "apim-stats [OPTIONS] [FILE...]".  And
 * "-o FILE" is "--output FILE". */
int
main(int argc, char **argv)
{
	static char report[] = "report", output[] = "--output";
	char *av[256];
	const struct apim_cmd *c;
	int i, ac = 0, named = 0;

	if (argc > 250)
		return apim_cli_main("apim-stats", NULL, cmds, argc, argv);
	av[ac++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--version") == 0)
			named = 1;
		else if (strcmp(argv[i], "--json") == 0)
			continue;
		else if ((strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--as") == 0)) {
			i++;
			continue;
		} else if (strncmp(argv[i], "--db=", 5) == 0 || strncmp(argv[i], "--as=", 5) == 0)
			continue;
		for (c = cmds; c->name && !named; c++)
			if (strcmp(argv[i], c->name) == 0)
				named = 1;
		break;
	}
	if (!named)
		av[ac++] = report;
	for (i = 1; i < argc; i++)
		av[ac++] = strcmp(argv[i], "-o") == 0 ? output : argv[i];
	av[ac] = NULL;
	return apim_cli_main("apim-stats",
	    "analytics from the event stream: reports, rollups and alerts",
	    cmds, ac, av);
}
