// soma/detail/dispatch.hpp - one table of kernels, chosen once.
//
// kernels() is the table every run-time soma call goes through:
//   - when the compiler flags enable an ISA of soma's (compiled_isa), that ISA's table, a
//     constant: the calls are direct and the compiler may inline them;
//   - otherwise, on x86-64 (runtime_dispatch), the best table the CPU runs, chosen on the
//     first call from the CPU's feature set (cpu.hpp) and kept in a function-local static:
//     later calls cost one load and an indirect call, and no call tests the CPU again.
// kernels_for(i) gives any ISA's table (the tests run every available one).
//
// Adding an ISA: a vocabulary file soma/detail/simd/<isa>.hpp (see simd/portable.hpp for
// the operations; it ends by including kernels-inl.hpp), its requirements in cpu.hpp, and
// one line in `tables` below (docs/kernels.md walks through it).
#ifndef SOMA_DETAIL_DISPATCH_HPP
#define SOMA_DETAIL_DISPATCH_HPP

#include <array>
#include <cstddef>
#include <iterator>

#include "soma/detail/config.hpp"
#include "soma/detail/cpu.hpp"
#include "soma/detail/kernel_table.hpp"
#include "soma/detail/simd/avx2.hpp"
#include "soma/detail/simd/avx512.hpp"
#include "soma/detail/simd/neon.hpp"
#include "soma/detail/simd/portable.hpp"

namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE {

// Every table this build contains, best first; the portable table is always last.
inline constexpr kernel_table const* tables[] = {
#if defined(SOMA_X86_KERNELS)
    &avx512::table,
    &avx2::table,
#endif
#if defined(SOMA_NEON_KERNELS)
    &neon::table,
#endif
    &portable::table,
};

// The ISA of each entry of `tables`, in the same order (known here, without reading a
// table: with SOMA_SEPARATE_KERNELS the tables are defined in another translation unit).
inline constexpr isa table_isas[] = {
#if defined(SOMA_X86_KERNELS)
    isa::avx512,
    isa::avx2_fma,
#endif
#if defined(SOMA_NEON_KERNELS)
    isa::neon,
#endif
    isa::portable,
};
static_assert(std::size(table_isas) == std::size(tables));

// The table of ISA i; the portable table when this build has none for i.
[[nodiscard]] constexpr kernel_table const& kernels_for(isa i) noexcept {
    for (std::size_t k = 0; k < std::size(tables); ++k) {
        if (table_isas[k] == i) return *tables[k];
    }
    return portable::table;
}

// Whether this build contains kernels for ISA i (whatever the CPU).
[[nodiscard]] constexpr bool isa_compiled(isa i) noexcept {
    for (isa t : table_isas) {
        if (t == i) return true;
    }
    return false;
}

// The CPU features ISA i's kernels need.
[[nodiscard]] constexpr feature_set isa_requirements(isa i) noexcept {
    return kernels_for(i).needs;
}

// Whether this build has kernels for ISA i and the running CPU executes them.
[[nodiscard]] inline bool isa_available(isa i) noexcept {
    return isa_compiled(i) && cpu_features().has_all(isa_requirements(i));
}

// The ISA soma's run-time calls use: compiled_isa when the flags enable one (then there
// is no choice to make), otherwise the first table, best first, that the CPU runs.
[[nodiscard]] inline isa best_isa() noexcept {
    if constexpr (!runtime_dispatch) {
        return compiled_isa;
    } else {
        for (kernel_table const* t : tables) {
            if (cpu_features().has_all(t->needs)) return t->id;
        }
        return isa::portable;
    }
}

// The ISAs whose kernels this build has and this CPU runs (the tests run each of them),
// and the others (the tests report them as not tested).
struct isa_list {
    isa items[std::size(all_isas)]{};
    std::size_t count = 0;
    [[nodiscard]] constexpr isa const* begin() const noexcept { return items; }
    [[nodiscard]] constexpr isa const* end() const noexcept { return items + count; }
    [[nodiscard]] constexpr std::size_t size() const noexcept { return count; }
};

[[nodiscard]] inline isa_list available_isas() noexcept {
    isa_list l;
    for (isa i : all_isas) {
        if (isa_available(i)) l.items[l.count++] = i;
    }
    return l;
}

[[nodiscard]] inline isa_list unavailable_isas() noexcept {
    isa_list l;
    for (isa i : all_isas) {
        if (!isa_available(i)) l.items[l.count++] = i;
    }
    return l;
}

// The table of the ISA the compiler flags enable (portable when they enable none).
inline constexpr kernel_table const& compiled_kernels = kernels_for(compiled_isa);

// The table soma's run-time calls use.
[[nodiscard]] inline kernel_table const& kernels() noexcept {
    if constexpr (runtime_dispatch) {
        static kernel_table const* const chosen = &kernels_for(best_isa());
        return *chosen;
    } else {
        return compiled_kernels;
    }
}

}  // namespace soma::detail::inline SOMA_DETAIL_ABI_NAMESPACE

#endif  // SOMA_DETAIL_DISPATCH_HPP
