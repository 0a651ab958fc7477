/* kernels_avx2: the fixed-order kernels on AVX2 + FMA (this file is built
 * with -mavx2 -mfma and run only where the CPU has both). */
#include "kernels_impl.h"
#define LANES_AVX2
#include "kernels_lanes.h"

#define KV(name) name##_avx2
#define KERN_DOT_ROWS 1
#define KERN_DOT_MODELS 8
#define KERN_TILE_MODELS 2
#define KERN_TILE_PANELS 2
#define KERN_MATVEC_CHAINS 4
#define KERN_PANEL 4
#define KERN_UPDATE_ROWS 2
#include "kernels_body.h"
