/* kernels_portable: the fixed-order kernels in plain C, fma() per lane.
 * The fallback on any CPU and the only variant off x86-64 (on aarch64 the
 * compiler turns fma() into fmadd). */
#include "kernels_impl.h"
#include "kernels_lanes.h"

#define KV(name) name##_portable
#define KERN_DOT_ROWS 1
#define KERN_DOT_MODELS 4
#define KERN_TILE_MODELS 4
#define KERN_TILE_PANELS 4
#define KERN_MATVEC_CHAINS 4
#define KERN_PANEL 8
#define KERN_UPDATE_ROWS 4
#include "kernels_body.h"
