#include "CGDCM.h"
#include <gdcmVersion.h>

extern "C" const char *CGDCM_version(void) {
    return gdcm::Version::GetVersion();
}
