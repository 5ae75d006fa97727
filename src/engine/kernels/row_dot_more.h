// Internal to engine/kernels: the AVX2 row dot products of the weight types
// that row_dot_avx2.cpp does not cover (Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, IQ4_NL,
// IQ4_XS, MXFP4). Same rules as the tables in row_dot.h: call only after
// cpu_features() reports AVX2 (and AVX-VNNI when avx_vnni is true).
#pragma once

#include "engine/kernels/row_dot.h"
#include "engine/tensor/ggml_type.h"

namespace pg::kernels::detail {

// nullptr when this table has no kernel for weights of `type`.
RowDotFn avx2_row_dot_more(GgmlType type, bool avx_vnni);

}  // namespace pg::kernels::detail
