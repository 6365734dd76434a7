// soma/dense_layer.hpp - Out neurons sharing In inputs: a dense (fully connected) layer.
//
// Neuron r of the layer has the weights W[r, 0..In) (row r of the row-major matrix W) and
// the bias b_r; all share one activation a:
//     z_r = Σ_i W[r, i] x_i + b_r,    y_r = a(z_r),    i.e. z = W x + b, y = a(z).
// Every output is bitwise the single neuron's: layer(x)[r] == soma::neuron<T, In, A>(w_r,
// b_r)(x), on every target and in constant evaluation (z_r in soma's canonical order,
// soma/detail/inner_product.hpp, with its error bound |z_r - exact| <= gamma_k Σ_i
// |W[r, i] x_i| + |b_r|, k = ceil((In+1)/P) + log2 P; σ within 1 ULP, soma/sigmoid.hpp).
//
// soma::dense_layer<T, In, Out, A>:
//   - In and Out fixed at compile time: the parameters are stored inline (std::array, no
//     allocation), the layer is a literal type usable in constexpr and as a static
//     constexpr object with weights in the source; size mismatches do not compile.
//     float and double layers keep their weights interleaved across rows (weight i of
//     every row together) and run a kernel specialised for the shape, each register
//     holding L rows' partial sums (soma/detail/dense_kernels-inl.hpp): straight-line
//     code for rows shorter than P = 256 / sizeof(T) terms, P chains of row registers for
//     longer ones. weight(r, i), weights(), row(r) and neuron(r) give the row-major view.
//   - In = Out = std::dynamic_extent: shapes known at run time, std::vector storage; a
//     size mismatch throws std::invalid_argument naming both sizes.
//   batch_forward(X, Y) over the rows of a row-major X: for static float and double
//     layers a batch kernel (dense_kernels-inl.hpp) that evaluates a tile of inputs per
//     pass over the weights, each output bitwise forward(X_k).
// Constant evaluation takes the scalar definition (the single neuron's code, row by row);
// run time the kernels, with the same bits. Evaluation never allocates (but operator() of
// the run-time form, which returns a std::vector).
#ifndef SOMA_DENSE_LAYER_HPP
#define SOMA_DENSE_LAYER_HPP

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "soma/activation.hpp"
#include "soma/concepts.hpp"
#include "soma/detail/config.hpp"
#include "soma/detail/dispatch.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/inner_product.hpp"
#include "soma/layer.hpp"
#include "soma/neuron.hpp"
#include "soma/weighted_input.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The interleaved layout of a static layer's weights: rows in blocks of B = 64 bytes of
// values (16 floats, 8 doubles: a cache line, and at least one register of every ISA's
// vocabulary); inside a block, weight i of its rows together. W[r, i] is at
//     (r / B) B In + slot(i) w + r mod B,   w = the block's rows (B, or Out mod B for the
// last), slot(i) = i for rows shorter than P terms (dense_slot below for longer ones),
// so a register of L rows of weight i is one load, and a block's weights are one
// contiguous run. (Plain column-major, stride Out, puts every column of a block in the
// same few cache sets: measured, AVX-512, GCC 12, 128 x 128 without σ: 2.36 µs column-major,
// 1.12 µs in blocks.)
template <class T>
inline constexpr std::size_t dense_block = 64 / sizeof(T);

// Rows of more than P = 256 / sizeof(T) terms are summed in groups of eight chains
// (dense_kernels-inl.hpp: chain c = j + (P/8) m, terms i = c + P step): a block keeps its
// columns in that order, group by group, so that the kernel reads each block front to
// back. dense_slot(i) is column i's place: P/8 groups j, each of its full steps then its
// last, partial one, eight columns m per step. A layer of one row keeps its weights in
// order.
template <class T, std::size_t In>
[[nodiscard, gnu::always_inline]] constexpr std::size_t dense_slot(std::size_t i) noexcept {
    constexpr std::size_t p = 256 / sizeof(T);
    constexpr std::size_t bases = p / 8;
    constexpr std::size_t full_steps = In / p;
    constexpr std::size_t rest = In % p;
    if constexpr (In < p) {
        return i;
    } else {
        std::size_t const c = i % p;
        std::size_t const j = c % bases;
        std::size_t const m = c / bases;
        std::size_t const step = i / p;
        // Groups before j: 8 full_steps columns each, plus the chains j' + m' bases < rest.
        std::size_t start = j * 8 * full_steps;
        for (std::size_t g = 0; g < j; ++g) start += rest > g ? (rest - g + bases - 1) / bases : 0;
        return start + step * 8 + m;
    }
}

template <class T, std::size_t In, std::size_t Out>
[[nodiscard, gnu::always_inline]] constexpr std::size_t dense_offset(std::size_t r,
                                                                     std::size_t i) noexcept {
    if constexpr (Out == 1) {
        (void)r;
        return i;  // one row: its weights in order (the kernel's inner product reads them so)
    } else {
        constexpr std::size_t block = dense_block<T>;
        std::size_t const first = r / block * block;
        std::size_t const width = Out - first < block ? Out - first : block;
        return first * In + dense_slot<T, In>(i) * width + (r - first);
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

// The shape-specialised kernel, once per ISA namespace (see dense_kernels-inl.hpp).
#if defined(SOMA_X86_KERNELS)
SOMA_DETAIL_TARGET_AVX512_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512 {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
#include "soma/detail/dense_kernels-inl.hpp"
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512
SOMA_DETAIL_TARGET_END

SOMA_DETAIL_TARGET_AVX2_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2 {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
#include "soma/detail/dense_kernels-inl.hpp"
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2
SOMA_DETAIL_TARGET_END
#endif

#if defined(SOMA_NEON_KERNELS)
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
#include "soma/detail/dense_kernels-inl.hpp"
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable {
#define SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE 1
#include "soma/detail/dense_kernels-inl.hpp"
#undef SOMA_DETAIL_DENSE_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Whether a static layer of In inputs keeps its weights interleaved across rows and runs
// the shape-specialised kernel: float and double.
template <class T, std::size_t In>
[[nodiscard]] consteval bool dense_interleaved() noexcept {
    return ieee_binary<T> && In != std::dynamic_extent;
}

template <ieee_binary T>
using dense_kernel = void (*)(T const* Wt, T const* x, T const* b, T* out) noexcept;

// ISA i's kernel for the shape In x Out (Sigmoid: y = σ(z), else z); the portable one when
// this build has none for i.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[nodiscard]] constexpr dense_kernel<T> dense_kernel_for(isa i) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (i == isa::avx512) return &avx512::dense_fixed<T, In, Out, Sigmoid>;
    if (i == isa::avx2_fma) return &avx2::dense_fixed<T, In, Out, Sigmoid>;
#endif
#if defined(SOMA_NEON_KERNELS)
    if (i == isa::neon) return &neon::dense_fixed<T, In, Out, Sigmoid>;
#endif
    (void)i;
    return &portable::dense_fixed<T, In, Out, Sigmoid>;
}

// Layers up to this many weights are inlined into the caller when the flags enable the
// ISA (16 x 16: the layer is then a few dozen instructions, as a fixed-size matrix
// product is); larger ones are a direct call.
inline constexpr std::size_t dense_inline_weights = 256;

// The shape's kernel for this machine. When the flags enable an ISA the call is direct
// (inlined for small layers); otherwise the kernel of the table kernels() chose is picked
// on the first call for this shape and kept, one pointer per shape.
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[gnu::always_inline]] inline void dense_fixed_run(T const* Wt, T const* x, T const* b,
                                                   T* out) noexcept {
    if constexpr (runtime_dispatch) {
        static dense_kernel<T> const chosen = dense_kernel_for<T, In, Out, Sigmoid>(kernels().id);
        chosen(Wt, x, b, out);
    } else {
        constexpr bool small = In * Out <= dense_inline_weights && In + 1 <= partial_sums<T>;
#if defined(SOMA_X86_KERNELS)
        if constexpr (compiled_isa == isa::avx512) {
            if constexpr (small) {
                avx512::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                avx512::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
            return;
        } else if constexpr (compiled_isa == isa::avx2_fma) {
            if constexpr (small) {
                avx2::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                avx2::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
            return;
        }
#endif
#if defined(SOMA_NEON_KERNELS)
        if constexpr (compiled_isa == isa::neon) {
            if constexpr (small) {
                neon::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                neon::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
            return;
        }
#endif
        if constexpr (compiled_isa == isa::portable) {
            if constexpr (small) {
                portable::dense_fixed_inline<T, In, Out, Sigmoid>(Wt, x, b, out);
            } else {
                portable::dense_fixed<T, In, Out, Sigmoid>(Wt, x, b, out);
            }
        }
    }
}

template <ieee_binary T>
using dense_batch_kernel = void (*)(T const* Wt, T const* X, T const* b, T* Y,
                                    std::size_t count) noexcept;

// ISA i's batch kernel for the shape (dense_batch in dense_kernels-inl.hpp).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
[[nodiscard]] constexpr dense_batch_kernel<T> dense_batch_kernel_for(isa i) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (i == isa::avx512) return &avx512::dense_batch<T, In, Out, Sigmoid>;
    if (i == isa::avx2_fma) return &avx2::dense_batch<T, In, Out, Sigmoid>;
#endif
#if defined(SOMA_NEON_KERNELS)
    if (i == isa::neon) return &neon::dense_batch<T, In, Out, Sigmoid>;
#endif
    (void)i;
    return &portable::dense_batch<T, In, Out, Sigmoid>;
}

// Y_q = a(W X_q + b) for q < count with this machine's batch kernel, chosen once per shape
// (one call per batch, never one per input).
template <ieee_binary T, std::size_t In, std::size_t Out, bool Sigmoid>
inline void dense_batch_run(T const* Wt, T const* X, T const* b, T* Y, std::size_t count) noexcept {
    if constexpr (runtime_dispatch) {
        static dense_batch_kernel<T> const chosen =
            dense_batch_kernel_for<T, In, Out, Sigmoid>(kernels().id);
        chosen(Wt, X, b, Y, count);
    } else {
        dense_batch_kernel_for<T, In, Out, Sigmoid>(compiled_isa)(Wt, X, b, Y, count);
    }
}

// A vector y a layer can write Out outputs of type T into: contiguous, sized, mutable,
// element type T, of static extent Out or dynamic (checked at run time).
template <class Y, class T, std::size_t N>
concept output_for = std::ranges::contiguous_range<Y> && std::ranges::sized_range<Y> &&
                     std::same_as<std::ranges::range_value_t<Y>, T> &&
                     !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<Y>>> &&
                     (N == std::dynamic_extent || static_extent_v<Y> == std::dynamic_extent ||
                      static_extent_v<Y> == N);

// A parameter vector of exactly N values of T (N static) or of any size (checked).
template <class R, class T, std::size_t N>
concept parameters_for = input_vector<R> && std::same_as<element_t<R>, T> &&
    (N == std::dynamic_extent || static_extent_v<R> == std::dynamic_extent ||
     static_extent_v<R> == N);

template <std::size_t A, std::size_t B>
inline constexpr std::size_t extent_product =
    A == std::dynamic_extent || B == std::dynamic_extent ? std::dynamic_extent : A* B;

template <class R>
[[nodiscard]] constexpr std::size_t size_of(R const& r) noexcept {
    return static_cast<std::size_t>(std::ranges::size(r));
}

// a(z) in place over outputs already holding z (an activation other than σ).
template <class T, class A>
constexpr void activate_each(A const& a, T* y, std::size_t n) {
    for (std::size_t r = 0; r < n; ++r) y[r] = static_cast<T>(std::invoke(a, y[r]));
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// A dense layer: Out neurons with In inputs each, weights W (row-major, Out x In), biases b,
// one activation a. In = Out = std::dynamic_extent is the run-time-shaped form below.
template <scalar T, std::size_t In = std::dynamic_extent, std::size_t Out = std::dynamic_extent,
          class Activation = sigmoid_activation>
requires activation_for<Activation, T> &&
    ((In == std::dynamic_extent) == (Out == std::dynamic_extent)) class dense_layer {
    static constexpr bool interleaved = detail::dense_interleaved<T, In>();

public:
    using value_type = T;
    using activation_type = Activation;
    using input_type = std::array<T, In>;
    using output_type = std::array<T, Out>;
    using weights_type = std::array<T, In * Out>;
    using biases_type = std::array<T, Out>;
    using neuron_type = soma::neuron<T, In, Activation>;
    static constexpr std::size_t in_extent = In;
    static constexpr std::size_t out_extent = Out;

    constexpr dense_layer() = default;

    // From row-major W (Out x In: W[r * In + i] is weight i of neuron r) and b (Out values).
    // Vectors of static extent must have exactly In * Out and Out elements (else this does
    // not compile); vectors of run-time size are checked (std::invalid_argument naming
    // both sizes). Braced lists must have exactly that many values too.
    template <detail::parameters_for<T, In * Out> WR, detail::parameters_for<T, Out> BR>
    constexpr dense_layer(WR const& W, BR const& b, Activation a = Activation{})
        : a_(std::move(a)) {
        set(std::ranges::data(W), detail::size_of(W), std::ranges::data(b), detail::size_of(b));
    }
    template <std::size_t NW, std::size_t NB>
    requires(NW == In * Out &&
             NB == Out) constexpr dense_layer(std::type_identity_t<T> const (&W)[NW],
                                              std::type_identity_t<T> const (&b)[NB],
                                              Activation a = Activation{})
        : a_(std::move(a)) {
        set(W, NW, b, NB);
    }
    // Neuron r of the layer is neurons[r]; the activation is that of neurons[0] (every
    // neuron of a layer shares one).
    constexpr explicit dense_layer(std::array<neuron_type, Out> const& neurons) requires(Out > 0)
        : a_(neurons[0].activation()) {
        for (std::size_t r = 0; r < Out; ++r) {
            auto const w = neurons[r].weights();
            for (std::size_t i = 0; i < In; ++i) w_[index(r, i)] = w[i];
            b_[r] = neurons[r].bias();
        }
    }

    [[nodiscard]] static constexpr std::size_t inputs() noexcept { return In; }
    [[nodiscard]] static constexpr std::size_t outputs() noexcept { return Out; }

    // Replaces W (row-major, Out x In) and b, with the constructor's size checks (what a
    // learning rule does after each step; soma/backprop.hpp).
    template <detail::parameters_for<T, In * Out> WR, detail::parameters_for<T, Out> BR>
    SOMA_ABI constexpr void set_parameters(WR const& W, BR const& b) {
        set(std::ranges::data(W), detail::size_of(W), std::ranges::data(b), detail::size_of(b));
    }

    // W[r, i], the weight of input i in neuron r (r < Out, i < In).
    SOMA_ABI [[nodiscard]] constexpr T weight(std::size_t r, std::size_t i) const {
        check_row(r);
        if (i >= In) detail::throw_size_mismatch("soma::dense_layer::weight", "i", i, "In", In);
        return w_[index(r, i)];
    }
    SOMA_ABI [[nodiscard]] constexpr T bias(std::size_t r) const {
        check_row(r);
        return b_[r];
    }
    // W row-major (Out x In), whatever the layout the layer keeps.
    SOMA_ABI [[nodiscard]] constexpr weights_type weights() const noexcept {
        weights_type W{};
        for (std::size_t r = 0; r < Out; ++r) {
            for (std::size_t i = 0; i < In; ++i) W[r * In + i] = w_[index(r, i)];
        }
        return W;
    }
    [[nodiscard]] constexpr std::span<T const, Out> biases() const noexcept { return b_; }
    // Row r of W: the weights of neuron r.
    SOMA_ABI [[nodiscard]] constexpr input_type row(std::size_t r) const {
        check_row(r);
        input_type w{};
        for (std::size_t i = 0; i < In; ++i) w[i] = w_[index(r, i)];
        return w;
    }
    // Neuron r (weights row r, bias b_r, the layer's activation): layer(x)[r] is bitwise
    // neuron(r)(x).
    SOMA_ABI [[nodiscard]] constexpr neuron_type neuron(std::size_t r) const {
        return neuron_type(row(r), bias(r), a_);
    }
    [[nodiscard]] constexpr Activation const& activation() const noexcept { return a_; }

    // z = W x + b into z (Out values). x has In values; z must not overlap x.
    template <detail::input_for<T, In> X, detail::output_for<T, Out> Z>
    SOMA_ABI constexpr void weighted_inputs(X const& x, Z&& z) const {
        run(checked_x(x, "soma::dense_layer::weighted_inputs"),
            checked_y(z, x, "soma::dense_layer::weighted_inputs", "z"), false);
    }

    // y = a(W x + b) into y (Out values), without allocating. y must not overlap x.
    template <detail::input_for<T, In> X, detail::output_for<T, Out> Y>
    SOMA_ABI constexpr void forward(X const& x, Y&& y) const {
        run(checked_x(x, "soma::dense_layer::forward"),
            checked_y(y, x, "soma::dense_layer::forward", "y"), true);
    }
    template <detail::output_for<T, Out> Y>
    SOMA_ABI constexpr void forward(input_type const& x, Y&& y) const {
        run(x.data(), checked_y(y, x, "soma::dense_layer::forward", "y"), true);
    }

    // y = a(W x + b).
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(input_type const& x) const {
        output_type y{};
        run(x.data(), y.data(), true);
        return y;
    }
    template <detail::input_for<T, In> X>
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(X const& x) const {
        output_type y{};
        run(checked_x(x, "soma::dense_layer"), y.data(), true);
        return y;
    }

    // Y_k = a(W X_k + b) for every input k: X row-major (inputs x In), Y row-major
    // (inputs x Out), inputs = X.size() / In. Each Y_k is bitwise forward(X_k). Throws
    // std::invalid_argument when the sizes do not fit or Y overlaps X.
    SOMA_ABI constexpr void batch_forward(in_span<T> X, std::span<T> Y) const {
        constexpr char const* f = "soma::dense_layer::batch_forward";
        std::size_t const inputs = In != 0 ? X.size() / In : (Out != 0 ? Y.size() / Out : 0);
        if (In != 0 && X.size() % In != 0) {
            detail::throw_size_mismatch(f, "X", X.size(), "a multiple of In, In", In);
        }
        if (Y.size() != inputs * Out) {
            detail::throw_size_mismatch(f, "Y", Y.size(), "(X.size() / In) * Out", inputs * Out);
        }
        if (!std::is_constant_evaluated() && detail::overlap<T>(std::span<T const>(Y), X)) {
            detail::overlap_error(f, "Y", "X");
        }
        if constexpr (interleaved) {
            if (!std::is_constant_evaluated()) {
                if constexpr (std::same_as<Activation, sigmoid_activation>) {
                    detail::dense_batch_run<T, In, Out, true>(w_.data(), X.data(), b_.data(),
                                                              Y.data(), inputs);
                } else {
                    detail::dense_batch_run<T, In, Out, false>(w_.data(), X.data(), b_.data(),
                                                               Y.data(), inputs);
                    detail::activate_each(a_, Y.data(), inputs * Out);
                }
                return;
            }
        }
        for (std::size_t k = 0; k < inputs; ++k) run(X.data() + k * In, Y.data() + k * Out, true);
    }
    template <detail::layer_output Y>
    requires std::same_as<detail::layer_value_t<Y>, T> SOMA_ABI constexpr void batch_forward(
        in_span<T> X, Y&& Y_out) const {
        batch_forward(X, std::span<T>(std::ranges::data(Y_out), std::ranges::size(Y_out)));
    }

    SOMA_ABI friend constexpr bool operator==(dense_layer const& p, dense_layer const& q) {
        return p.w_ == q.w_ && p.b_ == q.b_;
    }

private:
    // Where W[r, i] is kept.
    SOMA_ABI [[nodiscard]] static constexpr std::size_t index(std::size_t r,
                                                              std::size_t i) noexcept {
        if constexpr (interleaved) {
            return detail::dense_offset<T, In, Out>(r, i);
        } else {
            return r * In + i;
        }
    }

    SOMA_ABI static constexpr void check_row(std::size_t r) {
        if (r >= Out) detail::throw_size_mismatch("soma::dense_layer", "r", r, "Out", Out);
    }

    SOMA_ABI constexpr void set(T const* W, std::size_t nw, T const* b, std::size_t nb) {
        if (nw != In * Out)
            detail::throw_size_mismatch("soma::dense_layer", "W", nw, "In * Out", In * Out);
        if (nb != Out) detail::throw_size_mismatch("soma::dense_layer", "b", nb, "Out", Out);
        for (std::size_t r = 0; r < Out; ++r) {
            for (std::size_t i = 0; i < In; ++i) w_[index(r, i)] = W[r * In + i];
            b_[r] = b[r];
        }
    }

    template <class X>
    SOMA_ABI [[nodiscard]] static constexpr T const* checked_x(X const& x, char const* where) {
        if constexpr (static_extent_v<X> == std::dynamic_extent) {
            if (detail::size_of(x) != In) {
                detail::throw_size_mismatch(where, "x", detail::size_of(x), "In", In);
            }
        }
        return std::ranges::data(x);
    }

    template <class Y, class X>
    SOMA_ABI [[nodiscard]] static constexpr T* checked_y(Y& y, X const& x, char const* where,
                                                         char const* name) {
        if constexpr (static_extent_v<Y> == std::dynamic_extent) {
            if (detail::size_of(y) != Out) {
                detail::throw_size_mismatch(where, name, detail::size_of(y), "Out", Out);
            }
        }
        if (!std::is_constant_evaluated()) {
            if constexpr (detail::ieee_binary<T>) {
                if (detail::overlap<T>(std::span<T const>(std::ranges::data(y), Out),
                                       std::span<T const>(std::ranges::data(x), In))) {
                    detail::overlap_error(where, name, "x");
                }
            }
        }
        return std::ranges::data(y);
    }

    // The definition: neuron r's own code, row by row (constant evaluation, and run time
    // for types without kernels).
    SOMA_ABI constexpr void run_scalar(T const* x, T* y, bool activate) const {
        for (std::size_t r = 0; r < Out; ++r) {
            input_type const w = row(r);
            T const z = detail::weighted_sum<T, In>(w.data(), x, In, true, b_[r]);
            y[r] = activate ? static_cast<T>(std::invoke(a_, z)) : z;
        }
    }

    SOMA_ABI constexpr void run(T const* x, T* y, bool activate) const {
        if constexpr (detail::ieee_binary<T>) {
            if (!std::is_constant_evaluated()) {
                if constexpr (interleaved) {
                    if constexpr (std::same_as<Activation, sigmoid_activation>) {
                        if (activate) {
                            detail::dense_fixed_run<T, In, Out, true>(w_.data(), x, b_.data(), y);
                            return;
                        }
                    }
                    detail::dense_fixed_run<T, In, Out, false>(w_.data(), x, b_.data(), y);
                    if (activate) detail::activate_each(a_, y, Out);
                } else if (activate) {
                    detail::forward_unchecked(w_.data(), Out, In, x, b_.data(), y, a_);
                } else {
                    detail::inner_products(w_.data(), Out, In, x, b_.data(), 1, y);
                }
                return;
            }
        }
        run_scalar(x, y, activate);
    }

    weights_type w_{};
    biases_type b_{};
    [[no_unique_address]] Activation a_{};
};

// The run-time-shaped layer: In and Out set by the constructor, parameters in std::vector,
// weights row-major. Evaluation goes through the multi-row kernels of soma/layer.hpp.
template <scalar T, class Activation>
requires activation_for<Activation, T>
class dense_layer<T, std::dynamic_extent, std::dynamic_extent, Activation> {
public:
    using value_type = T;
    using activation_type = Activation;
    using input_type = std::vector<T>;
    using output_type = std::vector<T>;
    using weights_type = std::vector<T>;
    using biases_type = std::vector<T>;
    using neuron_type = soma::neuron<T, std::dynamic_extent, Activation>;
    static constexpr std::size_t in_extent = std::dynamic_extent;
    static constexpr std::size_t out_extent = std::dynamic_extent;

    dense_layer() = default;

    // A layer of `outputs` neurons with `inputs` inputs each: W row-major, outputs x inputs
    // values; b, outputs values. Throws std::invalid_argument naming both sizes otherwise.
    template <detail::parameters_for<T, std::dynamic_extent> WR,
              detail::parameters_for<T, std::dynamic_extent> BR>
    dense_layer(std::size_t inputs, std::size_t outputs, WR const& W, BR const& b,
                Activation a = Activation{})
        : in_(inputs), out_(outputs), a_(std::move(a)) {
        constexpr char const* f = "soma::dense_layer";
        std::size_t const nw = detail::checked_product(f, outputs, inputs);
        if (detail::size_of(W) != nw) {
            detail::throw_size_mismatch(f, "W", detail::size_of(W), "inputs * outputs", nw);
        }
        if (detail::size_of(b) != outputs) {
            detail::throw_size_mismatch(f, "b", detail::size_of(b), "outputs", outputs);
        }
        w_.assign(std::ranges::data(W), std::ranges::data(W) + nw);
        b_.assign(std::ranges::data(b), std::ranges::data(b) + outputs);
    }
    // The same, with the number of inputs W.size() / b.size() (b must not be empty).
    template <detail::parameters_for<T, std::dynamic_extent> WR,
              detail::parameters_for<T, std::dynamic_extent> BR>
    dense_layer(WR const& W, BR const& b, Activation a = Activation{})
        : dense_layer(inputs_of(W, b), detail::size_of(b), W, b, std::move(a)) {}
    // A run-time copy of a layer of static shape.
    template <std::size_t In, std::size_t Out>
    requires(In !=
             std::dynamic_extent) explicit dense_layer(dense_layer<T, In, Out, Activation> const& l)
        : dense_layer(In, Out, l.weights(), l.biases(), l.activation()) {}

    [[nodiscard]] std::size_t inputs() const noexcept { return in_; }
    [[nodiscard]] std::size_t outputs() const noexcept { return out_; }

    // Replaces W (row-major, outputs x inputs) and b; the shape stays: throws
    // std::invalid_argument naming both sizes when W or b does not have its size.
    template <detail::parameters_for<T, std::dynamic_extent> WR,
              detail::parameters_for<T, std::dynamic_extent> BR>
    SOMA_ABI void set_parameters(WR const& W, BR const& b) {
        constexpr char const* f = "soma::dense_layer::set_parameters";
        if (detail::size_of(W) != w_.size()) {
            detail::throw_size_mismatch(f, "W", detail::size_of(W), "inputs * outputs", w_.size());
        }
        if (detail::size_of(b) != b_.size()) {
            detail::throw_size_mismatch(f, "b", detail::size_of(b), "outputs", b_.size());
        }
        std::ranges::copy(std::span<T const>(std::ranges::data(W), w_.size()), w_.begin());
        std::ranges::copy(std::span<T const>(std::ranges::data(b), b_.size()), b_.begin());
    }
    SOMA_ABI [[nodiscard]] T weight(std::size_t r, std::size_t i) const {
        check_row(r);
        if (i >= in_) detail::throw_size_mismatch("soma::dense_layer::weight", "i", i, "In", in_);
        return w_[r * in_ + i];
    }
    SOMA_ABI [[nodiscard]] T bias(std::size_t r) const {
        check_row(r);
        return b_[r];
    }
    [[nodiscard]] std::span<T const> weights() const noexcept { return w_; }
    [[nodiscard]] std::span<T const> biases() const noexcept { return b_; }
    SOMA_ABI [[nodiscard]] std::span<T const> row(std::size_t r) const {
        check_row(r);
        return std::span<T const>(w_).subspan(r * in_, in_);
    }
    SOMA_ABI [[nodiscard]] neuron_type neuron(std::size_t r) const {
        auto const w = row(r);
        return neuron_type(std::vector<T>(w.begin(), w.end()), b_[r], a_);
    }
    [[nodiscard]] Activation const& activation() const noexcept { return a_; }

    template <detail::input_for<T, std::dynamic_extent> X,
              detail::output_for<T, std::dynamic_extent> Z>
    SOMA_ABI void weighted_inputs(X const& x, Z&& z) const {
        constexpr char const* f = "soma::dense_layer::weighted_inputs";
        run(checked_x(x, f), checked_y(z, x, f, "z"), false);
    }
    template <detail::input_for<T, std::dynamic_extent> X,
              detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(X const& x, Y&& y) const {
        constexpr char const* f = "soma::dense_layer::forward";
        run(checked_x(x, f), checked_y(y, x, f, "y"), true);
    }
    template <detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(std::initializer_list<T> x, Y&& y) const {
        forward(std::span<T const>(x.begin(), x.size()), std::forward<Y>(y));
    }
    template <detail::input_for<T, std::dynamic_extent> X>
    SOMA_ABI [[nodiscard]] output_type operator()(X const& x) const {
        output_type y(out_);
        run(checked_x(x, "soma::dense_layer"), y.data(), true);
        return y;
    }
    SOMA_ABI [[nodiscard]] output_type operator()(std::initializer_list<T> x) const {
        return (*this)(std::span<T const>(x.begin(), x.size()));
    }

    // As the static form's batch_forward: X inputs x In, Y inputs x Out, each Y_k bitwise
    // forward(X_k).
    SOMA_ABI void batch_forward(in_span<T> X, std::span<T> Y) const {
        constexpr char const* f = "soma::dense_layer::batch_forward";
        std::size_t const inputs = in_ != 0 ? X.size() / in_ : (out_ != 0 ? Y.size() / out_ : 0);
        if (in_ != 0 && X.size() % in_ != 0) {
            detail::throw_size_mismatch(f, "X", X.size(), "a multiple of In, In", in_);
        }
        if (Y.size() != inputs * out_) {
            detail::throw_size_mismatch(f, "Y", Y.size(), "(X.size() / In) * Out", inputs * out_);
        }
        if constexpr (detail::ieee_binary<T>) {
            if (detail::overlap<T>(std::span<T const>(Y), X)) detail::overlap_error(f, "Y", "X");
            detail::batch_forward_unchecked(w_.data(), out_, in_, X.data(), inputs, b_.data(),
                                            Y.data(), a_);
        } else {
            for (std::size_t k = 0; k < inputs; ++k) {
                run(X.data() + k * in_, Y.data() + k * out_, true);
            }
        }
    }
    template <detail::layer_output Y>
    requires std::same_as<detail::layer_value_t<Y>, T> SOMA_ABI void batch_forward(
        in_span<T> X, Y&& Y_out) const {
        batch_forward(X, std::span<T>(std::ranges::data(Y_out), std::ranges::size(Y_out)));
    }

    SOMA_ABI friend bool operator==(dense_layer const& p, dense_layer const& q) {
        return p.in_ == q.in_ && p.w_ == q.w_ && p.b_ == q.b_;
    }

private:
    template <class WR, class BR>
    SOMA_ABI static std::size_t inputs_of(WR const& W, BR const& b) {
        std::size_t const nw = detail::size_of(W);
        std::size_t const nb = detail::size_of(b);
        if (nb == 0) detail::throw_size_mismatch("soma::dense_layer", "b", 0, "at least", 1);
        if (nw % nb != 0) {
            detail::throw_size_mismatch("soma::dense_layer", "W", nw, "a multiple of b, b", nb);
        }
        return nw / nb;
    }

    SOMA_ABI void check_row(std::size_t r) const {
        if (r >= out_) detail::throw_size_mismatch("soma::dense_layer", "r", r, "Out", out_);
    }

    template <class X>
    SOMA_ABI T const* checked_x(X const& x, char const* where) const {
        if (detail::size_of(x) != in_) {
            detail::throw_size_mismatch(where, "x", detail::size_of(x), "In", in_);
        }
        return std::ranges::data(x);
    }

    template <class Y, class X>
    SOMA_ABI T* checked_y(Y& y, X const& x, char const* where, char const* name) const {
        if (detail::size_of(y) != out_) {
            detail::throw_size_mismatch(where, name, detail::size_of(y), "Out", out_);
        }
        if constexpr (detail::ieee_binary<T>) {
            if (detail::overlap<T>(std::span<T const>(std::ranges::data(y), out_),
                                   std::span<T const>(std::ranges::data(x), in_))) {
                detail::overlap_error(where, name, "x");
            }
        }
        return std::ranges::data(y);
    }

    SOMA_ABI void run(T const* x, T* y, bool activate) const {
        if constexpr (detail::ieee_binary<T>) {
            if (activate) {
                detail::forward_unchecked(w_.data(), out_, in_, x, b_.data(), y, a_);
            } else {
                detail::inner_products(w_.data(), out_, in_, x, b_.data(), 1, y);
            }
        } else {
            for (std::size_t r = 0; r < out_; ++r) {
                T const z = detail::weighted_sum<T>(w_.data() + r * in_, x, in_, true, b_[r]);
                y[r] = activate ? static_cast<T>(std::invoke(a_, z)) : z;
            }
        }
    }

    std::size_t in_ = 0;
    std::size_t out_ = 0;
    std::vector<T> w_;
    std::vector<T> b_;
    [[no_unique_address]] Activation a_{};
};

// The run-time-shaped layer of T with activation A.
template <scalar T, class Activation = sigmoid_activation>
using dynamic_dense_layer = dense_layer<T, std::dynamic_extent, std::dynamic_extent, Activation>;

}  // namespace soma

#endif  // SOMA_DENSE_LAYER_HPP
