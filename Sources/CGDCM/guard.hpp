// Debian's GDCM is built with assertions on: some malformed files (a header cut short)
// make it call abort() instead of throwing. A shim call runs under `guarded`, which turns
// SIGABRT/SIGSEGV/SIGBUS/SIGFPE raised on the calling thread during that call into an
// error return (siglongjmp back to the call; objects of the aborted call leak, which is
// the price of not crashing the whole bulk job). Signals outside a guarded call go to the
// handler that was installed before.
#pragma once
#include <csetjmp>
#include <cstddef>
#include <string>

namespace cgdcm {

struct GuardFrame {
    sigjmp_buf jump;
};

extern thread_local GuardFrame *activeGuard;
extern thread_local int guardSignal;
void installGuardHandlers();
void guardFailure(char *error, size_t errorLength, int signal);

// Runs `body()` (returning int); returns 0 with an error message if GDCM aborted.
template <typename Body>
int guarded(char *error, size_t errorLength, Body &&body) {
    installGuardHandlers();
    GuardFrame frame;
    GuardFrame *const outer = activeGuard;
    if (sigsetjmp(frame.jump, 1) != 0) {
        activeGuard = outer;
        guardFailure(error, errorLength, guardSignal);
        return 0;
    }
    activeGuard = &frame;
    const int result = body();
    activeGuard = outer;
    return result;
}

}  // namespace cgdcm
