// Detects the CPU's SIMD features with CPUID and checks with XGETBV that the OS
// saves the YMM/ZMM (and AMX tile) registers, then names the kernel paths this
// CPU can run.
// Compiled for baseline x86-64: it must never execute an AVX instruction itself.
#include <cstdint>

#include "engine/kernels/kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define PG_KERNELS_X86 1
#endif
#if defined(PG_KERNELS_X86) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace pg::kernels {
namespace {

#if defined(PG_KERNELS_X86)
struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegs r;
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) return CpuidRegs{};
  return r;
}

// XCR0: which register states the OS saves on context switches. Inline asm
// because the _xgetbv intrinsic needs -mxsave, which this file must not use.
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

bool bit(uint32_t value, int index) { return ((value >> index) & 1u) != 0; }

// Linux hands out the AMX tile data state (8 KiB per thread) only to processes
// that ask for it; the permission then holds for every thread of the process.
bool request_amx_permission() {
#if defined(__linux__) && defined(SYS_arch_prctl)
  constexpr int kArchReqXcompPerm = 0x1023;
  constexpr int kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

CpuFeatures detect() {
  CpuFeatures f;
  const uint32_t max_leaf = cpuid(0, 0).eax;
  if (max_leaf < 1) return f;
  const CpuidRegs leaf1 = cpuid(1, 0);
  const bool osxsave = bit(leaf1.ecx, 27), avx = bit(leaf1.ecx, 28);
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;     // XMM and YMM state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;   // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (!os_ymm) return f;
  f.fma = bit(leaf1.ecx, 12);
  f.f16c = bit(leaf1.ecx, 29);
  if (max_leaf < 7) return f;
  const CpuidRegs leaf7 = cpuid(7, 0);
  const CpuidRegs leaf7_1 = leaf7.eax >= 1 ? cpuid(7, 1) : CpuidRegs{};
  f.avx2 = bit(leaf7.ebx, 5);
  f.avx_vnni = f.avx2 && bit(leaf7_1.eax, 4);
  if (os_zmm) {
    f.avx512f = bit(leaf7.ebx, 16);
    f.avx512dq = f.avx512f && bit(leaf7.ebx, 17);
    f.avx512bw = f.avx512f && bit(leaf7.ebx, 30);
    f.avx512vl = f.avx512f && bit(leaf7.ebx, 31);
    f.avx512vnni = f.avx512f && bit(leaf7.ecx, 11);
    f.avx512bf16 = f.avx512f && bit(leaf7_1.eax, 5);
    f.avx512vbmi = f.avx512f && bit(leaf7.ecx, 1);
  }
  const bool os_tiles = (xcr0 & 0x60000) == 0x60000;  // XTILECFG and XTILEDATA
  if (os_tiles && bit(leaf7.edx, 24) && request_amx_permission()) {
    f.amx_tile = true;
    f.amx_int8 = bit(leaf7.edx, 25);
    f.amx_bf16 = bit(leaf7.edx, 22);
  }
  return f;
}
#else
CpuFeatures detect() { return CpuFeatures{}; }
#endif

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool kernel_path_supported(KernelPath path) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  switch (path) {
    case KernelPath::Scalar: return true;
    case KernelPath::Avx2:
    case KernelPath::Avx2Tiles: return avx2;
    case KernelPath::Avx2Vnni:
    case KernelPath::Avx2VnniTiles: return avx2 && f.avx_vnni;
    case KernelPath::Avx512:
      return avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512vnni && f.avx512bf16;
    case KernelPath::Avx512Decode:
    case KernelPath::Avx512Tiles: return kernel_path_supported(KernelPath::Avx512) && f.avx512vbmi;
    case KernelPath::Amx:
      return kernel_path_supported(KernelPath::Avx512) && f.avx512vbmi && f.amx_tile && f.amx_int8 && f.amx_bf16;
  }
  return false;
}

std::vector<KernelPath> supported_kernel_paths() {
  std::vector<KernelPath> paths;
  for (KernelPath path :
       {KernelPath::Scalar, KernelPath::Avx2, KernelPath::Avx2Tiles, KernelPath::Avx2Vnni, KernelPath::Avx2VnniTiles,
        KernelPath::Avx512, KernelPath::Avx512Decode, KernelPath::Avx512Tiles, KernelPath::Amx}) {
    if (kernel_path_supported(path)) paths.push_back(path);
  }
  return paths;
}

KernelPath best_kernel_path() {
  static const KernelPath best = supported_kernel_paths().back();
  return best;
}

std::string_view kernel_path_name(KernelPath path) {
  switch (path) {
    case KernelPath::Scalar: return "scalar";
    case KernelPath::Avx2: return "avx2-rows";
    case KernelPath::Avx2Tiles: return "avx2";
    case KernelPath::Avx2Vnni: return "avx2-vnni-rows";
    case KernelPath::Avx2VnniTiles: return "avx2-vnni";
    case KernelPath::Avx512: return "avx512-vnni-rows";
    case KernelPath::Avx512Decode: return "avx512-vnni-decode";
    case KernelPath::Avx512Tiles: return "avx512-vnni";
    case KernelPath::Amx: return "avx512-amx";
  }
  return "unknown";
}

KernelPath generation_kernel_path(KernelPath path) {
  switch (path) {
    case KernelPath::Avx2Tiles: return KernelPath::Avx2;
    case KernelPath::Avx2VnniTiles: return KernelPath::Avx2Vnni;
    case KernelPath::Avx512Tiles:
    case KernelPath::Amx: return KernelPath::Avx512Decode;
    default: return path;
  }
}

std::optional<KernelPath> kernel_path_from_name(std::string_view name) {
  for (KernelPath path :
       {KernelPath::Scalar, KernelPath::Avx2, KernelPath::Avx2Tiles, KernelPath::Avx2Vnni, KernelPath::Avx2VnniTiles,
        KernelPath::Avx512, KernelPath::Avx512Decode, KernelPath::Avx512Tiles, KernelPath::Amx}) {
    if (kernel_path_name(path) == name) return path;
  }
  return std::nullopt;
}

std::string simd_path_name() { return std::string(kernel_path_name(best_kernel_path())); }

}  // namespace pg::kernels
