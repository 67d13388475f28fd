// stb_image's declarations only; the implementation is Debian's libstb.so (libstb-dev).
#include <stb_image.h>
