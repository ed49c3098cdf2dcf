/* socket-activate: bind ADDR:PORT (port 0 picks one), print "listening on
 * ADDR:PORT", then exec a program with the socket as fd 3, as systemd does. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char *colon, pid[32];
	int fd, one = 1;

	if (argc < 3 || (colon = strrchr(argv[1], ':')) == NULL) {
		fprintf(stderr, "usage: socket-activate ADDR:PORT PROG [ARG...]\n");
		return 64;
	}
	*colon = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "socket-activate: bad address '%s'\n", argv[1]);
		return 64;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("socket-activate");
		return 69;
	}
	if (fd != 3) {
		if (dup2(fd, 3) < 0) {
			perror("socket-activate: dup2");
			return 70;
		}
		close(fd);
	}
	printf("listening on %s:%d\n", argv[1], ntohs(sa.sin_port));
	fflush(stdout);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_PID", pid, 1);	/* exec keeps our pid */
	setenv("LISTEN_FDS", "1", 1);
	execvp(argv[2], argv + 2);
	perror("socket-activate: exec");
	return 70;
}
