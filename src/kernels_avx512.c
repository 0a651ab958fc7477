/* kernels_avx512: the fixed-order kernels on AVX-512F (this file is built
 * with -mavx512f and run only where the CPU has it). */
#include "kernels_impl.h"
#define LANES_AVX512
#include "kernels_lanes.h"

#define KV(name) name##_avx512
#define KERN_DOT_ROWS 4
#define KERN_DOT_MODELS 4
#define KERN_TILE_MODELS 4
#define KERN_TILE_PANELS 4
#define KERN_MATVEC_CHAINS 8
#define KERN_PANEL 16
#define KERN_UPDATE_ROWS 8
#include "kernels_body.h"
