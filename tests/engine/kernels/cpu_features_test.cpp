// CPU feature detection and path selection: the CPUID flags agree with the
// kernel's view in /proc/cpuinfo, the paths are ordered and consistent, and
// the reported path name is the one matmul uses.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "engine/kernels/kernels.h"

namespace pg::kernels {
namespace {

// The "flags" line of the first processor in /proc/cpuinfo; empty if unavailable.
std::set<std::string> linux_cpu_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> flags;
      std::string word;
      while (words >> word) flags.insert(word);
      return flags;
    }
  }
  return {};
}

TEST(KernelsCpuFeatures, AgreeWithProcCpuinfo) {
  const std::set<std::string> flags = linux_cpu_flags();
  if (flags.empty()) GTEST_SKIP() << "/proc/cpuinfo has no flags line on this system";
  const CpuFeatures& f = cpu_features();
  auto has = [&](const char* name) { return flags.count(name) != 0; };
  EXPECT_EQ(f.avx2, has("avx2"));
  EXPECT_EQ(f.fma, has("fma"));
  EXPECT_EQ(f.f16c, has("f16c"));
  EXPECT_EQ(f.avx512f, has("avx512f"));
  EXPECT_EQ(f.avx512bw, has("avx512bw"));
  EXPECT_EQ(f.avx512vl, has("avx512vl"));
  EXPECT_EQ(f.avx512dq, has("avx512dq"));
  EXPECT_EQ(f.avx512vnni, has("avx512_vnni"));
  EXPECT_EQ(f.avx512bf16, has("avx512_bf16"));
  EXPECT_EQ(f.avx_vnni, has("avx_vnni"));
  EXPECT_EQ(f.avx512vbmi, has("avx512vbmi"));
  // AMX also needs the kernel's permission, so it may be off where the flag is on.
  if (f.amx_tile) { EXPECT_TRUE(has("amx_tile")); }
  if (f.amx_int8) { EXPECT_TRUE(has("amx_int8")); }
  if (f.amx_bf16) { EXPECT_TRUE(has("amx_bf16")); }
}

TEST(KernelsCpuFeatures, PathsAreConsistent) {
  const std::vector<KernelPath> paths = supported_kernel_paths();
  ASSERT_FALSE(paths.empty());
  EXPECT_EQ(paths.front(), KernelPath::Scalar);
  EXPECT_EQ(paths.back(), best_kernel_path());
  EXPECT_EQ(simd_path_name(), std::string(kernel_path_name(best_kernel_path())));
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(kernel_path_supported(KernelPath::Avx2), f.avx2 && f.fma && f.f16c);
  EXPECT_EQ(kernel_path_supported(KernelPath::Avx2Tiles), kernel_path_supported(KernelPath::Avx2));
  EXPECT_EQ(kernel_path_supported(KernelPath::Avx2VnniTiles), kernel_path_supported(KernelPath::Avx2Vnni));
  if (kernel_path_supported(KernelPath::Avx2Vnni)) {
    EXPECT_TRUE(kernel_path_supported(KernelPath::Avx2));
  }
  if (kernel_path_supported(KernelPath::Avx512)) {
    EXPECT_TRUE(kernel_path_supported(KernelPath::Avx2));
    EXPECT_TRUE(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni && f.avx512bf16);
  }
  if (kernel_path_supported(KernelPath::Avx512Tiles)) {
    EXPECT_TRUE(kernel_path_supported(KernelPath::Avx512));
    EXPECT_TRUE(f.avx512vbmi);
  }
  EXPECT_EQ(kernel_path_supported(KernelPath::Avx512Decode), kernel_path_supported(KernelPath::Avx512Tiles));
  if (kernel_path_supported(KernelPath::Amx)) {
    EXPECT_TRUE(kernel_path_supported(KernelPath::Avx512Tiles));
    EXPECT_TRUE(f.avx512vbmi && f.amx_tile && f.amx_int8 && f.amx_bf16);
  }
  std::set<std::string> names;
  for (KernelPath p : {KernelPath::Scalar, KernelPath::Avx2, KernelPath::Avx2Tiles, KernelPath::Avx2Vnni,
                       KernelPath::Avx2VnniTiles, KernelPath::Avx512, KernelPath::Avx512Decode,
                       KernelPath::Avx512Tiles, KernelPath::Amx}) {
    names.insert(std::string(kernel_path_name(p)));
    EXPECT_EQ(kernel_path_from_name(kernel_path_name(p)), p);
  }
  EXPECT_EQ(names.size(), 9u);
  EXPECT_EQ(kernel_path_name(KernelPath::Avx512Decode), "avx512-vnni-decode");
  // The tiles paths carry the plain names: "avx2" is the best AVX2 path.
  EXPECT_EQ(kernel_path_name(KernelPath::Avx2Tiles), "avx2");
  EXPECT_EQ(kernel_path_name(KernelPath::Avx2), "avx2-rows");
}

}  // namespace
}  // namespace pg::kernels
