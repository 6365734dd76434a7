// soma/detail/sigmoid_array.hpp - choosing the σ kernel for an array, once per call.
//
// Order of preference:
//   compiler targets AVX-512F                -> AVX-512 kernel, no dispatch
//   compiler targets AVX2 and FMA            -> AVX2 kernel, no dispatch
//   other x86 builds with GCC or Clang       -> AVX-512 / AVX2+FMA / portable, chosen from
//                                               cpuid once per process, checked once per call
//   AArch64 with NEON                        -> NEON kernel
//   anything else                            -> the scalar definition in a loop
// Every kernel returns the bits of sigmoid_scalar.hpp, so the choice only changes speed.
#ifndef SOMA_DETAIL_SIGMOID_ARRAY_HPP
#define SOMA_DETAIL_SIGMOID_ARRAY_HPP

#include <cstddef>

#include "soma/detail/fma.hpp"
#include "soma/detail/sigmoid_neon.hpp"
#include "soma/detail/sigmoid_scalar.hpp"
#include "soma/detail/sigmoid_x86.hpp"

namespace soma::detail {

enum class sigmoid_isa { portable, avx2, avx512, neon };

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

// Whether this build and this CPU can run a kernel (tests run every available one).
[[nodiscard]] inline bool sigmoid_isa_available(sigmoid_isa isa) noexcept {
    switch (isa) {
        case sigmoid_isa::portable:
            return true;
#ifdef SOMA_SIGMOID_HAVE_X86_KERNELS
        case sigmoid_isa::avx2:
            return cpu_has_avx2_fma();
        case sigmoid_isa::avx512:
            return cpu_has_avx512f();
#endif
#ifdef SOMA_SIGMOID_HAVE_NEON_KERNELS
        case sigmoid_isa::neon:
            return true;
#endif
        default:
            return false;
    }
}

// Runs one given kernel; precondition: sigmoid_isa_available(isa).
template <ieee_binary T>
void sigmoid_with(sigmoid_isa isa, T const* z, T* out, std::size_t n) noexcept {
    switch (isa) {
#ifdef SOMA_SIGMOID_HAVE_X86_KERNELS
        case sigmoid_isa::avx2:
            sigmoid_avx2(z, out, n);
            return;
        case sigmoid_isa::avx512:
            sigmoid_avx512(z, out, n);
            return;
#endif
#ifdef SOMA_SIGMOID_HAVE_NEON_KERNELS
        case sigmoid_isa::neon:
            sigmoid_neon(z, out, n);
            return;
#endif
        default:
            sigmoid_portable(z, out, n);
            return;
    }
}

// The kernel sigmoid_array uses in this build on this CPU.
[[nodiscard]] inline sigmoid_isa sigmoid_best_isa() noexcept {
#if defined(SOMA_SIGMOID_HAVE_X86_KERNELS) && defined(__AVX512F__)
    return sigmoid_isa::avx512;
#elif defined(SOMA_SIGMOID_HAVE_X86_KERNELS) && defined(__AVX2__) && defined(__FMA__)
    return sigmoid_isa::avx2;
#elif defined(SOMA_SIGMOID_HAVE_X86_KERNELS)
    if (cpu_has_avx512f()) return sigmoid_isa::avx512;
    if (cpu_has_avx2_fma()) return sigmoid_isa::avx2;
    return sigmoid_isa::portable;
#elif defined(SOMA_SIGMOID_HAVE_NEON_KERNELS)
    return sigmoid_isa::neon;
#else
    return sigmoid_isa::portable;
#endif
}

// out[i] = σ(z[i]) for i < n; out may be z itself (in place), but not partially overlap it.
template <ieee_binary T>
void sigmoid_array(T const* z, T* out, std::size_t n) noexcept {
#if defined(SOMA_SIGMOID_HAVE_X86_KERNELS) && defined(__AVX512F__)
    sigmoid_avx512(z, out, n);
#elif defined(SOMA_SIGMOID_HAVE_X86_KERNELS) && defined(__AVX2__) && defined(__FMA__)
    sigmoid_avx2(z, out, n);
#elif defined(SOMA_SIGMOID_HAVE_X86_KERNELS)
    if (cpu_has_avx512f()) {
        sigmoid_avx512(z, out, n);
    } else if (cpu_has_avx2_fma()) {
        sigmoid_avx2(z, out, n);
    } else {
        sigmoid_portable(z, out, n);
    }
#elif defined(SOMA_SIGMOID_HAVE_NEON_KERNELS)
    sigmoid_neon(z, out, n);
#else
    sigmoid_portable(z, out, n);
#endif
}

}  // namespace soma::detail

#endif  // SOMA_DETAIL_SIGMOID_ARRAY_HPP
