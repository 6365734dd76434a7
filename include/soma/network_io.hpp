// soma/network_io.hpp - a network's parameters as text, to ship a trained network.
//
// The format (whitespace-separated tokens; line breaks are only for the reader):
//
//     soma-network 1 <type>             type: float, double, or the integer type's name
//     layers <L>
//     layer <inputs> <outputs> <activation>
//     <W row 0: inputs values>          row r = the weights of neuron r
//     ...
//     <W row outputs-1>
//     <b: outputs values>
//     (L layer blocks in order, from the input side)
//     end
//
// Floating-point values are hexadecimal floats (0x1.8p+1 for 3; inf, -inf, nan): exact,
// so load(save(net)) has the same bits (a NaN stays a NaN, its payload is not kept).
// Integral values are decimal. Activation names: sigmoid, step, identity, or the
// `name` static member of a user activation type (which then can be saved and loaded).
//
// load<Net>() checks the text against Net: the scalar type, the number of layers, every
// static size and every activation name must match, else std::invalid_argument says which
// and gives both values; run-time-shaped layers take the sizes in the text.
#ifndef SOMA_NETWORK_IO_HPP
#define SOMA_NETWORK_IO_HPP

#include <charconv>
#include <concepts>
#include <cstddef>
#include <istream>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "soma/activation.hpp"
#include "soma/dense_layer.hpp"
#include "soma/network.hpp"

namespace soma {

// The name of an activation in the text format.
template <class A>
inline constexpr char const* activation_name = A::name;
template <>
inline constexpr char const* activation_name<sigmoid_activation> = "sigmoid";
template <>
inline constexpr char const* activation_name<step_activation> = "step";
template <>
inline constexpr char const* activation_name<identity_activation> = "identity";

template <class A>
concept named_activation = requires {
    { activation_name<A> } -> std::convertible_to<char const*>;
};

namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE {

template <class T>
[[nodiscard]] constexpr char const* scalar_name() noexcept {
    if constexpr (std::same_as<T, float>)
        return "float";
    else if constexpr (std::same_as<T, double>)
        return "double";
    else if constexpr (std::same_as<T, long double>)
        return "long_double";
    else if constexpr (std::same_as<T, signed char>)
        return "signed_char";
    else if constexpr (std::same_as<T, short>)
        return "short";
    else if constexpr (std::same_as<T, int>)
        return "int";
    else if constexpr (std::same_as<T, long>)
        return "long";
    else if constexpr (std::same_as<T, long long>)
        return "long_long";
    else if constexpr (std::same_as<T, unsigned char>)
        return "unsigned_char";
    else if constexpr (std::same_as<T, unsigned short>)
        return "unsigned_short";
    else if constexpr (std::same_as<T, unsigned>)
        return "unsigned";
    else if constexpr (std::same_as<T, unsigned long>)
        return "unsigned_long";
    else if constexpr (std::same_as<T, unsigned long long>)
        return "unsigned_long_long";
    else
        return "char";
}

template <class T>
void write_value(std::ostream& out, T v) {
    char buffer[64];
    std::to_chars_result r{};
    if constexpr (std::floating_point<T>) {
        if (v != v) {
            out << "nan";
            return;
        }
        char* p = buffer;
        if (v < T(0) || (v == T(0) && (T(1) / v) < T(0))) {
            *p++ = '-';
            v = -v;
        }
        if (v == v && v - v != T(0)) {  // infinity
            out << std::string_view(buffer, static_cast<std::size_t>(p - buffer)) << "inf";
            return;
        }
        *p++ = '0';
        *p++ = 'x';
        r = std::to_chars(p, buffer + sizeof buffer, v, std::chars_format::hex);
    } else {
        r = std::to_chars(buffer, buffer + sizeof buffer, v);
    }
    out << std::string_view(buffer, static_cast<std::size_t>(r.ptr - buffer));
}

[[noreturn]] inline void format_error(std::string const& what) {
    detail::raise<std::invalid_argument>("soma::load: " + what);
}

// The tokens of the text, read one at a time.
class token_reader {
public:
    explicit token_reader(std::istream& in) : in_(in) {}

    std::string next(char const* expected) {
        std::string t;
        if (!(in_ >> t))
            format_error(std::string("the text ends where ") + expected + " was expected");
        return t;
    }
    void expect(char const* word) {
        std::string const t = next(word);
        if (t != word) format_error(std::string("expected '") + word + "', found '" + t + "'");
    }
    std::size_t size(char const* what) {
        std::string const t = next(what);
        std::size_t v = 0;
        auto const r = std::from_chars(t.data(), t.data() + t.size(), v);
        if (r.ec != std::errc{} || r.ptr != t.data() + t.size()) {
            format_error(std::string("expected ") + what + " (a size), found '" + t + "'");
        }
        return v;
    }
    template <class T>
    T value(char const* what) {
        std::string const t = next(what);
        char const* first = t.data();
        char const* const last = t.data() + t.size();
        T v{};
        if constexpr (std::floating_point<T>) {
            bool const negative = first != last && *first == '-';
            if (negative) ++first;
            std::string_view const rest(first, static_cast<std::size_t>(last - first));
            if (rest == "inf")
                return negative ? -std::numeric_limits<T>::infinity()
                                : std::numeric_limits<T>::infinity();
            if (rest == "nan") return std::numeric_limits<T>::quiet_NaN();
            if (rest.size() < 3 || rest[0] != '0' || (rest[1] != 'x' && rest[1] != 'X')) {
                format_error(std::string("expected ") + what + " (a hexadecimal float), found '" +
                             t + "'");
            }
            first += 2;
            auto const r = std::from_chars(first, last, v, std::chars_format::hex);
            if (r.ec != std::errc{} || r.ptr != last) {
                format_error(std::string("expected ") + what + " (a hexadecimal float), found '" +
                             t + "'");
            }
            return negative ? -v : v;
        } else {
            auto const r = std::from_chars(first, last, v);
            if (r.ec != std::errc{} || r.ptr != last) {
                format_error(std::string("expected ") + what + " (an integer), found '" + t + "'");
            }
            return v;
        }
    }

private:
    std::istream& in_;
};

template <class L>
void save_layer(std::ostream& out, L const& l) {
    using T = typename L::value_type;
    out << "layer " << l.inputs() << ' ' << l.outputs() << ' '
        << activation_name<typename L::activation_type> << '\n';
    for (std::size_t r = 0; r < l.outputs(); ++r) {
        for (std::size_t i = 0; i < l.inputs(); ++i) {
            if (i != 0) out << ' ';
            detail::write_value<T>(out, l.weight(r, i));
        }
        out << '\n';
    }
    for (std::size_t r = 0; r < l.outputs(); ++r) {
        if (r != 0) out << ' ';
        detail::write_value<T>(out, l.bias(r));
    }
    out << '\n';
}

template <class L>
L load_layer(token_reader& in, std::size_t k) {
    using T = typename L::value_type;
    using A = typename L::activation_type;
    in.expect("layer");
    std::size_t const inputs = in.size("the layer's inputs");
    std::size_t const outputs = in.size("the layer's outputs");
    std::string const name = in.next("the layer's activation");
    std::string const where = "layer " + std::to_string(k);
    if constexpr (L::in_extent != std::dynamic_extent) {
        if (inputs != L::in_extent || outputs != L::out_extent) {
            format_error(where + " is " + std::to_string(inputs) + " x " + std::to_string(outputs) +
                         " (inputs x outputs) in the text, but " + std::to_string(L::in_extent) +
                         " x " + std::to_string(L::out_extent) + " in the network's type");
        }
    }
    if (name != activation_name<A>) {
        format_error(where + " has activation '" + name + "' in the text, but '" +
                     activation_name<A> + "' in the network's type");
    }
    std::vector<T> W(checked_product("soma::load", inputs, outputs));
    std::vector<T> b(outputs);
    for (T& w : W) w = in.value<T>("a weight");
    for (T& v : b) v = in.value<T>("a bias");
    if constexpr (L::in_extent != std::dynamic_extent) {
        return L(W, b);
    } else {
        return L(inputs, outputs, W, b);
    }
}

// Reads the header; returns the number of layers (checked against depth unless 0).
template <class T>
std::size_t load_header(token_reader& in, std::size_t depth) {
    in.expect("soma-network");
    std::size_t const version = in.size("the format version");
    if (version != 1) format_error("format version " + std::to_string(version) + ", expected 1");
    std::string const type = in.next("the scalar type");
    if (type != scalar_name<T>()) {
        format_error("the scalar type is '" + type + "' in the text, but '" + scalar_name<T>() +
                     "' in the network's type");
    }
    in.expect("layers");
    std::size_t const layers = in.size("the number of layers");
    if (depth != 0 && layers != depth) {
        format_error(std::to_string(layers) + " layers in the text, but " + std::to_string(depth) +
                     " in the network's type");
    }
    return layers;
}

template <class Net, std::size_t... K>
Net load_layers(token_reader& in, std::index_sequence<K...>) {
    // Braced initialisation: the layers are read in order.
    std::tuple<std::tuple_element_t<K, typename Net::layer_tuple>...> layers{
        load_layer<std::tuple_element_t<K, typename Net::layer_tuple>>(in, K)...};
    return std::make_from_tuple<Net>(std::move(layers));
}

template <class Net>
inline constexpr bool is_dynamic_network = false;
template <class T, class A>
inline constexpr bool is_dynamic_network<dynamic_network<T, A>> = true;

}  // namespace detail::inline SOMA_DETAIL_ABI_NAMESPACE

// Writes net's parameters in the text format above. Every activation must be named.
template <network_layer... Layers>
requires((named_activation<typename Layers::activation_type> && ...)) SOMA_ABI
    void save(network<Layers...> const& net, std::ostream& out) {
    out << "soma-network 1 " << detail::scalar_name<typename network<Layers...>::value_type>()
        << "\nlayers " << sizeof...(Layers) << '\n';
    [&]<std::size_t... K>(std::index_sequence<K...>) {
        (detail::save_layer(out, net.template layer<K>()), ...);
    }
    (std::make_index_sequence<sizeof...(Layers)>{});
    out << "end\n";
}

template <scalar T, named_activation A>
SOMA_ABI void save(dynamic_network<T, A> const& net, std::ostream& out) {
    out << "soma-network 1 " << detail::scalar_name<T>() << "\nlayers " << net.depth() << '\n';
    for (auto const& l : net.layers()) detail::save_layer(out, l);
    out << "end\n";
}

// The text of save(net, out).
template <class Net>
SOMA_ABI [[nodiscard]] std::string to_text(Net const& net) {
    std::ostringstream out;
    save(net, out);
    return out.str();
}

// Reads a network of type Net (a soma::network of dense layers, or a dynamic_network)
// written by save. Throws std::invalid_argument when the text is malformed or does not fit
// Net (the message names the layer and both values).
template <class Net>
SOMA_ABI [[nodiscard]] Net load(std::istream& in) {
    detail::token_reader tokens(in);
    if constexpr (detail::is_dynamic_network<Net>) {
        using T = typename Net::value_type;
        std::size_t const depth = detail::load_header<T>(tokens, 0);
        std::vector<typename Net::layer_type> layers;
        for (std::size_t k = 0; k < depth; ++k) {
            layers.push_back(detail::load_layer<typename Net::layer_type>(tokens, k));
        }
        tokens.expect("end");
        return Net(std::move(layers));
    } else {
        using T = typename Net::value_type;
        detail::load_header<T>(tokens, Net::depth);
        Net net = detail::load_layers<Net>(tokens, std::make_index_sequence<Net::depth>{});
        tokens.expect("end");
        return net;
    }
}

template <class Net>
SOMA_ABI [[nodiscard]] Net from_text(std::string_view text) {
    std::istringstream in{std::string(text)};
    return load<Net>(in);
}

}  // namespace soma

#endif  // SOMA_NETWORK_IO_HPP
