#include <nifti/nifti1_io.h>
