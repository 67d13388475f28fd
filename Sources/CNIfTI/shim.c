// A C target needs one source file; CNIfTI only carries headers and link flags.
#include "CNIfTI.h"
