// The AVX2 table of tile_layout.h's INT8 decoders: the row decoders of
// tile_row_decoders.h compiled for AVX2 (no group decoders: those are 512-bit
// code). Built with AVX2 flags: nothing here may run before
// kernel_path_supported(Avx2). Reads only the rows it is given.
#include "engine/kernels/tile_row_decoders.h"

namespace pg::kernels::detail::tiles {

const Int8Weights* int8_weights_avx2(GgmlType type) { return row_decoder_weights(type); }

}  // namespace pg::kernels::detail::tiles
