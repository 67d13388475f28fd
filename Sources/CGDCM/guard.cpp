#include "guard.hpp"

#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace cgdcm {

thread_local GuardFrame *activeGuard = nullptr;
thread_local int guardSignal = 0;

namespace {
const int guardedSignals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE};
struct sigaction previous[4];

void handler(int signal, siginfo_t *info, void *context) {
    if (activeGuard != nullptr) {
        guardSignal = signal;
        siglongjmp(activeGuard->jump, 1);
    }
    // Not ours: hand the signal to whoever handled it before.
    for (int i = 0; i < 4; ++i) {
        if (guardedSignals[i] != signal) continue;
        const struct sigaction &old = previous[i];
        if (old.sa_flags & SA_SIGINFO) {
            if (old.sa_sigaction != nullptr) { old.sa_sigaction(signal, info, context); return; }
        } else if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN && old.sa_handler != nullptr) {
            old.sa_handler(signal);
            return;
        }
        std::signal(signal, SIG_DFL);
        std::raise(signal);
    }
}
}  // namespace

void installGuardHandlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        for (int i = 0; i < 4; ++i) {
            struct sigaction action;
            std::memset(&action, 0, sizeof(action));
            action.sa_sigaction = handler;
            action.sa_flags = SA_SIGINFO | SA_NODEFER;
            sigemptyset(&action.sa_mask);
            sigaction(guardedSignals[i], &action, &previous[i]);
        }
    });
}

void guardFailure(char *error, size_t errorLength, int signal) {
    if (error == nullptr || errorLength == 0) return;
    std::snprintf(error, errorLength, "GDCM failed on malformed data (signal %d: %s)", signal, strsignal(signal));
}

}  // namespace cgdcm
