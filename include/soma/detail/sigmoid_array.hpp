// soma/detail/sigmoid_array.hpp - choosing the σ kernel for an array, once per call.
//
// Order of preference:
//   compiler targets AVX-512 (F/BW/DQ/VL)    -> AVX-512 kernel, no dispatch
//   compiler targets AVX2 and FMA            -> AVX2 kernel, no dispatch
//   other x86 builds with GCC or Clang       -> AVX-512 / AVX2+FMA / portable, chosen from
//                                               cpuid once per process, checked once per call
//   AArch64 with NEON                        -> NEON kernel
//   anything else                            -> the scalar definition in a loop
// Every kernel returns the bits of sigmoid_scalar.hpp, so the choice only changes speed.
#ifndef SOMA_DETAIL_SIGMOID_ARRAY_HPP
#define SOMA_DETAIL_SIGMOID_ARRAY_HPP

#include <cstddef>

#include "soma/detail/cpu.hpp"
#include "soma/detail/fma.hpp"
#include "soma/detail/sigmoid_neon.hpp"
#include "soma/detail/sigmoid_scalar.hpp"
#include "soma/detail/sigmoid_x86.hpp"

namespace soma::detail {

template <ieee_binary T>
[[nodiscard]] constexpr T sigmoid_scalar(T z) noexcept {
    if constexpr (std::same_as<T, float>) {
        return sigmoid_f32(z);
    } else {
        return sigmoid_f64(z);
    }
}

template <ieee_binary T>
void sigmoid_portable(T const* z, T* out, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) out[i] = sigmoid_scalar(z[i]);
}

// Runs the kernel for one instruction set; precondition: isa_available(i).
template <ieee_binary T>
void sigmoid_with(isa i, T const* z, T* out, std::size_t n) noexcept {
    switch (i) {
#ifdef SOMA_X86_KERNELS
        case isa::avx2_fma:
            sigmoid_avx2(z, out, n);
            return;
        case isa::avx512:
            sigmoid_avx512(z, out, n);
            return;
#endif
#ifdef SOMA_NEON_KERNELS
        case isa::neon:
            sigmoid_neon(z, out, n);
            return;
#endif
        default:
            sigmoid_portable(z, out, n);
            return;
    }
}

// out[i] = σ(z[i]) for i < n; out may be z itself (in place), but not partially overlap it.
// The kernel is the one the compiler flags select (no dispatch), or, in a build without
// -march on x86-64, the best one the CPU supports, looked up once per call.
template <ieee_binary T>
void sigmoid_array(T const* z, T* out, std::size_t n) noexcept {
    if constexpr (runtime_dispatch) {
        sigmoid_with(best_isa(), z, out, n);
    } else {
        sigmoid_with(compiled_isa, z, out, n);
    }
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_SIGMOID_ARRAY_HPP
