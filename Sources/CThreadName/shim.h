/* Names the calling thread (Shared/Core/OSThread.swift). prctl is variadic and
 * pthread_setname_np needs _GNU_SOURCE: neither is callable from Swift as is. */
#include <sys/prctl.h>

static inline int kafkatrace_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, name, 0, 0, 0);
}
