// Plain C API over GDCM (see include/CGDCM.h). Every entry point catches every C++
// exception: GDCM throws on some malformed input, and an exception must never reach Swift.
//
// Signals are not caught. Debian's GDCM is built with assertions on, and some malformed
// files make it abort() or fault; recovering from that with siglongjmp (as an earlier
// guard did) continues on a heap GDCM may have left corrupt. Instead `ctscreen` runs
// GDCM in a child process (Volumes/DICOMDecoder.swift): a crash kills the child and fails
// one study. In-process callers (tests of this shim, libraries) get the plain crash.
#include "CGDCM.h"

#include <gdcmAttribute.h>
#include <gdcmDataElement.h>
#include <gdcmImageReader.h>
#include <gdcmReader.h>
#include <gdcmTrace.h>
#include <gdcmUIDGenerator.h>
#include <gdcmVersion.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

void setError(char *error, size_t length, const std::string &message) {
    if (error == nullptr || length == 0) return;
    std::snprintf(error, length, "%s", message.c_str());
}

// GDCM prints warnings and errors to stderr by default; the callers report errors themselves.
void silenceGDCM() {
    static bool done = false;
    if (!done) {
        gdcm::Trace::SetError(false);
        gdcm::Trace::SetWarning(false);
        gdcm::Trace::SetDebug(false);
        done = true;
    }
}

std::string trimmed(const std::string &s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\0')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\0')) --e;
    return s.substr(b, e - b);
}

std::string stringValue(const gdcm::DataSet &ds, uint16_t group, uint16_t element) {
    const gdcm::Tag tag(group, element);
    if (!ds.FindDataElement(tag)) return "";
    const gdcm::ByteValue *bv = ds.GetDataElement(tag).GetByteValue();
    if (bv == nullptr || bv->GetLength() == 0) return "";
    return trimmed(std::string(bv->GetPointer(), bv->GetLength()));
}

void copyString(char *out, size_t length, const std::string &value) {
    std::snprintf(out, length, "%s", value.c_str());
}

// Decimal-string values separated by backslashes; true only when exactly `n` parse.
bool decimals(const gdcm::DataSet &ds, uint16_t group, uint16_t element, double *out, int n) {
    const std::string s = stringValue(ds, group, element);
    if (s.empty()) return false;
    int count = 0;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find('\\', start);
        if (end == std::string::npos) end = s.size();
        const std::string part = trimmed(s.substr(start, end - start));
        if (count >= n || part.empty()) return false;
        char *stop = nullptr;
        const double v = std::strtod(part.c_str(), &stop);
        if (stop == part.c_str() || !std::isfinite(v)) return false;
        out[count++] = v;
        start = end + 1;
    }
    return count == n;
}

// Binary US value; GDCM keeps binary values little endian in memory whatever the syntax.
int unsignedShort(const gdcm::DataSet &ds, uint16_t group, uint16_t element, int fallback) {
    const gdcm::Tag tag(group, element);
    if (!ds.FindDataElement(tag)) return fallback;
    const gdcm::ByteValue *bv = ds.GetDataElement(tag).GetByteValue();
    if (bv == nullptr || bv->GetLength() < 2) return fallback;
    const unsigned char *p = reinterpret_cast<const unsigned char *>(bv->GetPointer());
    return int(p[0]) | (int(p[1]) << 8);
}

int integerString(const gdcm::DataSet &ds, uint16_t group, uint16_t element, int fallback) {
    const std::string s = stringValue(ds, group, element);
    if (s.empty()) return fallback;
    char *stop = nullptr;
    const long v = std::strtol(s.c_str(), &stop, 10);
    return stop == s.c_str() ? fallback : int(v);
}

// Decodes one single-frame grey image into stored values and hands each to `sink(i, v)`.
// Compressed (encapsulated) pixel data ends with a Sequence Delimitation Item (FFFE,E0DD),
// normally the last 8 bytes of the file. A file cut short loses it, and the JPEG decoders
// fill the missing part silently, so look for it in the file's last 4 KiB (room for a
// trailing padding element).
bool encapsulatedPixelDataComplete(const char *path, char *error, size_t errorLength) {
    static const unsigned char delimiter[8] = {0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0};
    std::FILE *file = std::fopen(path, "rb");
    if (file == nullptr) return true;
    std::fseek(file, 0, SEEK_END);
    const long size = std::ftell(file);
    const long tail = size < 4096 ? size : 4096;
    std::vector<unsigned char> bytes(size_t(tail > 0 ? tail : 0));
    std::fseek(file, size - tail, SEEK_SET);
    const size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
    for (size_t i = got >= 8 ? got - 8 + 1 : 0; i-- > 0;) {
        if (std::memcmp(bytes.data() + i, delimiter, 8) == 0) return true;
    }
    setError(error, errorLength, "truncated file: compressed pixel data has no sequence delimiter at its end");
    return false;
}

// GDCM reads a native (uncompressed) pixel element cut short by the end of the file with
// only a warning. Reading the header again with the pixel value skipped leaves the stream
// at the start of that value; start + declared length past the end of the file means the
// file is truncated.
bool nativePixelDataComplete(const char *path, const gdcm::File &decoded, char *error, size_t errorLength) {
    if (decoded.GetHeader().GetDataSetTransferSyntax().IsEncapsulated()) {
        return encapsulatedPixelDataComplete(path, error, errorLength);
    }
    const gdcm::Tag pixelTag(0x7fe0, 0x0010);
    if (!decoded.GetDataSet().FindDataElement(pixelTag)) return true;
    const gdcm::VL declared = decoded.GetDataSet().GetDataElement(pixelTag).GetVL();
    if (declared.IsUndefined()) return true;
    gdcm::Reader reader;
    reader.SetFileName(path);
    std::set<gdcm::Tag> skip;
    skip.insert(pixelTag);
    if (!reader.ReadUpToTag(pixelTag, skip)) return true;
    const size_t start = reader.GetStreamCurrentPosition();
    std::FILE *file = std::fopen(path, "rb");
    if (file == nullptr) return true;
    std::fseek(file, 0, SEEK_END);
    const long size = std::ftell(file);
    std::fclose(file);
    const size_t end = start + size_t(uint32_t(declared));
    if (size >= 0 && start != size_t(-1) && end > size_t(size)) {
        setError(error, errorLength, "truncated file: pixel data ends at byte " + std::to_string(end) +
                 ", the file has " + std::to_string(size) + " bytes");
        return false;
    }
    return true;
}

template <typename Sink>
bool decode(const char *path, size_t count, char *error, size_t errorLength, Sink sink) {
    silenceGDCM();
    gdcm::ImageReader reader;
    reader.SetFileName(path);
    if (!reader.Read()) {
        setError(error, errorLength, "cannot read the image (not DICOM, truncated or no pixel data)");
        return false;
    }
    if (!nativePixelDataComplete(path, reader.GetFile(), error, errorLength)) return false;
    const gdcm::Image &image = reader.GetImage();
    const unsigned int *dims = image.GetDimensions();
    if (image.GetNumberOfDimensions() == 3 && dims[2] != 1) {
        setError(error, errorLength, "multi-frame images are not supported (" + std::to_string(dims[2]) + " frames)");
        return false;
    }
    const gdcm::PixelFormat pf = image.GetPixelFormat();
    if (pf.GetSamplesPerPixel() != 1) {
        setError(error, errorLength, "colour images are not supported (" + std::to_string(pf.GetSamplesPerPixel()) + " samples per pixel)");
        return false;
    }
    const size_t n = size_t(dims[0]) * size_t(dims[1]);
    if (n != count) {
        setError(error, errorLength, "image has " + std::to_string(dims[1]) + "x" + std::to_string(dims[0]) +
                 " pixels, header said " + std::to_string(count));
        return false;
    }
    const size_t length = image.GetBufferLength();
    std::vector<char> buffer(length);
    if (!image.GetBuffer(buffer.data())) {
        setError(error, errorLength, "cannot decode the pixel data (transfer syntax " +
                 std::string(image.GetTransferSyntax().GetString() ? image.GetTransferSyntax().GetString() : "?") + ")");
        return false;
    }
    const int allocated = pf.GetBitsAllocated();
    const int stored = pf.GetBitsStored();
    const bool isSigned = pf.GetPixelRepresentation() == 1;
    const size_t bytes = size_t(allocated / 8);
    if ((allocated != 8 && allocated != 16 && allocated != 32) || length < n * bytes) {
        setError(error, errorLength, "unsupported or short pixel buffer (" + std::to_string(allocated) +
                 " bits allocated, " + std::to_string(length) + " bytes for " + std::to_string(n) + " pixels)");
        return false;
    }
    // Values narrower than their container: keep the stored bits and sign-extend them.
    const bool narrow = stored > 0 && stored < allocated;
    const uint32_t mask = narrow ? ((uint32_t(1) << stored) - 1) : 0xFFFFFFFFu;
    const char *p = buffer.data();
    for (size_t i = 0; i < n; ++i) {
        uint32_t raw = 0;
        if (bytes == 1) raw = uint8_t(p[i]);
        else if (bytes == 2) { uint16_t v; std::memcpy(&v, p + 2 * i, 2); raw = v; }
        else { std::memcpy(&raw, p + 4 * i, 4); }
        raw &= mask;
        int64_t value;
        const int width = narrow ? stored : allocated;
        if (isSigned && (raw >> (width - 1)) & 1u) value = int64_t(raw) - (int64_t(1) << width);
        else value = int64_t(raw);
        sink(i, value);
    }
    return true;
}

}  // namespace

extern "C" const char *CGDCM_version(void) {
    return gdcm::Version::GetVersion();
}

extern "C" int CGDCM_readHeader(const char *path, CGDCM_Header *h, char *error, size_t errorLength) {
    try {
        silenceGDCM();
        std::memset(h, 0, sizeof(*h));
        gdcm::Reader reader;
        reader.SetFileName(path);
        std::set<gdcm::Tag> skip;
        if (!reader.ReadUpToTag(gdcm::Tag(0x7fe0, 0x0010), skip)) {
            setError(error, errorLength, "not a DICOM file (cannot parse the header)");
            return 0;
        }
        const gdcm::DataSet &ds = reader.GetFile().GetDataSet();
        if (ds.IsEmpty()) {
            setError(error, errorLength, "not a DICOM file (no data elements)");
            return 0;
        }
        h->rows = unsignedShort(ds, 0x0028, 0x0010, 0);
        h->columns = unsignedShort(ds, 0x0028, 0x0011, 0);
        h->bitsAllocated = unsignedShort(ds, 0x0028, 0x0100, 0);
        h->bitsStored = unsignedShort(ds, 0x0028, 0x0101, 0);
        h->pixelRepresentation = unsignedShort(ds, 0x0028, 0x0103, 0);
        h->samplesPerPixel = unsignedShort(ds, 0x0028, 0x0002, 1);
        h->numberOfFrames = integerString(ds, 0x0028, 0x0008, 1);
        h->hasPixelData = ds.FindDataElement(gdcm::Tag(0x7fe0, 0x0010)) ? 1 : 0;
        double v = 0;
        h->rescaleSlope = 1;
        h->rescaleIntercept = 0;
        const bool hasSlope = decimals(ds, 0x0028, 0x1053, &v, 1);
        if (hasSlope) h->rescaleSlope = v;
        const bool hasIntercept = decimals(ds, 0x0028, 0x1052, &v, 1);
        if (hasIntercept) h->rescaleIntercept = v;
        h->hasRescale = (hasSlope || hasIntercept) ? 1 : 0;
        h->hasPosition = decimals(ds, 0x0020, 0x0032, h->position, 3) ? 1 : 0;
        h->hasOrientation = decimals(ds, 0x0020, 0x0037, h->orientation, 6) ? 1 : 0;
        h->hasPixelSpacing = decimals(ds, 0x0028, 0x0030, h->pixelSpacing, 2) ? 1 : 0;
        if (decimals(ds, 0x0018, 0x0050, &v, 1)) h->sliceThickness = v;
        h->instanceNumber = integerString(ds, 0x0020, 0x0013, 0);
        copyString(h->modality, sizeof(h->modality), stringValue(ds, 0x0008, 0x0060));
        copyString(h->patientID, sizeof(h->patientID), stringValue(ds, 0x0010, 0x0020));
        copyString(h->studyInstanceUID, sizeof(h->studyInstanceUID), stringValue(ds, 0x0020, 0x000d));
        copyString(h->seriesInstanceUID, sizeof(h->seriesInstanceUID), stringValue(ds, 0x0020, 0x000e));
        copyString(h->sopInstanceUID, sizeof(h->sopInstanceUID), stringValue(ds, 0x0008, 0x0018));
        copyString(h->studyDate, sizeof(h->studyDate), stringValue(ds, 0x0008, 0x0020));
        copyString(h->studyTime, sizeof(h->studyTime), stringValue(ds, 0x0008, 0x0030));
        copyString(h->manufacturer, sizeof(h->manufacturer), stringValue(ds, 0x0008, 0x0070));
        copyString(h->convolutionKernel, sizeof(h->convolutionKernel), stringValue(ds, 0x0018, 0x1210));
        copyString(h->seriesDescription, sizeof(h->seriesDescription), stringValue(ds, 0x0008, 0x103e));
        const gdcm::TransferSyntax &ts = reader.GetFile().GetHeader().GetDataSetTransferSyntax();
        copyString(h->transferSyntaxUID, sizeof(h->transferSyntaxUID), ts.GetString() ? ts.GetString() : "");
        return 1;
    } catch (const std::exception &e) {
        setError(error, errorLength, std::string("cannot read the header: ") + e.what());
    } catch (...) {
        setError(error, errorLength, "cannot read the header (unknown GDCM exception)");
    }
    return 0;
}

extern "C" int CGDCM_readStoredValues(const char *path, int32_t *out, size_t count,
                                      char *error, size_t errorLength) {
    try {
        return decode(path, count, error, errorLength, [out](size_t i, int64_t v) {
            out[i] = int32_t(v);
        }) ? 1 : 0;
    } catch (const std::exception &e) {
        setError(error, errorLength, std::string("cannot decode: ") + e.what());
    } catch (...) {
        setError(error, errorLength, "cannot decode (unknown GDCM exception)");
    }
    return 0;
}

extern "C" int CGDCM_readHounsfield(const char *path, int16_t *out, size_t count,
                                    double slope, double intercept, size_t *clamped,
                                    char *error, size_t errorLength) {
    try {
        size_t outside = 0;
        const bool ok = decode(path, count, error, errorLength, [&](size_t i, int64_t v) {
            double hu = std::nearbyint(double(v) * slope + intercept);
            if (hu < -32768.0) { hu = -32768.0; ++outside; }
            if (hu > 32767.0) { hu = 32767.0; ++outside; }
            out[i] = int16_t(hu);
        });
        if (clamped != nullptr) *clamped = outside;
        return ok ? 1 : 0;
    } catch (const std::exception &e) {
        setError(error, errorLength, std::string("cannot decode: ") + e.what());
    } catch (...) {
        setError(error, errorLength, "cannot decode (unknown GDCM exception)");
    }
    return 0;
}

extern "C" int CGDCM_generateUID(char *out, size_t length) {
    try {
        gdcm::UIDGenerator generator;
        const char *uid = generator.Generate();
        if (uid == nullptr || std::strlen(uid) + 1 > length) return 0;
        std::snprintf(out, length, "%s", uid);
        return 1;
    } catch (...) {
        return 0;
    }
}
