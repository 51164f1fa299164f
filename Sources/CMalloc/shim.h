/* glibc malloc tuning: mallopt(M_ARENA_MAX, M_MMAP_THRESHOLD), malloc_trim (Shared/Core/MallocTuning.swift). */
#include <malloc.h>
