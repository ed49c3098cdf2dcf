build-asan/lib/out.o: lib/out.c lib/out.h lib/util.h
lib/out.h:
lib/util.h:
