// libnifti (Debian's libnifti2-dev) through one header.
#include <nifti/nifti1_io.h>
