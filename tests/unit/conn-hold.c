/* conn-hold: open N keep-alive connections to 127.0.0.1:PORT, make one
 * request on each, print "ready N" and hold them until stdin closes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sockaddr_in sa;
	struct rlimit rl;
	int n, i, *fds, ok = 0;
	char buf[4096], c;

	if (argc != 3) {
		fprintf(stderr, "usage: conn-hold PORT N\n");
		return 64;
	}
	n = atoi(argv[2]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ? rl.rlim_max : (rlim_t)n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = calloc((size_t)n, sizeof(int));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("conn-hold");
			return 69;
		}
		if (write(fds[i], req, sizeof(req) - 1) != sizeof(req) - 1)
			return 74;
	}
	for (i = 0; i < n; i++)	/* each answer is small: one read */
		if (read(fds[i], buf, sizeof(buf)) > 12 &&
		    memcmp(buf, "HTTP/1.1 200", 12) == 0)
			ok++;
	printf("ready %d\n", ok);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return ok == n ? 0 : 1;
}
