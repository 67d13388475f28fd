#ifndef CGDCM_H
#define CGDCM_H
/* Plain C API over GDCM. Every symbol is prefixed CGDCM_; no C++ exception crosses it.
 * Functions return 1 on success and 0 on failure, with a reason written to `error`
 * (NUL-terminated, truncated to `errorLength`). */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version string of the GDCM library linked in. */
const char *CGDCM_version(void);

/* Header facts of one DICOM file, read without decoding the pixel data. A `has*` flag is
 * 0 when the attribute is absent or empty. Strings are NUL-terminated and truncated. */
typedef struct CGDCM_Header {
    int rows, columns;
    int bitsAllocated, bitsStored, pixelRepresentation, samplesPerPixel;
    int numberOfFrames;
    int hasPixelData;
    int hasRescale;
    double rescaleSlope, rescaleIntercept;
    int hasPosition;
    double position[3];          /* ImagePositionPatient, mm (LPS) */
    int hasOrientation;
    double orientation[6];       /* ImageOrientationPatient: row cosine, column cosine */
    int hasPixelSpacing;
    double pixelSpacing[2];      /* PixelSpacing: between rows, between columns (mm) */
    double sliceThickness;       /* 0 when absent */
    int instanceNumber;          /* 0 when absent */
    char modality[17];
    char patientID[65];
    char studyInstanceUID[65];
    char seriesInstanceUID[65];
    char sopInstanceUID[65];
    char studyDate[17];
    char studyTime[17];          /* StudyTime (0008,0030), HHMMSS.FFFFFF; "" when absent */
    char manufacturer[65];
    char convolutionKernel[65];
    char seriesDescription[65];
    char transferSyntaxUID[65];
} CGDCM_Header;

/* Reads the header of `path` up to the pixel data. Fails when the file is not DICOM or
 * cannot be parsed. */
int CGDCM_readHeader(const char *path, CGDCM_Header *header, char *error, size_t errorLength);

/* Decodes the single-frame, single-sample image of `path` (any transfer syntax GDCM
 * decodes) into `count` raw stored values, row-major. `count` must equal rows*columns. */
int CGDCM_readStoredValues(const char *path, int32_t *out, size_t count,
                           char *error, size_t errorLength);

/* Decodes like CGDCM_readStoredValues and writes round(stored*slope + intercept), clamped to
 * Int16, into `out`. `clamped` receives the number of values that had to be clamped. */
int CGDCM_readHounsfield(const char *path, int16_t *out, size_t count,
                         double slope, double intercept, size_t *clamped,
                         char *error, size_t errorLength);

/* Geometry and numbers of one slice to write. */
typedef struct CGDCM_SliceSpec {
    int rows, columns;
    double pixelSpacing[2];      /* between rows, between columns (mm) */
    double position[3];          /* ImagePositionPatient (mm, LPS) */
    double orientation[6];       /* ImageOrientationPatient */
    double sliceThickness;
    double rescaleIntercept;     /* stored signed value = HU - intercept; slope is 1 */
    int instanceNumber;
} CGDCM_SliceSpec;

/* Writes one CT slice (Explicit VR Little Endian, signed 16-bit stored values) with the
 * given HU pixels (rows*columns, row-major). Empty or NULL UIDs are generated with
 * gdcm::UIDGenerator. `modality` defaults to "CT" when empty. Fails when a HU value does
 * not fit Int16 after subtracting the intercept. */
int CGDCM_writeSlice(const char *path, const CGDCM_SliceSpec *spec, const int16_t *hu,
                     const char *modality, const char *patientID, const char *studyDate,
                     const char *studyInstanceUID, const char *seriesInstanceUID,
                     const char *sopInstanceUID, const char *seriesDescription,
                     char *error, size_t errorLength);

/* Writes a new unique DICOM UID (at most 64 characters) into `out`. */
int CGDCM_generateUID(char *out, size_t length);

#ifdef __cplusplus
}
#endif
#endif
