/*
 * bcryptprimitives.dll for testing under Wine older than 8.13 only; never shipped.
 *
 * Rust's standard library (1.78 and later) draws its random numbers from ProcessPrng in
 * bcryptprimitives.dll, which Windows 10 and 11 have but Wine gained only in 8.13
 * (rust-lang/rust#121337). Debian 12 ships Wine 8.0, so without this file every Rust .exe
 * fails to start there. This stand-in exports ProcessPrng over RtlGenRandom
 * (advapi32!SystemFunction036), which Wine implements from the host's random source.
 * scripts/windows builds it into a test-only folder beside the .exe; the installer leaves it out.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a 32-bit length, so a larger request is filled in pieces. */
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
