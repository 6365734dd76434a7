// Every array kernel of every ISA this CPU runs, with its inputs and outputs placed against
// inaccessible (PROT_NONE) pages: each array ends exactly at a page boundary, or starts
// right after one, for every length 0..300. A kernel that reads or writes even one element
// outside its arrays crashes the test (SIGSEGV) instead of reading padding that happens to
// be mapped. The results are also compared with the scalar definitions bit for bit.
#include <soma/activation.hpp>
#include <soma/layer.hpp>
#include <soma/sigmoid.hpp>
#include <soma/softmax.hpp>
#include <soma/step.hpp>
#include <soma/tanh.hpp>
#include <soma/weighted_input.hpp>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include "support/catch.hpp"
#include "support/isa.hpp"

namespace {

using soma::detail::ieee_binary;

// [PROT_NONE page][usable pages][PROT_NONE page]: arrays are placed at the start or at the
// end of the usable pages.
class guarded_region {
public:
    explicit guarded_region(std::size_t usable_bytes) {
        page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        usable_ = (usable_bytes + page_ - 1) / page_ * page_;
        std::size_t const total = usable_ + 2 * page_;
        void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) std::abort();
        base_ = static_cast<unsigned char*>(p);
        if (mprotect(base_, page_, PROT_NONE) != 0) std::abort();
        if (mprotect(base_ + page_ + usable_, page_, PROT_NONE) != 0) std::abort();
    }
    guarded_region(guarded_region const&) = delete;
    guarded_region& operator=(guarded_region const&) = delete;
    ~guarded_region() { munmap(base_, usable_ + 2 * page_); }

    // n elements of T ending exactly at the upper guard page, or starting right after the
    // lower one.
    template <class T>
    T* place(std::size_t n, bool at_end) const {
        unsigned char* const begin = base_ + page_;
        if (!at_end) return reinterpret_cast<T*>(begin);
        return reinterpret_cast<T*>(begin + usable_) - n;
    }

private:
    std::size_t page_ = 0;
    std::size_t usable_ = 0;
    unsigned char* base_ = nullptr;
};

template <ieee_binary T>
auto bits(T v) {
    if constexpr (sizeof(T) == 4) {
        return std::bit_cast<std::uint32_t>(v);
    } else {
        return std::bit_cast<std::uint64_t>(v);
    }
}

constexpr std::size_t max_n = 300;
constexpr std::size_t row_counts[] = {1, 2, 3, 4, 5, 8, 9};
constexpr std::size_t max_rows = 9;

template <ieee_binary T>
void fill(T* p, std::size_t n, std::mt19937_64& rng, T lo, T hi) {
    std::uniform_real_distribution<T> d(lo, hi);
    for (std::size_t i = 0; i < n; ++i) p[i] = d(rng);
}

template <ieee_binary T>
struct regions {
    guarded_region w{max_rows * max_n * sizeof(T)};
    guarded_region x{max_n * sizeof(T)};
    guarded_region b{max_rows * sizeof(T)};
    guarded_region out{max_n * sizeof(T)};
    guarded_region X{3 * max_n * sizeof(T)};  // up to three inputs of a batch
};

// One ISA's kernels (or the dispatching entry points), every length, both placements.
template <ieee_binary T>
long check_kernels(std::string const& name, soma::detail::kernels_of<T> const& k, regions<T>& r,
                   std::mt19937_64& rng) {
    long mismatches = 0;
    auto report = [&](char const* what, std::size_t n, bool at_end) {
        if (mismatches++ < 5) {
            UNSCOPED_INFO(name << " " << what << ": n " << n << (at_end ? " at end" : " at start"));
        }
    };
    for (bool at_end : {true, false}) {
        for (std::size_t n = 0; n <= max_n; ++n) {
            T* const w = r.w.template place<T>(n, at_end);
            T* const x = r.x.template place<T>(n, at_end);
            T* const out = r.out.template place<T>(n, at_end);
            fill(w, n, rng, T(-1), T(1));
            fill(x, n, rng, T(-1), T(1));
            for (bool has_bias : {false, true}) {
                T const z = k.inner_product(w, x, n, has_bias, T(0.25));
                T const want = soma::detail::inner_product_scalar(w, x, n, has_bias, T(0.25));
                if (bits(z) != bits(want)) report("inner_product", n, at_end);
            }
            // The sigmoid and the step, out of place and in place.
            fill(x, n, rng, T(-20), T(20));
            k.sigmoid(x, out, n);
            for (std::size_t i = 0; i < n; ++i) {
                if (bits(out[i]) != bits(soma::sigmoid(x[i]))) {
                    report("sigmoid", n, at_end);
                    break;
                }
            }
            k.step(x, out, n);
            for (std::size_t i = 0; i < n; ++i) {
                if (bits(out[i]) != bits(soma::step(x[i]))) {
                    report("step", n, at_end);
                    break;
                }
            }
            k.sigmoid(out, out, n);
            k.step(out, out, n);
            // tanh and softmax, out of place and in place.
            k.tanh(x, out, n);
            for (std::size_t i = 0; i < n; ++i) {
                if (bits(out[i]) != bits(soma::tanh(x[i]))) {
                    report("tanh", n, at_end);
                    break;
                }
            }
            k.tanh(out, out, n);
            k.softmax(x, out, n);
            k.softmax(out, out, n);
        }
    }
    // Several rows per pass: W (rows x n), x, b and the outputs each against a guard page.
    for (bool at_end : {true, false}) {
        for (std::size_t rows : row_counts) {
            for (std::size_t n = 0; n <= max_n; ++n) {
                T* const W = r.w.template place<T>(rows * n, at_end);
                T* const x = r.x.template place<T>(n, at_end);
                T* const b = r.b.template place<T>(rows, at_end);
                T* const out = r.out.template place<T>(rows, at_end);
                fill(W, rows * n, rng, T(-1), T(1));
                fill(x, n, rng, T(-1), T(1));
                fill(b, rows, rng, T(-1), T(1));
                k.inner_products(W, rows, n, x, b, 1, out);
                for (std::size_t j = 0; j < rows; ++j) {
                    T const want = soma::detail::inner_product_scalar(W + j * n, x, n, true, b[j]);
                    if (bits(out[j]) != bits(want)) {
                        report("inner_products", n, at_end);
                        break;
                    }
                }
                // One bias for all rows (b_stride 0) and none.
                k.inner_products(W, rows, n, x, b + rows - 1, 0, out);
                k.inner_products(W, rows, n, x, nullptr, 0, out);
                k.forward_sigmoid(W, rows, n, x, b, out);
                for (std::size_t j = 0; j < rows; ++j) {
                    T const want = soma::sigmoid(
                        soma::detail::inner_product_scalar(W + j * n, x, n, true, b[j]));
                    if (bits(out[j]) != bits(want)) {
                        report("forward_sigmoid", n, at_end);
                        break;
                    }
                }
                // Two and three inputs at once (a tile of two, and one more), X and the
                // outputs against guard pages too.
                for (std::size_t count : {std::size_t{2}, std::size_t{3}}) {
                    T* const X = r.X.template place<T>(count * n, at_end);
                    T* const Z = r.out.template place<T>(count * rows, at_end);
                    fill(X, count * n, rng, T(-1), T(1));
                    k.batch_inner_products(W, rows, n, X, count, b, Z);
                    for (std::size_t q = 0; q < count * rows; ++q) {
                        T const want = soma::detail::inner_product_scalar(
                            W + (q % rows) * n, X + (q / rows) * n, n, true, b[q % rows]);
                        if (bits(Z[q]) != bits(want)) {
                            report("batch_inner_products", n, at_end);
                            break;
                        }
                    }
                }
            }
        }
    }
    return mismatches;
}

// The public functions (their own entry points: short vectors inline, fixed-size paths),
// every length, both placements.
template <ieee_binary T>
long check_public(regions<T>& r, std::mt19937_64& rng) {
    long mismatches = 0;
    for (bool at_end : {true, false}) {
        for (std::size_t n = 0; n <= max_n; ++n) {
            std::span<T> const w(r.w.template place<T>(n, at_end), n);
            std::span<T> const x(r.x.template place<T>(n, at_end), n);
            std::span<T> const out(r.out.template place<T>(n, at_end), n);
            fill(w.data(), n, rng, T(-1), T(1));
            fill(x.data(), n, rng, T(-1), T(1));
            T const z = soma::weighted_input(std::span<T const>(w), std::span<T const>(x), T(1));
            if (bits(z) !=
                bits(soma::detail::inner_product_scalar(w.data(), x.data(), n, true, T(1))))
                ++mismatches;
            soma::sigmoid(std::span<T const>(x), out);
            soma::step(std::span<T const>(x), out);
            soma::sigmoid(out);
            soma::step(out);
            soma::tanh(std::span<T const>(x), out);
            soma::tanh(out);
            soma::softmax(std::span<T const>(x), out);
            soma::softmax(out);
            for (std::size_t rows : {std::size_t{1}, std::size_t{3}}) {
                std::span<T> const W(r.w.template place<T>(rows * n, at_end), rows * n);
                std::span<T> const b(r.b.template place<T>(rows, at_end), rows);
                std::span<T> const y(r.out.template place<T>(rows, at_end), rows);
                fill(W.data(), rows * n, rng, T(-1), T(1));
                fill(b.data(), rows, rng, T(-1), T(1));
                soma::weighted_inputs<T>(W, rows, x, b, y);
                soma::forward<T>(W, rows, x, b, y, soma::sigmoid_activation{});
                soma::forward<T>(W, rows, x, b, y, soma::step_activation{});
                soma::forward<T>(W, rows, x, b, y, soma::tanh_activation{});
            }
        }
    }
    return mismatches;
}

}  // namespace

TEMPLATE_TEST_CASE("every array kernel of every ISA stays inside its arrays (guard pages)",
                   "[guard]", float, double) {
    using T = TestType;
    regions<T> r;
    std::mt19937_64 rng(4096);
    for (soma::detail::isa i : soma_test::tested_isas()) {
        std::string const name = soma::detail::isa_name(i);
        CHECK(check_kernels<T>(name, soma::detail::kernels_for(i).of<T>(), r, rng) == 0);
    }
    CHECK(check_kernels<T>("dispatch", soma::detail::kernels().of<T>(), r, rng) == 0);
}

TEMPLATE_TEST_CASE("the public array functions stay inside their arrays (guard pages)", "[guard]",
                   float, double) {
    using T = TestType;
    regions<T> r;
    std::mt19937_64 rng(8192);
    CHECK(check_public<T>(r, rng) == 0);
}
