// The instruction sets whose kernels a test runs: every ISA this build has kernels for and
// this CPU can execute (soma::detail::available_isas). The first call prints, once per
// test program, which ISAs were tested and which were not and why, so that a kernel this
// CPU cannot run is reported, never silently dropped (the CTest tests isa_<name> also
// report each one as passed or skipped).
#ifndef SOMA_TESTS_SUPPORT_ISA_HPP
#define SOMA_TESTS_SUPPORT_ISA_HPP

#include <cstdio>
#include <string>
#include <vector>

#include "soma/detail/cpu.hpp"
#include "soma/detail/dispatch.hpp"

namespace soma_test {

inline std::vector<soma::detail::isa> tested_isas() {
    static std::vector<soma::detail::isa> const isas = [] {
        std::vector<soma::detail::isa> list;
        std::string tested;
        for (soma::detail::isa i : soma::detail::available_isas()) {
            list.push_back(i);
            tested.push_back(' ');
            tested.append(soma::detail::isa_name(i));
        }
        std::printf("kernels tested on this CPU:%s\n", tested.c_str());
        for (soma::detail::isa i : soma::detail::unavailable_isas()) {
            std::printf("%s: not tested (%s)\n", std::string(soma::detail::isa_name(i)).c_str(),
                        soma::detail::isa_compiled(i) ? "this CPU cannot run it"
                                                      : "not built for this target");
        }
        return list;
    }();
    return isas;
}

}  // namespace soma_test

#endif  // SOMA_TESTS_SUPPORT_ISA_HPP
