// libFuzzer target for the CGDCM shim's read entry points (built and run by Scripts/fuzz-dicom,
// not by SwiftPM: this folder is no target). Each input is written to a file (the shim reads
// paths) and goes the way `ctscreen` takes a slice: CGDCM_readHeader, the checks of
// DICOMFile.checkDecodable (one grey plane, one frame), then CGDCM_readHounsfield.
//
// Debian's GDCM is not instrumented: coverage guides the mutations through the shim only, and
// AddressSanitizer sees GDCM's heap misuse only where it reaches malloc/free. What it does
// catch reliably is GDCM aborting (assertions are on) or faulting: the crashes that
// Volumes/DICOMDecoder.swift confines to a child process.
#include "CGDCM.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

// A length field can make GDCM allocate and zero-fill gigabytes per input (seen: 2.2 GB
// resident), which slows fuzzing to a few inputs a second. Under an address-space limit
// those allocations throw bad_alloc, which the shim turns into an error return.
extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    struct rlimit limit = {size_t(1) << 30, size_t(1) << 30};
    setrlimit(RLIMIT_AS, &limit);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const std::string path = "/dev/shm/cgdcm-fuzz-" + std::to_string(getpid()) + ".dcm";
    std::FILE *file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return 0;
    if (size > 0) std::fwrite(data, 1, size, file);
    std::fclose(file);

    CGDCM_Header header;
    char error[512];
    if (!CGDCM_readHeader(path.c_str(), &header, error, sizeof error)) return 0;
    if (header.rows <= 0 || header.columns <= 0 || header.samplesPerPixel != 1 || header.numberOfFrames > 1) return 0;
    const size_t count = size_t(header.rows) * size_t(header.columns);
    if (count > size_t(4096) * 4096) return 0;  // larger than any CT slice: not worth the memory
    std::vector<int16_t> hu(count);
    size_t clamped = 0;
    CGDCM_readHounsfield(path.c_str(), hu.data(), count, header.rescaleSlope, header.rescaleIntercept, &clamped,
                         error, sizeof error);
    return 0;
}
