// Writer of synthetic CT slices (CGDCM_writeSlice): a data set built tag by tag so every
// attribute the readers rely on is present and explicit (Explicit VR Little Endian).
#include "CGDCM.h"

#include <gdcmDataSet.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmTrace.h>
#include <gdcmUIDGenerator.h>
#include <gdcmWriter.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

void fail(char *error, size_t length, const std::string &message) {
    if (error != nullptr && length > 0) std::snprintf(error, length, "%s", message.c_str());
}

void put(gdcm::DataSet &ds, uint16_t group, uint16_t element, const gdcm::VR &vr, std::string value) {
    // DICOM values have even length: UIDs pad with NUL, text with a space.
    if (value.size() % 2 == 1) value.push_back(vr == gdcm::VR::UI ? '\0' : ' ');
    gdcm::DataElement de(gdcm::Tag(group, element));
    de.SetVR(vr);
    de.SetByteValue(value.data(), uint32_t(value.size()));
    ds.Replace(de);
}

void putUS(gdcm::DataSet &ds, uint16_t group, uint16_t element, uint16_t value) {
    gdcm::DataElement de(gdcm::Tag(group, element));
    de.SetVR(gdcm::VR::US);
    const char bytes[2] = {char(value & 0xFF), char(value >> 8)};
    de.SetByteValue(bytes, 2);
    ds.Replace(de);
}

// A decimal string of at most 16 characters (the DS limit), as precise as fits.
std::string ds16(double v) {
    char text[64];
    for (int precision = 14; precision > 1; --precision) {
        std::snprintf(text, sizeof(text), "%.*g", precision, v);
        if (std::strlen(text) <= 16) return text;
    }
    std::snprintf(text, sizeof(text), "%.1g", v);
    return text;
}

std::string joined(const double *values, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (i > 0) s += "\\";
        s += ds16(values[i]);
    }
    return s;
}

std::string orGenerated(const char *uid) {
    if (uid != nullptr && uid[0] != '\0') return uid;
    gdcm::UIDGenerator generator;
    return generator.Generate();
}

std::string orDefault(const char *value, const char *fallback) {
    return (value != nullptr && value[0] != '\0') ? std::string(value) : std::string(fallback);
}

}  // namespace

extern "C" int CGDCM_writeSlice(const char *path, const CGDCM_SliceSpec *spec, const int16_t *hu,
                                const char *modality, const char *patientID, const char *studyDate,
                                const char *studyInstanceUID, const char *seriesInstanceUID,
                                const char *sopInstanceUID, const char *seriesDescription,
                                char *error, size_t errorLength) {
    try {
        gdcm::Trace::SetError(false);
        gdcm::Trace::SetWarning(false);
        if (spec->rows <= 0 || spec->columns <= 0 || spec->rows > 65535 || spec->columns > 65535) {
            fail(error, errorLength, "rows and columns must be in 1...65535");
            return 0;
        }
        const size_t n = size_t(spec->rows) * size_t(spec->columns);
        std::vector<int16_t> stored(n);
        const long intercept = std::lround(spec->rescaleIntercept);
        for (size_t i = 0; i < n; ++i) {
            const long v = long(hu[i]) - intercept;
            if (v < -32768 || v > 32767) {
                fail(error, errorLength, "HU value " + std::to_string(hu[i]) + " does not fit Int16 with intercept " +
                     std::to_string(intercept));
                return 0;
            }
            stored[i] = int16_t(v);
        }

        gdcm::Writer writer;
        writer.SetFileName(path);
        gdcm::DataSet &ds = writer.GetFile().GetDataSet();
        put(ds, 0x0008, 0x0016, gdcm::VR::UI, "1.2.840.10008.5.1.4.1.1.2");  // CT Image Storage
        put(ds, 0x0008, 0x0018, gdcm::VR::UI, orGenerated(sopInstanceUID));
        put(ds, 0x0008, 0x0020, gdcm::VR::DA, orDefault(studyDate, ""));
        put(ds, 0x0008, 0x0060, gdcm::VR::CS, orDefault(modality, "CT"));
        put(ds, 0x0008, 0x0070, gdcm::VR::LO, "CTScreen synthetic");
        put(ds, 0x0008, 0x103e, gdcm::VR::LO, orDefault(seriesDescription, ""));
        put(ds, 0x0010, 0x0010, gdcm::VR::PN, orDefault(patientID, ""));
        put(ds, 0x0010, 0x0020, gdcm::VR::LO, orDefault(patientID, ""));
        put(ds, 0x0018, 0x0050, gdcm::VR::DS, ds16(spec->sliceThickness));
        put(ds, 0x0020, 0x000d, gdcm::VR::UI, orGenerated(studyInstanceUID));
        put(ds, 0x0020, 0x000e, gdcm::VR::UI, orGenerated(seriesInstanceUID));
        put(ds, 0x0020, 0x0013, gdcm::VR::IS, std::to_string(spec->instanceNumber));
        put(ds, 0x0020, 0x0032, gdcm::VR::DS, joined(spec->position, 3));
        put(ds, 0x0020, 0x0037, gdcm::VR::DS, joined(spec->orientation, 6));
        putUS(ds, 0x0028, 0x0002, 1);
        put(ds, 0x0028, 0x0004, gdcm::VR::CS, "MONOCHROME2");
        putUS(ds, 0x0028, 0x0010, uint16_t(spec->rows));
        putUS(ds, 0x0028, 0x0011, uint16_t(spec->columns));
        put(ds, 0x0028, 0x0030, gdcm::VR::DS, joined(spec->pixelSpacing, 2));
        putUS(ds, 0x0028, 0x0100, 16);
        putUS(ds, 0x0028, 0x0101, 16);
        putUS(ds, 0x0028, 0x0102, 15);
        putUS(ds, 0x0028, 0x0103, 1);
        put(ds, 0x0028, 0x1052, gdcm::VR::DS, std::to_string(intercept));
        put(ds, 0x0028, 0x1053, gdcm::VR::DS, "1");
        put(ds, 0x0028, 0x1054, gdcm::VR::LO, "HU");
        gdcm::DataElement pixels(gdcm::Tag(0x7fe0, 0x0010));
        pixels.SetVR(gdcm::VR::OW);
        pixels.SetByteValue(reinterpret_cast<const char *>(stored.data()), uint32_t(n * 2));
        ds.Replace(pixels);

        writer.GetFile().GetHeader().SetDataSetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
        if (!writer.Write()) {
            fail(error, errorLength, std::string("cannot write ") + path);
            return 0;
        }
        return 1;
    } catch (const std::exception &e) {
        fail(error, errorLength, std::string("cannot write the slice: ") + e.what());
    } catch (...) {
        fail(error, errorLength, "cannot write the slice (unknown GDCM exception)");
    }
    return 0;
}
