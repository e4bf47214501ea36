#ifndef MARLSIM_COPENBLAS_SHIM_H
#define MARLSIM_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
