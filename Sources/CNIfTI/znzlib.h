// libnifti's nifti1_io.h includes <znzlib.h>, which Debian installs under nifti/: this
// forwarding header (found through the include path SwiftPM gives this target) replaces an
// -I flag on every target that imports CNIfTI.
#include <nifti/znzlib.h>
