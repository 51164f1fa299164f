// ThreadSanitizer support for the Swift toolchain's `Synchronization.Mutex` on Linux, loaded with
// LD_PRELOAD by `scripts/sanitize thread` only.
//
// `Mutex.withLock` inlines its fast paths (an acquiring / releasing compare-exchange on the
// handle's `Atomic<UInt32>`), which TSan instruments in our code. When the lock is contended,
// though, `_MutexHandle._lockSlow`, `_tryLockSlow` and `_unlockSlow` run inside the prebuilt,
// uninstrumented libswiftSynchronization.so and hand the lock over through the kernel
// (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI), so TSan never sees that hand-over and reports every
// contended critical section as a "Swift access race" (reproduced with 4 threads and one Mutex).
// These wrappers tell TSan what the slow paths did: a release on the handle's address before
// the real unlock, an acquire after the real lock, exactly what the fast paths' atomics say.
// Races outside the lock are still reported.
//
// The ABI (checked against the Swift 6.3.1 library's disassembly): Swift calling convention,
// `self` (the address of the handle's atomic word) in the swiftself register (r13), which
// clang's swift_context parameter attribute selects; `_lockSlow` also takes the caller's tid.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SELF void *__attribute__((swift_context)) self
#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

// Weak: other processes started with this LD_PRELOAD (swift-build, PostgreSQL) have no TSan
// runtime; there the wrappers only forward.
extern void __tsan_acquire(void *addr) __attribute__((weak));
extern void __tsan_release(void *addr) __attribute__((weak));

typedef __attribute__((swiftcall)) void (*lock_slow_fn)(uint32_t, SELF);
typedef __attribute__((swiftcall)) bool (*try_lock_slow_fn)(SELF);
typedef __attribute__((swiftcall)) void (*unlock_slow_fn)(SELF);

static lock_slow_fn real_lock_slow;
static try_lock_slow_fn real_try_lock_slow;
static unlock_slow_fn real_unlock_slow;

// Resolved once at load; absent in processes that do not link libswiftSynchronization, where
// the wrappers are never called.
__attribute__((constructor)) static void resolve(void) {
    real_lock_slow = (lock_slow_fn)dlsym(RTLD_NEXT, LOCK_SLOW);
    real_try_lock_slow = (try_lock_slow_fn)dlsym(RTLD_NEXT, TRY_LOCK_SLOW);
    real_unlock_slow = (unlock_slow_fn)dlsym(RTLD_NEXT, UNLOCK_SLOW);
}

static void missing(const char *name) {
    fprintf(stderr, "tsan-mutex-shim: %s not found after libswiftSynchronization was loaded\n", name);
    abort();
}

__attribute__((swiftcall)) void lock_slow(uint32_t tid, SELF) __asm__(LOCK_SLOW);
__attribute__((swiftcall)) void lock_slow(uint32_t tid, SELF) {
    if (!real_lock_slow) missing(LOCK_SLOW);
    real_lock_slow(tid, self);
    if (__tsan_acquire) __tsan_acquire(self);
}

__attribute__((swiftcall)) bool try_lock_slow(SELF) __asm__(TRY_LOCK_SLOW);
__attribute__((swiftcall)) bool try_lock_slow(SELF) {
    if (!real_try_lock_slow) missing(TRY_LOCK_SLOW);
    bool locked = real_try_lock_slow(self);
    if (locked && __tsan_acquire) __tsan_acquire(self);
    return locked;
}

__attribute__((swiftcall)) void unlock_slow(SELF) __asm__(UNLOCK_SLOW);
__attribute__((swiftcall)) void unlock_slow(SELF) {
    if (!real_unlock_slow) missing(UNLOCK_SLOW);
    if (__tsan_release) __tsan_release(self);
    real_unlock_slow(self);
}
