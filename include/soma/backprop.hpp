// soma/backprop.hpp - neurons learn: the gradient of a loss with respect to every weight
// and bias of a soma::network, by backpropagation.
//
// For layers k = 1..L with y_0 = x, z_k = W_k y_{k-1} + b_k and y_k = a_k(z_k), and a loss
// E(y_L, t) (soma/loss.hpp):
//   δ_L = ∂E/∂z_L                                  (the loss's output_delta)
//   δ_k = (W_{k+1}ᵀ δ_{k+1}) ⊙ a_k'(z_k)            k = L-1, ..., 1
//   ∂E/∂W_k = δ_k y_{k-1}ᵀ,   ∂E/∂b_k = δ_k
// (the chain rule; for the sigmoid a'(z) = σ(z)(1 - σ(z)) = y(1 - y), from the output).
//
// Reproducible training, the contract: the same data, initial parameters and settings
// give the same bits of every gradient, hence of every trained weight, on every target
// (portable, AVX2, AVX-512, NEON), with every compiler and optimization level. The
// forward pass is the layers' own (canonical inner products, the activations' bitwise
// array forms); every other sum -- over the rows in W_{k+1}ᵀ δ_{k+1}, over the examples
// of a batch in the gradients -- is a chain of fused multiply-adds in increasing index
// order, vectorized only across independent chains (soma/detail/training_kernels-inl.hpp).
// Nothing is reordered with the SIMD width, and nothing is left for the compiler to fuse.
#ifndef SOMA_BACKPROP_HPP
#define SOMA_BACKPROP_HPP

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "soma/activation.hpp"
#include "soma/dense_layer.hpp"
#include "soma/detail/config.hpp"
#include "soma/detail/dispatch.hpp"
#include "soma/detail/errors.hpp"
#include "soma/detail/fma.hpp"
#include "soma/loss.hpp"
#include "soma/network.hpp"
#include "soma/random.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// The kernels of backpropagation and of the optimizers, for one ISA.
template <ieee_binary T>
struct training_kernels_of {
    // The ISA's register width in values of T (what the kernels vectorize across).
    std::size_t lanes;
    // G[r, i] = fma(delta_r, x_i, G[r, i]), g_r = g_r + delta_r (r < rows, i < n).
    void (*accumulate_outer)(T const* delta, std::size_t rows, T const* x, std::size_t n, T* G,
                             T* g) noexcept;
    // The same chains into Gt[i, r] (n x rows, row-major).
    void (*accumulate_outer_transposed)(T const* delta, std::size_t rows, T const* x, std::size_t n,
                                        T* Gt, T* g) noexcept;
    // e_i = Σ_r W[r, i] delta_r, in increasing r, from -0 (i < n).
    void (*transposed_product)(T const* W, std::size_t rows, std::size_t n, T const* delta,
                               T* e) noexcept;
    // v_j = fma(mu, v_j, a·g_j), w_j = w_j + v_j (j < n).
    void (*momentum_step)(T mu, T a, T const* g, T* v, T* w, std::size_t n) noexcept;
    // y_j = fma(a, x_j, y_j) (j < n).
    void (*axpy)(T a, T const* x, T* y, std::size_t n) noexcept;
};

// One ISA's training kernels for float and double (each ISA's `training_table`; defined
// once with SOMA_SEPARATE_KERNELS, as the kernel tables are: soma/detail/config.hpp).
struct training_tables {
    training_kernels_of<float> f32;
    training_kernels_of<double> f64;

    template <ieee_binary T>
    [[nodiscard]] constexpr training_kernels_of<T> const& of() const noexcept {
        if constexpr (std::same_as<T, float>) {
            return f32;
        } else {
            return f64;
        }
    }
};

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#if defined(SOMA_X86_KERNELS)
SOMA_DETAIL_TARGET_AVX512_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512 {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
#include "soma/detail/training_kernels-inl.hpp"
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx512
SOMA_DETAIL_TARGET_END

SOMA_DETAIL_TARGET_AVX2_BEGIN
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2 {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
#include "soma/detail/training_kernels-inl.hpp"
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::avx2
SOMA_DETAIL_TARGET_END
#endif

#if defined(SOMA_NEON_KERNELS)
namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
#include "soma/detail/training_kernels-inl.hpp"
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::neon
#endif

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable {
#define SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE 1
#include "soma/detail/training_kernels-inl.hpp"
#undef SOMA_DETAIL_TRAINING_KERNELS_INL_INSIDE
}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE::portable

namespace soma {

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// ISA i's training kernels; the portable ones when this build has none for i.
template <ieee_binary T>
[[nodiscard]] constexpr training_kernels_of<T> const& training_kernels_for(isa i) noexcept {
#if defined(SOMA_X86_KERNELS)
    if (i == isa::avx512) return avx512::training_table.of<T>();
    if (i == isa::avx2_fma) return avx2::training_table.of<T>();
#endif
#if defined(SOMA_NEON_KERNELS)
    if (i == isa::neon) return neon::training_table.of<T>();
#endif
    (void)i;
    return portable::training_table.of<T>();
}

// The training kernels of the ISA the table kernels() chose, chosen once.
template <ieee_binary T>
[[nodiscard]] inline training_kernels_of<T> const& training_kernels() noexcept {
    if constexpr (runtime_dispatch) {
        static training_kernels_of<T> const* const chosen = &training_kernels_for<T>(kernels().id);
        return *chosen;
    } else {
        return training_kernels_for<T>(compiled_isa);
    }
}

template <class T, std::size_t N>
using vector_of = std::conditional_t<N == std::dynamic_extent, std::vector<T>, std::array<T, N>>;

template <class T, std::size_t N>
[[nodiscard]] constexpr vector_of<T, N> make_vector(std::size_t n) {
    if constexpr (N == std::dynamic_extent) {
        return std::vector<T>(n);
    } else {
        (void)n;
        return std::array<T, N>{};
    }
}

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// The parameters of one dense layer, row-major: W (outputs x inputs; W[r * inputs + i] is
// weight i of neuron r) and b. Static extents keep them in std::array (no allocation),
// run-time ones in std::vector. The same type holds a layer's gradient ∂E/∂W, ∂E/∂b.
template <class T, std::size_t In, std::size_t Out>
class layer_parameters {
public:
    using value_type = T;

    constexpr layer_parameters() requires(In != std::dynamic_extent) = default;
    constexpr layer_parameters(std::size_t inputs, std::size_t outputs)
        : in_(inputs),
          out_(outputs),
          W_(detail::make_vector<T, detail::extent_product<In, Out>>(inputs * outputs)),
          b_(detail::make_vector<T, Out>(outputs)) {}

    [[nodiscard]] constexpr std::size_t inputs() const noexcept { return in_; }
    [[nodiscard]] constexpr std::size_t outputs() const noexcept { return out_; }
    [[nodiscard]] constexpr std::span<T> weights() noexcept { return W_; }
    [[nodiscard]] constexpr std::span<T const> weights() const noexcept { return W_; }
    [[nodiscard]] constexpr std::span<T> biases() noexcept { return b_; }
    [[nodiscard]] constexpr std::span<T const> biases() const noexcept { return b_; }
    // W[r, i].
    [[nodiscard]] constexpr T& weight(std::size_t r, std::size_t i) noexcept {
        return W_[r * in_ + i];
    }
    [[nodiscard]] constexpr T weight(std::size_t r, std::size_t i) const noexcept {
        return W_[r * in_ + i];
    }

    friend constexpr bool operator==(layer_parameters const&, layer_parameters const&) = default;

private:
    std::size_t in_ = In;
    std::size_t out_ = Out;
    detail::vector_of<T, detail::extent_product<In, Out>> W_{};
    detail::vector_of<T, Out> b_{};
};

template <class Net>
class network_parameters;

// Every layer's parameters of a soma::network of dense layers, in layer order. spans()
// lists them as W_1, b_1, W_2, b_2, ...: what an optimizer walks.
template <class... Layers>
class network_parameters<network<Layers...>> {
public:
    using network_type = network<Layers...>;
    using value_type = typename network_type::value_type;
    static constexpr std::size_t depth = sizeof...(Layers);

    // The shapes of net's layers, every value 0.
    explicit constexpr network_parameters(network_type const& net)
        : layers_(make(net, std::index_sequence_for<Layers...>{})) {}

    template <std::size_t K>
    [[nodiscard]] constexpr auto& layer() noexcept {
        return std::get<K>(layers_);
    }
    template <std::size_t K>
    [[nodiscard]] constexpr auto const& layer() const noexcept {
        return std::get<K>(layers_);
    }

    [[nodiscard]] constexpr std::array<std::span<value_type>, 2 * depth> spans() noexcept {
        return spans_of<value_type>(*this, std::index_sequence_for<Layers...>{});
    }
    [[nodiscard]] constexpr std::array<std::span<value_type const>, 2 * depth> spans()
        const noexcept {
        return spans_of<value_type const>(*this, std::index_sequence_for<Layers...>{});
    }
    // The number of parameters (weights and biases) of all layers.
    [[nodiscard]] constexpr std::size_t size() const noexcept {
        std::size_t n = 0;
        for (auto const& s : spans()) n += s.size();
        return n;
    }
    constexpr void fill(value_type v) noexcept {
        for (auto const& s : spans()) {
            for (value_type& p : s) p = v;
        }
    }

    // The parameters of net's layers.
    [[nodiscard]] static constexpr network_parameters of(network_type const& net) {
        network_parameters p(net);
        p.read(net, std::index_sequence_for<Layers...>{});
        return p;
    }
    // Writes these parameters into net's layers (the shapes must be net's).
    constexpr void store(network_type& net) const {
        store_into(net, std::index_sequence_for<Layers...>{});
    }

    friend constexpr bool operator==(network_parameters const&,
                                     network_parameters const&) = default;

private:
    using tuple_type =
        std::tuple<layer_parameters<value_type, Layers::in_extent, Layers::out_extent>...>;

    template <std::size_t... K>
    static constexpr tuple_type make(network_type const& net, std::index_sequence<K...>) {
        return tuple_type(std::tuple_element_t<K, tuple_type>(
            net.template layer<K>().inputs(), net.template layer<K>().outputs())...);
    }
    template <class V, class Self, std::size_t... K>
    static constexpr std::array<std::span<V>, 2 * depth> spans_of(Self& self,
                                                                  std::index_sequence<K...>) {
        std::array<std::span<V>, 2 * depth> s{};
        ((s[2 * K] = std::get<K>(self.layers_).weights(),
          s[2 * K + 1] = std::get<K>(self.layers_).biases()),
         ...);
        return s;
    }
    template <std::size_t... K>
    constexpr void read(network_type const& net, std::index_sequence<K...>) {
        (read_layer<K>(net), ...);
    }
    template <std::size_t K>
    constexpr void read_layer(network_type const& net) {
        auto const& l = net.template layer<K>();
        auto& p = std::get<K>(layers_);
        auto const W = l.weights();
        auto const b = l.biases();
        for (std::size_t j = 0; j < p.weights().size(); ++j) p.weights()[j] = W[j];
        for (std::size_t j = 0; j < p.biases().size(); ++j) p.biases()[j] = b[j];
    }
    template <std::size_t... K>
    constexpr void store_into(network_type& net, std::index_sequence<K...>) const {
        (net.template set_parameters<K>(std::get<K>(layers_).weights(),
                                        std::get<K>(layers_).biases()),
         ...);
    }

    tuple_type layers_;
};

// Initial weights from a seed: layer by layer, W row-major, each weight uniform in
// [-l, l] with l = sqrt(6 / (inputs + outputs)) (Glorot and Bengio, 2010: the variance
// 2 / (inputs + outputs) keeps the signal's scale through tanh and sigmoid layers), drawn
// as random_generator::uniform(-l, l); every bias 0. The same bits for the same seed
// everywhere (l: std::sqrt of a quotient, both correctly rounded).
template <class... Layers>
constexpr void initialize(network_parameters<network<Layers...>>& p, random_generator& g) {
    using T = typename network<Layers...>::value_type;
    auto const init = [&](auto& layer) {
        T const fan = static_cast<T>(layer.inputs() + layer.outputs());
        T const l = std::sqrt(T(6) / fan);
        for (T& w : layer.weights()) w = g.template uniform<T>(-l, l);
        for (T& b : layer.biases()) b = T(0);
    };
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (init(p.template layer<K>()), ...);
    }
    (std::index_sequence_for<Layers...>{});
}

// Sets net's parameters to initialize()'s from `seed`.
template <class... Layers>
void initialize(network<Layers...>& net, std::uint64_t seed) {
    network_parameters<network<Layers...>> p(net);
    random_generator g(seed);
    initialize(p, g);
    p.store(net);
}

// Backpropagation for a network of dense layers and a loss: keeps its own copy of the
// parameters (row-major), the gradient summed over the examples given since the last
// zero_gradients(), and every buffer a pass needs, all made by the constructor: nothing
// is allocated per example.
template <class Net, class Loss = squared_error>
class backprop;

template <class... Layers, class Loss>
class backprop<network<Layers...>, Loss> {
public:
    using network_type = network<Layers...>;
    using value_type = typename network_type::value_type;
    using parameters_type = network_parameters<network_type>;
    static constexpr std::size_t depth = sizeof...(Layers);
    static_assert(detail::ieee_binary<value_type>, "soma::backprop: networks of float or double");

    explicit backprop(network_type const& net, Loss loss = Loss{})
        : net_(net),
          loss_(std::move(loss)),
          params_(parameters_type::of(net)),
          grad_(net),
          transposed_(net),
          z_(buffers(net, std::index_sequence_for<Layers...>{})),
          y_(buffers(net, std::index_sequence_for<Layers...>{})),
          delta_(buffers(net, std::index_sequence_for<Layers...>{})),
          kernels_(&detail::kernels().of<value_type>()),
          training_kernels_(&detail::training_kernels<value_type>()),
          transposed_layers_(
              transposed_layers(net, *training_kernels_, std::index_sequence_for<Layers...>{})) {}

    [[nodiscard]] parameters_type& parameters() noexcept { return params_; }
    [[nodiscard]] parameters_type const& parameters() const noexcept { return params_; }
    // Σ over the examples since zero_gradients() of ∂E/∂W_k and ∂E/∂b_k.
    [[nodiscard]] parameters_type const& gradients() const noexcept {
        if (pending_) {
            sync(std::index_sequence_for<Layers...>{});
            pending_ = false;
        }
        return grad_;
    }
    void zero_gradients() noexcept {
        grad_.fill(value_type(0));
        transposed_.fill(value_type(0));
        pending_ = false;
    }
    [[nodiscard]] Loss const& loss() const noexcept { return loss_; }

    [[nodiscard]] std::size_t inputs() const noexcept { return net_.inputs(); }
    [[nodiscard]] std::size_t outputs() const noexcept { return net_.outputs(); }

    // y = net(x) with parameters(): bitwise what the network gives once they are stored.
    // x has inputs() values; the result (outputs() values) lives until the next call.
    SOMA_ABI [[nodiscard]] std::span<value_type const> forward(std::span<value_type const> x) {
        check(x.size(), inputs(), "x", "inputs");
        forward_from<0>(x.data());
        return std::get<depth - 1>(y_);
    }

    // One example (x, t): the forward pass, then its gradient added to gradients().
    // Returns the loss E(net(x), t). Throws std::invalid_argument when x or t does not
    // have the network's number of inputs or outputs.
    SOMA_ABI value_type accumulate(std::span<value_type const> x, std::span<value_type const> t) {
        check(x.size(), inputs(), "x", "inputs");
        check(t.size(), outputs(), "t", "outputs");
        forward_from<0>(x.data());
        auto const& out = net_.template layer<depth - 1>();
        std::span<value_type const> const y = std::get<depth - 1>(y_);
        loss_.output_delta(out.activation(), std::span<value_type const>(std::get<depth - 1>(z_)),
                           y, t, std::span<value_type>(std::get<depth - 1>(delta_)));
        backward_from<depth - 1>(x.data());
        return loss_.value(y, t);
    }

    // Writes parameters() into net.
    void store(network_type& net) const { params_.store(net); }

private:
    template <std::size_t... K>
    static auto buffers(network_type const& net, std::index_sequence<K...>) {
        return std::tuple(detail::output_buffer(net.template layer<K>())...);
    }

    static void check(std::size_t size, std::size_t expected, char const* name,
                      char const* expected_name) {
        if (size != expected) {
            detail::throw_size_mismatch("soma::backprop", name, size, expected_name, expected);
        }
    }

    // keeps_transposed for each layer, decided once.
    template <std::size_t... K>
    static std::array<bool, depth> transposed_layers(
        network_type const& net, detail::training_kernels_of<value_type> const& tk,
        std::index_sequence<K...>) noexcept {
        return {keeps_transposed(tk, net.template layer<K>().outputs(),
                                 net.template layer<K>().inputs())...};
    }

    template <std::size_t K>
    SOMA_ABI void forward_from(value_type const* x) {
        auto const& l = net_.template layer<K>();
        auto const& p = params_.template layer<K>();
        auto& z = std::get<K>(z_);
        auto& y = std::get<K>(y_);
        std::size_t const rows = p.outputs();
        kernels_->inner_products(p.weights().data(), rows, p.inputs(), x, p.biases().data(), 1,
                                 z.data());
        using A = std::remove_cvref_t<decltype(l.activation())>;
        if constexpr (std::same_as<A, sigmoid_activation>) {
            kernels_->sigmoid(z.data(), y.data(), rows);
        } else if constexpr (requires(A const& a, std::span<value_type> s) { a(s); }) {
            for (std::size_t r = 0; r < rows; ++r) y[r] = z[r];
            l.activation()(std::span<value_type>(y.data(), rows));
        } else {
            for (std::size_t r = 0; r < rows; ++r) {
                y[r] = static_cast<value_type>(std::invoke(l.activation(), z[r]));
            }
        }
        if constexpr (K + 1 < depth) forward_from<K + 1>(y.data());
    }

    // delta_K is δ_K: adds its gradient, then makes δ_{K-1} and recurses.
    template <std::size_t K>
    SOMA_ABI void backward_from(value_type const* x) {
        auto const& tk = *training_kernels_;
        auto const& p = params_.template layer<K>();
        auto& g = grad_.template layer<K>();
        auto const& delta = std::get<K>(delta_);
        value_type const* const input = K == 0 ? x : previous_output<K>();
        if (transposed_layers_[K]) {
            tk.accumulate_outer_transposed(delta.data(), p.outputs(), input, p.inputs(),
                                           transposed_.template layer<K>().weights().data(),
                                           g.biases().data());
            pending_ = true;
        } else {
            tk.accumulate_outer(delta.data(), p.outputs(), input, p.inputs(), g.weights().data(),
                                g.biases().data());
        }
        if constexpr (K > 0) {
            auto& before = std::get<K - 1>(delta_);
            tk.transposed_product(p.weights().data(), p.outputs(), p.inputs(), delta.data(),
                                  before.data());
            auto const& a = net_.template layer<K - 1>().activation();
            auto const& z = std::get<K - 1>(z_);
            auto const& y = std::get<K - 1>(y_);
            for (std::size_t j = 0; j < p.inputs(); ++j) {
                before[j] = before[j] * detail::activation_derivative(a, z[j], y[j]);
            }
            backward_from<K - 1>(x);
        }
    }

    // Whether a layer's weight gradient is summed transposed (n x rows): when that puts
    // fewer values outside full registers, counting a full register as one operation and
    // each value of a partial one as one (the tails go one value at a time).
    [[nodiscard]] static bool keeps_transposed(detail::training_kernels_of<value_type> const& tk,
                                               std::size_t rows, std::size_t n) noexcept {
        std::size_t const L = tk.lanes;
        return n * (rows / L + rows % L) < rows * (n / L + n % L);
    }

    template <std::size_t... K>
    void sync(std::index_sequence<K...>) const noexcept {
        (sync_layer<K>(), ...);
    }
    template <std::size_t K>
    void sync_layer() const noexcept {
        if (!transposed_layers_[K]) return;
        auto const& p = params_.template layer<K>();
        std::size_t const rows = p.outputs(), n = p.inputs();
        auto const Gt = transposed_.template layer<K>().weights();
        auto const G = grad_.template layer<K>().weights();
        for (std::size_t r = 0; r < rows; ++r) {
            for (std::size_t i = 0; i < n; ++i) G[r * n + i] = Gt[i * rows + r];
        }
    }

    template <std::size_t K>
    [[nodiscard]] value_type const* previous_output() const noexcept {
        if constexpr (K == 0) {
            return nullptr;
        } else {
            return std::get<K - 1>(y_).data();
        }
    }

    network_type net_;  // the shapes and activations
    [[no_unique_address]] Loss loss_;
    parameters_type params_;
    mutable parameters_type grad_;
    parameters_type transposed_;    // the weight gradients summed transposed (keeps_transposed)
    mutable bool pending_ = false;  // transposed_ holds sums not yet copied into grad_
    std::tuple<typename Layers::output_type...> z_;
    std::tuple<typename Layers::output_type...> y_;
    std::tuple<typename Layers::output_type...> delta_;
    detail::kernels_of<value_type> const* kernels_;  // the table kernels() chose
    detail::training_kernels_of<value_type> const* training_kernels_;
    std::array<bool, depth> transposed_layers_;  // keeps_transposed of each layer
};

template <class... Layers>
backprop(network<Layers...> const&) -> backprop<network<Layers...>>;
template <class... Layers, class Loss>
backprop(network<Layers...> const&, Loss) -> backprop<network<Layers...>, Loss>;

}  // namespace soma

#endif  // SOMA_BACKPROP_HPP
