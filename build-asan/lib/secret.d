build-asan/lib/secret.o: lib/secret.c lib/err.h lib/secret.h lib/util.h
lib/err.h:
lib/secret.h:
lib/util.h:
