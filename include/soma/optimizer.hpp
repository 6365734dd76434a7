// soma/optimizer.hpp - how a gradient changes the parameters: gradient descent, momentum,
// Adam and RPROP, and fit(), the loop over epochs and mini-batches.
//
// An optimizer is a type with
//   prepare(p)           make its state for parameters shaped like p (before the epochs:
//                        the only allocation)
//   step(p, g, s)        update p from the gradient sum g of a batch, s = 1 / its size
// over soma::network_parameters (soma/backprop.hpp). Each one is written with explicit
// fused multiply-adds in a fixed order, so that its steps have the same bits everywhere.
#ifndef SOMA_OPTIMIZER_HPP
#define SOMA_OPTIMIZER_HPP

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "soma/backprop.hpp"
#include "soma/data.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/fma.hpp"
#include "soma/random.hpp"

namespace soma {

// w ← w - η s g: w_j = fma(-η s, g_j, w_j) (one rounding per weight).
template <std::floating_point T>
struct gradient_descent {
    T learning_rate = T(0.1);

    template <class P>
    void prepare(P const&) noexcept {}
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T scale) const noexcept {
        auto const& k = detail::training_kernels<T>();
        T const a = -(learning_rate * scale);
        auto const ps = p.spans();
        auto const gs = g.spans();
        for (std::size_t j = 0; j < ps.size(); ++j)
            k.axpy(a, gs[j].data(), ps[j].data(), ps[j].size());
    }
};

// Gradient descent with momentum (Polyak's heavy ball):
//   v ← μ v - η s g,   w ← w + v,
// as v_j = fma(μ, v_j, (-η s) g_j), then w_j + v_j; v starts at 0.
template <std::floating_point T>
class momentum {
public:
    T learning_rate;
    T mu;

    constexpr explicit momentum(T learning_rate_ = T(0.1), T mu_ = T(0.9)) noexcept
        : learning_rate(learning_rate_), mu(mu_) {}

    template <class P>
    void prepare(P const& p) {
        velocity_.assign(p.size(), T(0));
    }
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T scale) noexcept {
        auto const& k = detail::training_kernels<T>();
        T const a = -(learning_rate * scale);
        auto const ps = p.spans();
        auto const gs = g.spans();
        std::size_t offset = 0;
        for (std::size_t j = 0; j < ps.size(); ++j) {
            k.momentum_step(mu, a, gs[j].data(), velocity_.data() + offset, ps[j].data(),
                            ps[j].size());
            offset += ps[j].size();
        }
    }

private:
    std::vector<T> velocity_;
};

// Adam (Kingma and Ba, 2015), step t = 1, 2, ... with the mean gradient ĝ = s g:
//   m ← β1 m + (1 - β1) ĝ,   v ← β2 v + (1 - β2) ĝ²,
//   w ← w - η_t m / (sqrt(v) + ε_t),   η_t = η sqrt(1 - β2^t) / (1 - β1^t),
//   ε_t = ε sqrt(1 - β2^t)
// (the paper's bias correction folded into η_t and ε_t, its section 2). m and v are
// fused multiply-adds, β^t a running product; sqrt and the quotient are correctly rounded.
template <std::floating_point T>
class adam {
public:
    T learning_rate;
    T beta1;
    T beta2;
    T epsilon;

    constexpr explicit adam(T learning_rate_ = T(0.001), T beta1_ = T(0.9), T beta2_ = T(0.999),
                            T epsilon_ = T(1e-8)) noexcept
        : learning_rate(learning_rate_), beta1(beta1_), beta2(beta2_), epsilon(epsilon_) {}

    template <class P>
    void prepare(P const& p) {
        m_.assign(p.size(), T(0));
        v_.assign(p.size(), T(0));
        beta1_t_ = T(1);
        beta2_t_ = T(1);
    }
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T scale) noexcept {
        beta1_t_ = beta1_t_ * beta1;
        beta2_t_ = beta2_t_ * beta2;
        T const root = std::sqrt(T(1) - beta2_t_);
        T const eta = learning_rate * root / (T(1) - beta1_t_);
        T const eps = epsilon * root;
        T const c1 = T(1) - beta1;
        T const c2 = T(1) - beta2;
        auto const ps = p.spans();
        auto const gs = g.spans();
        std::size_t j = 0;
        for (std::size_t s = 0; s < ps.size(); ++s) {
            for (std::size_t i = 0; i < ps[s].size(); ++i, ++j) {
                T const gm = gs[s][i] * scale;
                m_[j] = detail::fma(beta1, m_[j], c1 * gm);
                v_[j] = detail::fma(beta2, v_[j], (c2 * gm) * gm);
                ps[s][i] = ps[s][i] - (eta * m_[j]) / (std::sqrt(v_[j]) + eps);
            }
        }
    }

private:
    std::vector<T> m_;
    std::vector<T> v_;
    T beta1_t_ = T(1);
    T beta2_t_ = T(1);
};

// Resilient backpropagation, iRPROP- (Riedmiller and Braun, 1993; Igel and Hüsken, 2000):
// each parameter has its own step Δ_j, which only the sign of its gradient steers:
//   g_j g'_j > 0:  Δ_j ← min(η⁺ Δ_j, Δ_max),  w_j ← w_j - sign(g_j) Δ_j
//   g_j g'_j < 0:  Δ_j ← max(η⁻ Δ_j, Δ_min),  g_j ← 0 (no step; the next one starts afresh)
//   otherwise:     w_j ← w_j - sign(g_j) Δ_j
// with g' the gradient of the previous step, Δ_j = Δ₀ at first. Meant for whole-batch
// gradients (fit_options::batch_size = 0); the scale does not matter, only signs do. Every
// operation is a product by a constant, a comparison or an exact sign change.
template <std::floating_point T>
class rprop {
public:
    T increase;
    T decrease;
    T initial_step;
    T max_step;
    T min_step;

    constexpr explicit rprop(T increase_ = T(1.2), T decrease_ = T(0.5), T initial_step_ = T(0.1),
                             T max_step_ = T(50), T min_step_ = T(0)) noexcept
        : increase(increase_),
          decrease(decrease_),
          initial_step(initial_step_),
          max_step(max_step_),
          min_step(min_step_) {}

    template <class P>
    void prepare(P const& p) {
        step_.assign(p.size(), initial_step);
        previous_.assign(p.size(), T(0));
    }
    template <class P>
    SOMA_ABI void step(P& p, P const& g, T) noexcept {
        auto const ps = p.spans();
        auto const gs = g.spans();
        std::size_t j = 0;
        for (std::size_t s = 0; s < ps.size(); ++s) {
            for (std::size_t i = 0; i < ps[s].size(); ++i, ++j) {
                T grad = gs[s][i];
                T const sign_change = grad * previous_[j];
                if (sign_change > 0) {
                    T const up = step_[j] * increase;
                    step_[j] = up < max_step ? up : max_step;
                } else if (sign_change < 0) {
                    T const down = step_[j] * decrease;
                    step_[j] = down > min_step ? down : min_step;
                    grad = T(0);
                }
                if (grad > 0) {
                    ps[s][i] = ps[s][i] - step_[j];
                } else if (grad < 0) {
                    ps[s][i] = ps[s][i] + step_[j];
                }
                previous_[j] = grad;
            }
        }
    }

private:
    std::vector<T> step_;
    std::vector<T> previous_;
};

// How fit() walks the data.
struct fit_options {
    std::size_t epochs = 100;
    // Examples per step; 0: all of them (batch gradient descent).
    std::size_t batch_size = 32;
    // The order of the examples is shuffled every epoch by soma::shuffle from a
    // random_generator seeded with `seed` (one generator for the whole fit).
    bool shuffle = true;
    std::uint64_t seed = 0;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {
struct no_epoch_callback {
    constexpr void operator()(std::size_t, double) const noexcept {}
};
}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Trains bp's parameters on the examples (X row-major: examples x inputs, Y row-major:
// examples x outputs) for o.epochs epochs. Each epoch takes the examples in a shuffled
// (or the given) order, in batches of o.batch_size: the gradient summed over the batch,
// then opt.step(parameters, gradient, 1 / batch). on_epoch(epoch, mean loss) is called
// after each epoch (epochs count from 1). Returns the mean loss of every epoch (the loss
// of each example as it was met during the epoch). Allocates before the first epoch only.
// Throws std::invalid_argument when X and Y do not hold the same number of examples.
template <class BP, class Optimizer, class OnEpoch = detail::no_epoch_callback>
SOMA_ABI std::vector<double> fit(BP& bp, std::span<typename BP::value_type const> X,
                                 std::span<typename BP::value_type const> Y, Optimizer& opt,
                                 fit_options const& o = {}, OnEpoch&& on_epoch = {}) {
    using T = typename BP::value_type;
    std::size_t const in = bp.inputs();
    std::size_t const out = bp.outputs();
    std::size_t const n = in != 0 ? X.size() / in : 0;
    if (X.size() != n * in) {
        detail::throw_size_mismatch("soma::fit", "X", X.size(), "a multiple of the inputs,", in);
    }
    if (Y.size() != n * out) {
        detail::throw_size_mismatch("soma::fit", "Y", Y.size(), "examples * outputs", n * out);
    }
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<double> history;
    history.reserve(o.epochs);
    opt.prepare(bp.parameters());
    random_generator g(o.seed);
    std::size_t const batch = o.batch_size == 0 || o.batch_size > n ? n : o.batch_size;
    for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
        if (o.shuffle) soma::shuffle(std::span<std::size_t>(order), g);
        double total = 0;
        for (std::size_t first = 0; first < n; first += batch) {
            std::size_t const count = n - first < batch ? n - first : batch;
            bp.zero_gradients();
            for (std::size_t k = first; k < first + count; ++k) {
                std::size_t const e = order[k];
                total += static_cast<double>(
                    bp.accumulate(X.subspan(e * in, in), Y.subspan(e * out, out)));
            }
            opt.step(bp.parameters(), bp.gradients(), T(1) / static_cast<T>(count));
        }
        double const mean = n != 0 ? total / static_cast<double>(n) : 0.0;
        history.push_back(mean);
        on_epoch(epoch, mean);
    }
    return history;
}

// The same for a soma::dataset (soma/data.hpp: read_fann, read_csv): its inputs and outputs.
// Throws std::invalid_argument when its numbers of inputs and outputs are not the network's.
template <class BP, class Optimizer, class OnEpoch = detail::no_epoch_callback>
SOMA_ABI std::vector<double> fit(BP& bp, dataset<typename BP::value_type> const& data,
                                 Optimizer& opt, fit_options const& o = {},
                                 OnEpoch&& on_epoch = {}) {
    if (data.inputs() != bp.inputs()) {
        detail::throw_size_mismatch("soma::fit", "the data's inputs", data.inputs(),
                                    "the network's", bp.inputs());
    }
    if (data.outputs() != bp.outputs()) {
        detail::throw_size_mismatch("soma::fit", "the data's outputs", data.outputs(),
                                    "the network's", bp.outputs());
    }
    return soma::fit(bp, data.inputs_matrix(), data.outputs_matrix(), opt, o,
                     std::forward<OnEpoch>(on_epoch));
}

}  // namespace soma

#endif  // SOMA_OPTIMIZER_HPP
