// isa_report <name>: exits 0 when this build has soma kernels for ISA <name> and this CPU
// runs them (the kernel tests then test them), 77 (a CTest skip) when not, saying why.
#include <cstdio>
#include <string_view>

#include "soma/detail/dispatch.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: isa_report <isa name>\n");
        return 2;
    }
    std::string_view const wanted = argv[1];
    for (soma::detail::isa i : soma::detail::all_isas) {
        if (soma::detail::isa_name(i) != wanted) continue;
        if (soma::detail::isa_available(i)) {
            std::printf("%s: tested on this CPU\n", argv[1]);
            return 0;
        }
        std::printf(
            "%s: not tested (%s)\n", argv[1],
            soma::detail::isa_compiled(i) ? "this CPU cannot run it" : "not built for this target");
        return 77;
    }
    std::fprintf(stderr, "isa_report: unknown ISA %s\n", argv[1]);
    return 2;
}
