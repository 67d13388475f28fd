// nifti1_io.h includes <znzlib.h>, which Debian installs under nifti/. This forwarding header
// sits in the target's public include folder, which SwiftPM puts on the include path of every
// module that imports CNIfTI: no -I flag is needed anywhere.
#include <nifti/znzlib.h>
