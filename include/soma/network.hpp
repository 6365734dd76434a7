// soma/network.hpp - neurons form a network: layers in a chain, each one's outputs the next
// one's inputs.
//
// For layers 1..L with y_0 = x:   y_k = a_k(W_k y_{k-1} + b_k),   net(x) = y_L.
// Every output is bitwise the layer-by-layer evaluation (each layer bitwise its neurons,
// soma/dense_layer.hpp); nothing is reordered across layers.
//
// soma::network<Layer1, ..., LayerL>: layers of static shape are checked at compile time
// (the outputs of layer k must be the inputs of layer k + 1, else a static_assert names
// the layer and both sizes); the intermediate outputs live on the stack, so a network of
// static layers never allocates and is usable in constexpr. Run-time-shaped layers are
// checked when the network is made (std::invalid_argument naming the layer and both
// sizes). soma::dynamic_network<T, A> is a chain whose length, too, is known only at run
// time (a network read from a file, say). batch_forward of a network of static dense
// layers runs layer by layer over blocks of inputs (each layer's batch kernel), with the
// same bits as one input at a time.
#ifndef SOMA_NETWORK_HPP
#define SOMA_NETWORK_HPP

#include <array>
#include <concepts>
#include <cstddef>
#include <initializer_list>
#include <ranges>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "soma/concepts.hpp"
#include "soma/dense_layer.hpp"
#include "soma/detail/config.hpp"
#include "soma/detail/errors.hpp"
#include "soma/layer.hpp"

namespace soma {

// A layer a network can chain: its scalar type, its extents (std::dynamic_extent when known
// only at run time), its sizes and its output vector type; soma::dense_layer is one.
template <class L>
concept network_layer = requires(L const& l) {
    typename L::value_type;
    typename L::output_type;
    { L::in_extent } -> std::convertible_to<std::size_t>;
    { L::out_extent } -> std::convertible_to<std::size_t>;
    { l.inputs() } -> std::convertible_to<std::size_t>;
    { l.outputs() } -> std::convertible_to<std::size_t>;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Whether outputs Out can feed inputs In: equal, or either known only at run time.
template <std::size_t Out, std::size_t In>
inline constexpr bool extents_chain =
    Out == std::dynamic_extent || In == std::dynamic_extent || Out == In;

template <std::size_t K, class... Layers>
using layer_at = std::tuple_element_t<K, std::tuple<Layers...>>;

template <class... Layers, std::size_t... K>
consteval bool layers_chain(std::index_sequence<K...>) {
    return (
        extents_chain<layer_at<K, Layers...>::out_extent, layer_at<K + 1, Layers...>::in_extent> &&
        ...);
}

// The compile-time check, one instantiation per pair of layers, so that the error names
// the layer and both sizes: layer_sizes_agree<k, outputs of layer k, inputs of layer k + 1>.
template <std::size_t Layer, std::size_t Outputs, std::size_t NextInputs>
struct layer_sizes_agree {
    static_assert(extents_chain<Outputs, NextInputs>,
                  "soma::network: the outputs of a layer must be the inputs of the next; "
                  "layer_sizes_agree<k, outputs of layer k, inputs of layer k + 1> above names "
                  "the layer and both sizes");
    static constexpr bool value = true;
};

template <class... Layers, std::size_t... K>
consteval bool assert_layers_chain(std::index_sequence<K...>) {
    return (layer_sizes_agree<K, layer_at<K, Layers...>::out_extent,
                              layer_at<K + 1, Layers...>::in_extent>::value &&
            ...);
}

[[noreturn]] inline void throw_layer_mismatch(std::size_t k, std::size_t outputs,
                                              std::size_t next_inputs) {
    detail::raise<std::invalid_argument>("soma::network: layer " + std::to_string(k) + " has " +
                                         std::to_string(outputs) + " outputs but layer " +
                                         std::to_string(k + 1) + " has " +
                                         std::to_string(next_inputs) + " inputs");
}

// A buffer for a layer's outputs: std::array for a static extent (on the stack), else a
// std::vector of the layer's size.
template <class L>
[[nodiscard]] constexpr typename L::output_type output_buffer(L const& l) {
    if constexpr (L::out_extent == std::dynamic_extent) {
        return typename L::output_type(l.outputs());
    } else {
        (void)l;
        return typename L::output_type{};
    }
}

template <class T, std::size_t N>
[[nodiscard]] constexpr std::span<T, N> fixed_or_dynamic_span(T* p, std::size_t n) {
    if constexpr (N == std::dynamic_extent) {
        return std::span<T>(p, n);
    } else {
        (void)n;
        return std::span<T, N>(p, N);
    }
}

// A layer with a batch_forward over rows of a row-major matrix (soma::dense_layer).
template <class L, class T>
concept batch_layer_of = requires(L const& l, in_span<T> X, std::span<T> Y) {
    l.batch_forward(X, Y);
};

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Whether Layers form a chain: at least one layer, one scalar type, and the outputs of each
// layer, where known at compile time, the inputs of the next.
template <class... Layers>
concept chainable =
    (sizeof...(Layers) >= 1) && (network_layer<Layers> && ...) &&
    (std::same_as<typename detail::layer_at<0, Layers...>::value_type,
                  typename Layers::value_type> &&
     ...) &&
    detail::layers_chain<Layers...>(std::make_index_sequence<sizeof...(Layers) - 1>{});

// A chain of layers y_k = a_k(W_k y_{k-1} + b_k), y_0 = x, net(x) = y_L.
template <network_layer... Layers>
requires(sizeof...(Layers) >= 1) class network {
    using first = detail::layer_at<0, Layers...>;
    using last = detail::layer_at<sizeof...(Layers) - 1, Layers...>;
    static_assert(
        detail::assert_layers_chain<Layers...>(std::make_index_sequence<sizeof...(Layers) - 1>{}));
    static_assert((std::same_as<typename first::value_type, typename Layers::value_type> && ...),
                  "soma::network: every layer must have the same scalar type");

public:
    using value_type = typename first::value_type;
    using input_type = typename first::input_type;
    using output_type = typename last::output_type;
    using layer_tuple = std::tuple<Layers...>;
    static constexpr std::size_t depth = sizeof...(Layers);
    static constexpr std::size_t in_extent = first::in_extent;
    static constexpr std::size_t out_extent = last::out_extent;

    constexpr network() = default;

    // The chain l_0 -> l_1 -> ... Run-time-shaped layers whose sizes do not chain throw
    // std::invalid_argument naming the layer and both sizes.
    constexpr explicit network(Layers... layers) : layers_(std::move(layers)...) {
        check_sizes(std::make_index_sequence<depth - 1>{});
    }

    // Layer K (0-based).
    template <std::size_t K>
    requires(K < depth) [[nodiscard]] constexpr auto const& layer() const noexcept {
        return std::get<K>(layers_);
    }

    // Replaces layer K's W (row-major) and b; the shapes stay (layer K's set_parameters).
    template <std::size_t K, class WR, class BR>
    requires(K < depth) SOMA_ABI constexpr void set_parameters(WR const& W, BR const& b) {
        std::get<K>(layers_).set_parameters(W, b);
    }

    [[nodiscard]] constexpr std::size_t inputs() const noexcept { return layer<0>().inputs(); }
    [[nodiscard]] constexpr std::size_t outputs() const noexcept {
        return layer<depth - 1>().outputs();
    }

    // y = net(x) into y, without allocating when every layer has a static shape (the
    // intermediate outputs are on the stack). Sizes are those of the first layer's inputs
    // and the last layer's outputs (checked as the layers check them).
    template <detail::input_for<value_type, in_extent> X,
              detail::output_for<value_type, out_extent> Y>
    SOMA_ABI constexpr void forward(X const& x, Y&& y) const {
        forward_from<0>(x, y);
    }
    template <detail::output_for<value_type, out_extent> Y>
    SOMA_ABI constexpr void forward(input_type const& x, Y&& y) const {
        forward_from<0>(x, y);
    }

    // net(x) = y_L.
    template <detail::input_for<value_type, in_extent> X>
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(X const& x) const {
        output_type y = detail::output_buffer(layer<depth - 1>());
        forward_from<0>(x, y);
        return y;
    }
    SOMA_ABI [[nodiscard]] constexpr output_type operator()(input_type const& x) const {
        output_type y = detail::output_buffer(layer<depth - 1>());
        forward_from<0>(x, y);
        return y;
    }

    // Y_k = net(X_k) for every input k: X row-major (inputs x in), Y row-major
    // (inputs x out), inputs = X.size() / in. Each Y_k is bitwise net(X_k). Throws
    // std::invalid_argument when the sizes do not fit or Y overlaps X.
    SOMA_ABI constexpr void batch_forward(in_span<value_type> X, std::span<value_type> Y) const {
        constexpr char const* f = "soma::network::batch_forward";
        std::size_t const in = inputs();
        std::size_t const out = outputs();
        std::size_t const count = in != 0 ? X.size() / in : (out != 0 ? Y.size() / out : 0);
        if (in != 0 && X.size() % in != 0) {
            detail::throw_size_mismatch(f, "X", X.size(), "a multiple of the inputs,", in);
        }
        if (Y.size() != count * out) {
            detail::throw_size_mismatch(f, "Y", Y.size(), "(X.size() / inputs) * outputs",
                                        count * out);
        }
        if constexpr (detail::ieee_binary<value_type>) {
            if (!std::is_constant_evaluated() &&
                detail::overlap<value_type>(std::span<value_type const>(Y), X)) {
                detail::overlap_error(f, "Y", "X");
            }
        }
        if constexpr (batch_by_blocks) {
            if (!std::is_constant_evaluated()) {
                batch_blocks(X.data(), count, Y.data());
                return;
            }
        }
        for (std::size_t k = 0; k < count; ++k) {
            auto const x_k =
                detail::fixed_or_dynamic_span<value_type const, in_extent>(X.data() + k * in, in);
            auto const y_k =
                detail::fixed_or_dynamic_span<value_type, out_extent>(Y.data() + k * out, out);
            forward_from<0>(x_k, y_k);
        }
    }
    template <detail::layer_output Y>
    requires std::same_as<detail::layer_value_t<Y>, value_type> SOMA_ABI constexpr void
    batch_forward(in_span<value_type> X, Y&& Y_out) const {
        batch_forward(X, std::span<value_type>(std::ranges::data(Y_out), std::ranges::size(Y_out)));
    }

    SOMA_ABI friend constexpr bool operator==(network const& p, network const& q) {
        return p.layers_ == q.layers_;
    }

private:
    // Whether batch_forward runs the batch layer by layer in blocks of inputs: every layer of
    // static shape and with a batch_forward of its own (dense_layer's reads its weights once
    // per tile of inputs, dense_kernels-inl.hpp).
    static constexpr bool batch_by_blocks =
        detail::ieee_binary<value_type> &&
        ((Layers::in_extent != std::dynamic_extent && Layers::out_extent != std::dynamic_extent) &&
         ...) &&
        (detail::batch_layer_of<Layers, value_type> && ...);

    // The widest intermediate output (layers 0 .. depth - 2), at least 1.
    static constexpr std::size_t hidden_width = [] {
        std::size_t const outs[] = {Layers::out_extent...};
        std::size_t w = 1;
        if (!batch_by_blocks) return w;
        for (std::size_t k = 0; k + 1 < depth; ++k) w = outs[k] > w ? outs[k] : w;
        return w;
    }();

    // Inputs per block: every layer runs over the block before the next, so a block of
    // inputs is what each layer's batch kernel tiles (eight inputs a tile on AVX-512, four
    // on AVX2: blocks of 8 to 64 are whole tiles). The block's intermediate outputs, two
    // buffers of block x hidden_width on the stack, are at most 16 KB each (64 inputs of
    // 64 floats; 32 of 128 for 784-128-10), so that the next layer reads them from L1
    // while the first layer's inputs and the weights stream from L2. Hidden layers wider
    // than 2048 floats get smaller blocks, down to one input (then the stack holds two
    // outputs of the widest layer, about what one input at a time needs).
    static constexpr std::size_t batch_block = [] {
        std::size_t const fit = 16384 / (sizeof(value_type) * hidden_width);
        if (fit >= 64) return std::size_t{64};
        if (fit >= 8) return fit / 8 * 8;
        return fit >= 1 ? fit : std::size_t{1};
    }();

    SOMA_ABI void batch_blocks(value_type const* X, std::size_t count, value_type* Y) const {
        if constexpr (depth == 1) {
            batch_layer<0>(X, count, Y, nullptr, nullptr);
        } else {
            // Not value-initialized: every element is written before it is read.
            std::array<value_type, batch_block * hidden_width> h0;
            std::array<value_type, batch_block * hidden_width> h1;
            for (std::size_t k = 0; k < count; k += batch_block) {
                std::size_t const n = count - k < batch_block ? count - k : batch_block;
                batch_layer<0>(X + k * in_extent, n, Y + k * out_extent, h0.data(), h1.data());
            }
        }
    }

    // Layers K .. depth - 1 over n inputs x: layer K into h (or y for the last), the rest from
    // there, swapping the two buffers.
    template <std::size_t K>
    SOMA_ABI void batch_layer(value_type const* x, std::size_t n, value_type* y, value_type* h,
                              value_type* other) const {
        auto const& l = std::get<K>(layers_);
        using layer_t = detail::layer_at<K, Layers...>;
        std::span<value_type const> const in(x, n * layer_t::in_extent);
        if constexpr (K + 1 == depth) {
            l.batch_forward(in, std::span<value_type>(y, n * layer_t::out_extent));
        } else {
            l.batch_forward(in, std::span<value_type>(h, n * layer_t::out_extent));
            batch_layer<K + 1>(h, n, y, other, h);
        }
    }

    template <std::size_t... K>
    SOMA_ABI constexpr void check_sizes(std::index_sequence<K...>) const {
        (check_pair<K>(), ...);
    }
    template <std::size_t K>
    SOMA_ABI constexpr void check_pair() const {
        auto const& l = std::get<K>(layers_);
        auto const& next = std::get<K + 1>(layers_);
        if (l.outputs() != next.inputs()) {
            detail::throw_layer_mismatch(K, l.outputs(), next.inputs());
        }
    }

    template <std::size_t K, class X, class Y>
    SOMA_ABI constexpr void forward_from(X const& x, Y& y) const {
        auto const& l = std::get<K>(layers_);
        if constexpr (K + 1 == depth) {
            l.forward(x, y);
        } else {
            auto h = detail::output_buffer(l);
            l.forward(x, h);
            forward_from<K + 1>(h, y);
        }
    }

    std::tuple<Layers...> layers_{};
};

template <class... Layers>
network(Layers...) -> network<Layers...>;

// A chain of run-time-shaped dense layers whose number, too, is known only at run time:
// y_0 = x, y_k = a(W_k y_{k-1} + b_k), net(x) = y_L; one activation type for all layers.
// Evaluation allocates its two intermediate buffers per call (a network of static layers
// does not allocate at all).
template <scalar T, class Activation = sigmoid_activation>
requires activation_for<Activation, T>
class dynamic_network {
public:
    using value_type = T;
    using layer_type = dynamic_dense_layer<T, Activation>;
    using output_type = std::vector<T>;

    dynamic_network() = default;

    // At least one layer; throws std::invalid_argument when the outputs of layer k are not
    // the inputs of layer k + 1 (naming the layer and both sizes) or there is no layer.
    explicit dynamic_network(std::vector<layer_type> layers) : layers_(std::move(layers)) {
        if (layers_.empty()) {
            detail::raise<std::invalid_argument>(
                "soma::dynamic_network: a network has at least one layer");
        }
        for (std::size_t k = 0; k + 1 < layers_.size(); ++k) {
            if (layers_[k].outputs() != layers_[k + 1].inputs()) {
                detail::throw_layer_mismatch(k, layers_[k].outputs(), layers_[k + 1].inputs());
            }
        }
    }

    [[nodiscard]] std::size_t depth() const noexcept { return layers_.size(); }
    SOMA_ABI [[nodiscard]] layer_type const& layer(std::size_t k) const {
        if (k >= layers_.size()) {
            detail::throw_size_mismatch("soma::dynamic_network::layer", "k", k, "depth",
                                        layers_.size());
        }
        return layers_[k];
    }
    [[nodiscard]] std::span<layer_type const> layers() const noexcept { return layers_; }
    [[nodiscard]] std::size_t inputs() const noexcept {
        return layers_.empty() ? 0 : layers_.front().inputs();
    }
    [[nodiscard]] std::size_t outputs() const noexcept {
        return layers_.empty() ? 0 : layers_.back().outputs();
    }

    template <detail::input_for<T, std::dynamic_extent> X,
              detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(X const& x, Y&& y) const {
        if (layers_.empty())
            detail::raise<std::invalid_argument>("soma::dynamic_network: no layers");
        if (layers_.size() == 1) {
            layers_.front().forward(x, y);
            return;
        }
        std::vector<T> h = layers_.front()(x);
        std::vector<T> next;
        for (std::size_t k = 1; k + 1 < layers_.size(); ++k) {
            next.resize(layers_[k].outputs());
            layers_[k].forward(h, next);
            h.swap(next);
        }
        layers_.back().forward(h, y);
    }
    template <detail::output_for<T, std::dynamic_extent> Y>
    SOMA_ABI void forward(std::initializer_list<T> x, Y&& y) const {
        forward(std::span<T const>(x.begin(), x.size()), std::forward<Y>(y));
    }
    template <detail::input_for<T, std::dynamic_extent> X>
    SOMA_ABI [[nodiscard]] output_type operator()(X const& x) const {
        output_type y(outputs());
        forward(x, y);
        return y;
    }
    SOMA_ABI [[nodiscard]] output_type operator()(std::initializer_list<T> x) const {
        return (*this)(std::span<T const>(x.begin(), x.size()));
    }

    SOMA_ABI friend bool operator==(dynamic_network const& p, dynamic_network const& q) {
        return p.layers_ == q.layers_;
    }

private:
    std::vector<layer_type> layers_;
};

}  // namespace soma

#endif  // SOMA_NETWORK_HPP
