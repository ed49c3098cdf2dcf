build-asan/lib/cli.o: lib/cli.c lib/cli.h lib/conf.h lib/err.h \
 lib/store.h lib/util.h
lib/cli.h:
lib/conf.h:
lib/err.h:
lib/store.h:
lib/util.h:
