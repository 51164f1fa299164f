/* glibc malloc tuning: mallopt(M_ARENA_MAX), malloc_trim (Shared/Core/MallocTuning.swift). */
#include <malloc.h>
