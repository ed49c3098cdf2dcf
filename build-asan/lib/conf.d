build-asan/lib/conf.o: lib/conf.c lib/conf.h lib/err.h lib/util.h
lib/conf.h:
lib/err.h:
lib/util.h:
