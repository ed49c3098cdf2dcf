build-asan/lib/util.o: lib/util.c lib/err.h lib/util.h
lib/err.h:
lib/util.h:
