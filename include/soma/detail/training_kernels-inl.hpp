// soma/detail/training_kernels-inl.hpp - the sums of backpropagation, written once over an
// ISA's vocabulary.
//
// No include guard, on purpose: soma/backprop.hpp includes this file (with
// SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE defined) inside each ISA's namespace (avx512,
// avx2, neon, portable) and, on x86-64, inside that ISA's target region, after the ISA's
// vocabulary has defined vec<T> there.
//
// The order: every sum here is a chain of fused multiply-adds in increasing index order,
// one chain per output element, s = fma(a_k, b_k, s) for k = 0, 1, ... The kernels
// vectorize across the independent chains (L output elements per register), never along a
// chain, so each chain sees the same operations whatever L is: the same bits on every ISA
// (an fma is correctly rounded everywhere) and with every compiler (every fused operation
// is explicit; no plain product feeds a plain sum, so contraction has nothing to fuse).
// The weighted inputs of the forward pass are the layers' own canonical inner products.

#if !defined(SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE)
#error "soma/detail/training_kernels-inl.hpp is included by soma/backprop.hpp only"
#endif

// y_i = fma(a, x_i, y_i), i < n.
template <ieee_binary T>
[[gnu::always_inline]] inline void fused_axpy(T a, T const* x, T* y, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const va = V::splat(a);
    std::size_t i = 0;
    // Two registers per step: the chains are independent, so this is load/store bound
    // (two loads and one store per fma); unrolling further gains nothing measurable.
    for (; i + 2 * L <= n; i += 2 * L) {
        auto const y0 = V::fma(va, V::load(x + i), V::load(y + i));
        auto const y1 = V::fma(va, V::load(x + i + L), V::load(y + i + L));
        V::store(y + i, y0);
        V::store(y + i + L, y1);
    }
    for (; i + L <= n; i += L) V::store(y + i, V::fma(va, V::load(x + i), V::load(y + i)));
    // The last n - i < L elements one at a time (the same fma, rounded once): a masked
    // store here and the masked load of the next row's tail, in the same cache line,
    // cannot be forwarded; measured, AVX-512, a 8-16-2 network: the stalls were a third of
    // the training time.
    for (; i < n; ++i) y[i] = detail::fma(a, x[i], y[i]);
}

// The gradient of one example, added: G[r, i] = fma(delta_r, x_i, G[r, i]) (G row-major,
// rows x n) and g_r = g_r + delta_r, r < rows.
template <ieee_binary T>
void accumulate_outer(T const* delta, std::size_t rows, T const* x, std::size_t n, T* G,
                      T* g) noexcept {
    for (std::size_t r = 0; r < rows; ++r) {
        fused_axpy<T>(delta[r], x, G + r * n, n);
        g[r] = g[r] + delta[r];
    }
}

// The same sums kept transposed: Gt[i, r] = fma(x_i, delta_r, Gt[i, r]) (Gt row-major,
// n x rows), g_r = g_r + delta_r. fma(x, δ, G) = fma(δ, x, G) bit for bit, so the chains
// are those of accumulate_outer; for rows shorter than a register and columns at least one
// register long (8 inputs, 16 neurons) this keeps every fma in full registers.
template <ieee_binary T>
void accumulate_outer_transposed(T const* delta, std::size_t rows, T const* x, std::size_t n, T* Gt,
                                 T* g) noexcept {
    for (std::size_t i = 0; i < n; ++i) fused_axpy<T>(x[i], delta, Gt + i * rows, rows);
    for (std::size_t r = 0; r < rows; ++r) g[r] = g[r] + delta[r];
}

// e_i = Σ_r W[r, i] delta_r (W row-major, rows x n): the chain for e_i starts at -0 and
// adds fma(W[r, i], delta_r, e_i) for r = 0, 1, ..., rows - 1. Four registers of outputs
// per pass over the rows: four independent chains hide the fma latency (4 cycles), and
// each row's four loads are contiguous.
template <ieee_binary T>
void transposed_product(T const* W, std::size_t rows, std::size_t n, T const* delta,
                        T* e) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const negative_zero = V::splat(T(-0.0));
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L) {
        auto e0 = negative_zero, e1 = negative_zero, e2 = negative_zero, e3 = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            T const* const w = W + r * n + i;
            auto const d = V::splat(delta[r]);
            e0 = V::fma(V::load(w), d, e0);
            e1 = V::fma(V::load(w + L), d, e1);
            e2 = V::fma(V::load(w + 2 * L), d, e2);
            e3 = V::fma(V::load(w + 3 * L), d, e3);
        }
        V::store(e + i, e0);
        V::store(e + i + L, e1);
        V::store(e + i + 2 * L, e2);
        V::store(e + i + 3 * L, e3);
    }
    for (; i + L <= n; i += L) {
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load(W + r * n + i), V::splat(delta[r]), s);
        }
        V::store(e + i, s);
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto s = negative_zero;
        for (std::size_t r = 0; r < rows; ++r) {
            s = V::fma(V::load_first(W + r * n + i, c, negative_zero), V::splat(delta[r]), s);
        }
        V::store_first(e + i, s, c);
    }
}

// One step of gradient descent with momentum, element by element:
//   v_j = fma(mu, v_j, a·g_j),  w_j = w_j + v_j     (a = -learning rate · scale).
// mu = 0 is plain gradient descent: v_j = a·g_j + 0 (the same value as fma(a, g_j, 0)).
template <ieee_binary T>
void momentum_step(T mu, T a, T const* grad, T* velocity, T* w, std::size_t n) noexcept {
    using V = vec<T>;
    constexpr std::size_t L = V::lanes;
    auto const vmu = V::splat(mu);
    auto const va = V::splat(a);
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        auto const v = V::fma(vmu, V::load(velocity + i), V::mul(va, V::load(grad + i)));
        V::store(velocity + i, v);
        V::store(w + i, V::add(V::load(w + i), v));
    }
    if (i < n) {
        std::size_t const c = n - i;
        auto const z = V::zero();
        auto const v = V::fma(vmu, V::load_first(velocity + i, c, z),
                              V::mul(va, V::load_first(grad + i, c, z)));
        V::store_first(velocity + i, v, c);
        V::store_first(w + i, V::add(V::load_first(w + i, c, z), v), c);
    }
}

// The kernels of this ISA, as one table (soma/backprop.hpp chooses one). With
// SOMA_SEPARATE_KERNELS only the SOMA_KERNELS_IMPLEMENTATION translation unit defines it.
#if defined(SOMA_SEPARATE_KERNELS) && !defined(SOMA_KERNELS_IMPLEMENTATION)
extern training_tables const training_table;
#else
SOMA_DETAIL_KERNEL_TABLE training_tables training_table{
    {vec<float>::lanes, &accumulate_outer<float>, &accumulate_outer_transposed<float>,
     &transposed_product<float>, &momentum_step<float>, &fused_axpy<float>},
    {vec<double>::lanes, &accumulate_outer<double>, &accumulate_outer_transposed<double>,
     &transposed_product<double>, &momentum_step<double>, &fused_axpy<double>}};
#endif
