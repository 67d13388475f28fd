#ifndef CGDCM_H
#define CGDCM_H
/* Plain C API over GDCM. Every symbol is prefixed CGDCM_; no C++ exception crosses it. */
#ifdef __cplusplus
extern "C" {
#endif

/* Version string of the GDCM library linked in. */
const char *CGDCM_version(void);

#ifdef __cplusplus
}
#endif
#endif
