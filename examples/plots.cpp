// Draws the tutorial's pictures as SVG files, computed with soma:
//   step.svg     the unit step u(z) (soma::step), u(0) = 1
//   sigmoid.svg  σ(z) = 1/(1 + e^-z) and σ'(z) = σ(z)(1 - σ(z)) (soma::sigmoid,
//                soma::sigmoid_derivative)
//   example1.svg Example 1's neuron (w = (5, 3), θ = 4) over the input plane: the
//                boundary 5 x1 + 3 x2 = 4, the half-plane where it fires, and the four
//                binary inputs marked fired or silent by soma::step_neuron
//   xor_loss.svg the loss of the 2-2-1 sigmoid network of examples/logic_gates.cpp as it
//                learns XOR (soma::fit, Adam, seed 1), epoch by epoch
//   xor_boundary.svg  what that network learned over the input plane: where it outputs
//                y >= 0.5, and the four examples
//
//   plots <output directory>
//
// The SVG text is written by hand (no dependency). Coordinates are printed with two
// decimals in pixels, so the files change only when a value moves by ~0.005 px: the same
// bytes on every platform, and a test (tests/cmake/docs.cmake) compares them with
// docs/img/.
#include <array>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include <soma/soma.hpp>

namespace {

// A number as SVG wants it: fixed two decimals, never "-0.00".
std::string num(double v) {
    if (std::fabs(v) < 0.005) v = 0.0;
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%.2f", v);
    return buffer.data();
}

// Text as SVG character data: & < > escaped.
std::string escaped(std::string const& s) {
    std::string out;
    for (char const c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// A tick label or a small exact value: shortest form, "%g".
std::string label(double t) {
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%g", t);
    return buffer.data();
}

struct point {
    double x;
    double y;
};

// A plot: data coordinates [x0, x1] x [y0, y1] drawn in the inner box of a
// width x height picture.
class plot {
public:
    plot(double x0, double x1, double y0, double y1) : x0_(x0), x1_(x1), y0_(y0), y1_(y1) {}

    [[nodiscard]] double px(double x) const {
        return left + (x - x0_) / (x1_ - x0_) * (width - left - right);
    }
    [[nodiscard]] double py(double y) const {
        return height - bottom - (y - y0_) / (y1_ - y0_) * (height - top - bottom);
    }

    void begin(std::string const& title) {
        svg_ += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
                num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
                "\" font-family=\"sans-serif\" font-size=\"13\">\n";
        svg_ += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
        svg_ += "<clipPath id=\"box\"><rect x=\"" + num(left) + "\" y=\"" + num(top) +
                "\" width=\"" + num(width - left - right) + "\" height=\"" +
                num(height - top - bottom) + "\"/></clipPath>\n";
        text(width / 2, 22, title, "middle", 15);
    }

    // Axes through (0, 0) when it is inside the plot, else along the box, with ticks.
    void axes(std::span<double const> x_ticks, std::span<double const> y_ticks,
              std::string const& x_label, std::string const& y_label) {
        double const ax = (x0_ <= 0 && 0 <= x1_) ? 0.0 : x0_;
        double const ay = (y0_ <= 0 && 0 <= y1_) ? 0.0 : y0_;
        svg_ += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" +
                num(width - left - right) + "\" height=\"" + num(height - top - bottom) +
                "\" fill=\"none\" stroke=\"#cccccc\"/>\n";
        line({x0_, ay}, {x1_, ay}, "#444444", 1);
        line({ax, y0_}, {ax, y1_}, "#444444", 1);
        for (double const t : x_ticks) {
            svg_ += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(py(y0_)) + "\" x2=\"" +
                    num(px(t)) + "\" y2=\"" + num(py(y0_) + 5) + "\" stroke=\"#444444\"/>\n";
            text(px(t), py(y0_) + 18, label(t), "middle", 12);
        }
        for (double const t : y_ticks) {
            svg_ += "<line x1=\"" + num(px(x0_) - 5) + "\" y1=\"" + num(py(t)) + "\" x2=\"" +
                    num(px(x0_)) + "\" y2=\"" + num(py(t)) + "\" stroke=\"#444444\"/>\n";
            text(px(x0_) - 8, py(t) + 4, label(t), "end", 12);
        }
        text((px(x0_) + px(x1_)) / 2, height - 8, x_label, "middle", 14);
        double const y_mid = (py(y0_) + py(y1_)) / 2;
        svg_ += "<text x=\"18.00\" y=\"" + num(y_mid) +
                "\" text-anchor=\"middle\" font-size=\"14\" " + "transform=\"rotate(-90 18.00 " +
                num(y_mid) + ")\">" + escaped(y_label) + "</text>\n";
    }

    void polyline(std::span<point const> points, std::string const& color, double stroke_width,
                  std::string const& dash = "") {
        svg_ += "<polyline clip-path=\"url(#box)\" fill=\"none\" stroke=\"" + color +
                "\" stroke-width=\"" + num(stroke_width) + "\"";
        if (!dash.empty()) svg_ += " stroke-dasharray=\"" + dash + "\"";
        svg_ += " points=\"";
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (i != 0) svg_ += ' ';
            svg_ += num(px(points[i].x)) + "," + num(py(points[i].y));
        }
        svg_ += "\"/>\n";
    }

    void polygon(std::span<point const> points, std::string const& fill) {
        svg_ += "<polygon clip-path=\"url(#box)\" fill=\"" + fill + "\" stroke=\"none\" points=\"";
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (i != 0) svg_ += ' ';
            svg_ += num(px(points[i].x)) + "," + num(py(points[i].y));
        }
        svg_ += "\"/>\n";
    }

    void line(point a, point b, std::string const& color, double stroke_width,
              std::string const& dash = "") {
        std::array<point, 2> const ab{a, b};
        polyline(ab, color, stroke_width, dash);
    }

    // A filled rectangle [x0, x1] x [y0, y1] in data coordinates.
    void rect(double rx0, double rx1, double ry0, double ry1, std::string const& fill) {
        svg_ += "<rect clip-path=\"url(#box)\" x=\"" + num(px(rx0)) + "\" y=\"" + num(py(ry1)) +
                "\" width=\"" + num(px(rx1) - px(rx0)) + "\" height=\"" + num(py(ry0) - py(ry1)) +
                "\" fill=\"" + fill + "\" shape-rendering=\"crispEdges\"/>\n";
    }

    // A filled (closed) or open dot at a data point.
    void dot(point p, bool filled, std::string const& color) {
        svg_ += "<circle cx=\"" + num(px(p.x)) + "\" cy=\"" + num(py(p.y)) + "\" r=\"5\" fill=\"" +
                (filled ? color : std::string("white")) + "\" stroke=\"" + color +
                "\" stroke-width=\"2\"/>\n";
    }

    void text(double x, double y, std::string const& s, char const* anchor, int size) {
        svg_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor +
                "\" font-size=\"" + std::to_string(size) + "\">" + escaped(s) + "</text>\n";
    }

    // Text placed at a data point, offset in pixels.
    void label_at(point p, double dx, double dy, std::string const& s, char const* anchor) {
        text(px(p.x) + dx, py(p.y) + dy, s, anchor, 12);
    }

    [[nodiscard]] bool write(std::string const& path) {
        svg_ += "</svg>\n";
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (f == nullptr) {
            std::fprintf(stderr, "plots: cannot write %s\n", path.c_str());
            return false;
        }
        bool const ok = std::fwrite(svg_.data(), 1, svg_.size(), f) == svg_.size();
        return std::fclose(f) == 0 && ok;
    }

    static constexpr double width = 480;
    static constexpr double height = 320;
    static constexpr double left = 56;
    static constexpr double right = 20;
    static constexpr double top = 36;
    static constexpr double bottom = 44;

private:
    double x0_, x1_, y0_, y1_;
    std::string svg_;
};

// z sampled at n + 1 evenly spaced points of [z0, z1].
std::vector<double> samples(double z0, double z1, int n) {
    std::vector<double> z;
    for (int i = 0; i <= n; ++i) z.push_back(z0 + (z1 - z0) * i / n);
    return z;
}

bool step_plot(std::string const& dir) {
    plot p(-4, 4, -0.25, 1.25);
    p.begin("Unit step u(z): 1 for z \u2265 0, 0 for z < 0");
    std::array<double, 9> const x_ticks{-4, -3, -2, -1, 0, 1, 2, 3, 4};
    std::array<double, 3> const y_ticks{0, 0.5, 1};
    p.axes(x_ticks, y_ticks, "z", "u(z)");
    // One polyline per run of equal values, so the jump at z = 0 is not drawn as a slope.
    std::vector<point> run;
    for (double const z : samples(-4, 4, 160)) {
        double const u = soma::step(z);
        if (!run.empty() && run.back().y != u) {
            p.polyline(run, "#1f5fbf", 2.5);
            run.clear();
        }
        run.push_back({z, u});
    }
    p.polyline(run, "#1f5fbf", 2.5);
    // The value at the threshold itself: u(0) = 1 (filled), the limit from the left 0 (open).
    p.dot({0, soma::step(0.0)}, true, "#1f5fbf");
    p.dot({0, soma::step(std::nextafter(0.0, -1.0))}, false, "#1f5fbf");
    p.label_at({0, 1}, 10, -10, "u(0) = 1", "start");
    return p.write(dir + "/step.svg");
}

bool sigmoid_plot(std::string const& dir) {
    plot p(-6, 6, -0.1, 1.1);
    p.begin("Sigmoid \u03c3(z) = 1/(1 + e\u207b\u1dbb) and its derivative \u03c3\u2032(z)");
    std::array<double, 7> const x_ticks{-6, -4, -2, 0, 2, 4, 6};
    std::array<double, 5> const y_ticks{0, 0.25, 0.5, 0.75, 1};
    p.axes(x_ticks, y_ticks, "z", "y");
    p.line({-6, 1}, {6, 1}, "#999999", 1, "4 4");
    std::vector<point> s;
    std::vector<point> ds;
    for (double const z : samples(-6, 6, 240)) {
        s.push_back({z, soma::sigmoid(z)});
        ds.push_back({z, soma::sigmoid_derivative(z)});
    }
    // For z < -2 the curves nearly coincide (σ' = σ(1 - σ) ≈ σ): the wide dashed σ' is drawn
    // first and the thinner solid σ over it, so both stay visible there.
    std::string const sigma_color = "#1f5fbf";
    std::string const derivative_color = "#d9541e";
    std::string const dash = "7 4";
    p.polyline(ds, derivative_color, 4, dash);
    p.polyline(s, sigma_color, 2);
    p.dot({0, soma::sigmoid(0.0)}, true, sigma_color);
    p.label_at({0, soma::sigmoid(0.0)}, 10, 16, "\u03c3(0) = 1/2", "start");
    p.label_at({0, soma::sigmoid_derivative(0.0)}, 10, -8, "\u03c3\u2032(0) = 1/4", "start");
    // The legend: a sample of each line, then its formula. One pixel is 12/404 in z and
    // 1.2/240 in y.
    double const z_px = 12.0 / (plot::width - plot::left - plot::right);
    double const y_px = 1.2 / (plot::height - plot::top - plot::bottom);
    double const sample_z0 = -6 + 10 * z_px;
    double const sample_z1 = sample_z0 + 28 * z_px;
    double const row1 = 1 - 16 * y_px;
    double const row2 = 1 - 34 * y_px;
    p.line({sample_z0, row2}, {sample_z1, row2}, derivative_color, 4, dash);
    p.line({sample_z0, row1}, {sample_z1, row1}, sigma_color, 2);
    p.label_at({sample_z1, row1}, 6, 4, "\u03c3(z)", "start");
    p.label_at({sample_z1, row2}, 6, 4, "\u03c3\u2032(z) = \u03c3(z)(1 \u2212 \u03c3(z))", "start");
    return p.write(dir + "/sigmoid.svg");
}

// The part of a convex polygon where a x1 + b x2 + c >= 0 (one Sutherland-Hodgman step).
std::vector<point> clip(std::span<point const> polygon, double a, double b, double c) {
    std::vector<point> out;
    for (std::size_t i = 0; i < polygon.size(); ++i) {
        point const p = polygon[i];
        point const q = polygon[(i + 1) % polygon.size()];
        double const fp = a * p.x + b * p.y + c;
        double const fq = a * q.x + b * q.y + c;
        if (fp >= 0) out.push_back(p);
        if ((fp >= 0) != (fq >= 0)) {
            double const t = fp / (fp - fq);
            out.push_back({p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)});
        }
    }
    return out;
}

bool example1_plot(std::string const& dir) {
    // Example 1 of the tutorial: w1 = 5, w2 = 3, θ = 4; fires when 5 x1 + 3 x2 >= 4.
    auto const n = soma::step_neuron<double, 2>::from_threshold({5.0, 3.0}, 4.0);
    double const w1 = n.weights()[0];
    double const w2 = n.weights()[1];
    double const b = n.bias();

    plot p(-0.5, 1.5, -0.5, 1.5);
    p.begin("Example 1: y = u(5x\u2081 + 3x\u2082 \u2212 4)");
    std::array<double, 5> const ticks{-0.5, 0, 0.5, 1, 1.5};
    std::array<point, 4> const box{{{-0.5, -0.5}, {1.5, -0.5}, {1.5, 1.5}, {-0.5, 1.5}}};
    p.polygon(clip(box, w1, w2, b), "#dbe8fb");
    p.axes(ticks, ticks, "x\u2081", "x\u2082");
    // The boundary z = w1 x1 + w2 x2 + b = 0, i.e. x2 = (θ - w1 x1) / w2.
    p.line({-0.5, -(b + w1 * -0.5) / w2}, {1.5, -(b + w1 * 1.5) / w2}, "#1f5fbf", 2);
    p.label_at({-(b + w2 * 1.25) / w1, 1.25}, 10, 0, "5x\u2081 + 3x\u2082 = 4", "start");
    p.label_at({1.5, 1.5}, -8, 18, "fires (y = 1)", "end");
    p.label_at({-0.5, -0.5}, 8, -10, "silent (y = 0)", "start");
    for (std::array<double, 2> const x :
         {std::array{0.0, 0.0}, std::array{0.0, 1.0}, std::array{1.0, 0.0}, std::array{1.0, 1.0}}) {
        bool const fired = n(x) == 1.0;
        p.dot({x[0], x[1]}, fired, fired ? "#1f5fbf" : "#444444");
        // Labels of the inputs with x1 = 0 go to the left of their dot, clear of the
        // boundary (which crosses x2 = 1 at x1 = 0.2).
        bool const left_of_dot = x[0] == 0.0;
        p.label_at({x[0], x[1]}, left_of_dot ? -9 : 9, 16,
                   "z = " + label(n.weighted_input(x)) + ", y = " + (fired ? "1" : "0"),
                   left_of_dot ? "end" : "start");
    }
    return p.write(dir + "/example1.svg");
}

// The XOR network of examples/logic_gates.cpp, trained the same way: its losses per epoch
// and the trained network (the same bits on every CPU and compiler).
using xor_network = soma::network<soma::dense_layer<float, 2, 2>, soma::dense_layer<float, 2, 1>>;

struct xor_training {
    xor_network net;
    std::vector<double> losses;
};

xor_training train_xor() {
    xor_training t;
    soma::initialize(t.net, 1);
    soma::backprop bp(t.net, soma::cross_entropy{});
    std::array<float, 8> const X{0, 0, 0, 1, 1, 0, 1, 1};
    std::array<float, 4> const Y{0, 1, 1, 0};
    soma::adam<float> adam(0.1f);
    t.losses = soma::fit(bp, std::span<float const>(X), std::span<float const>(Y), adam,
                         {.epochs = 1000, .batch_size = 0});
    bp.store(t.net);
    return t;
}

bool xor_loss_plot(std::string const& dir, xor_training const& t) {
    plot p(0, 1000, -3.5, 0.5);
    p.begin("Learning XOR: cross-entropy loss per epoch (2-2-1, Adam)");
    std::array<double, 6> const x_ticks{0, 200, 400, 600, 800, 1000};
    std::array<double, 5> const y_ticks{-3, -2, -1, 0, 0.5};
    p.axes(x_ticks, y_ticks, "epoch", "log\u2081\u2080 of the mean loss");
    std::vector<point> curve;
    for (std::size_t e = 0; e < t.losses.size(); ++e) {
        curve.push_back({static_cast<double>(e + 1), std::log10(t.losses[e])});
    }
    p.polyline(curve, "#1f5fbf", 2.5);
    p.label_at({1000, -0.5}, -8, 0, "epoch 1: mean loss " + label(t.losses.front()), "end");
    p.label_at({1000, -0.5}, -8, 18, "epoch 1000: mean loss " + label(t.losses.back()), "end");
    return p.write(dir + "/xor_loss.svg");
}

bool xor_boundary_plot(std::string const& dir, xor_training const& t) {
    plot p(-0.5, 1.5, -0.5, 1.5);
    p.begin("What the network learned: y = net(x\u2081, x\u2082) \u2265 0.5 shaded");
    // One rectangle per run of grid cells where the network outputs y >= 0.5 (cells of
    // 0.02 x 0.02, each judged at its centre).
    constexpr int cells = 100;
    constexpr double side = 2.0 / cells;
    for (int row = 0; row < cells; ++row) {
        double const x2 = -0.5 + (row + 0.5) * side;
        int run = -1;
        for (int col = 0; col <= cells; ++col) {
            bool on = false;
            if (col < cells) {
                double const x1 = -0.5 + (col + 0.5) * side;
                on = t.net({static_cast<float>(x1), static_cast<float>(x2)})[0] >= 0.5f;
            }
            if (on && run < 0) run = col;
            if (!on && run >= 0) {
                p.rect(-0.5 + run * side, -0.5 + col * side, -0.5 + row * side,
                       -0.5 + (row + 1) * side, "#dbe8fb");
                run = -1;
            }
        }
    }
    std::array<double, 5> const ticks{-0.5, 0, 0.5, 1, 1.5};
    p.axes(ticks, ticks, "x\u2081", "x\u2082");
    for (std::array<float, 2> const x : {std::array{0.0f, 0.0f}, std::array{0.0f, 1.0f},
                                         std::array{1.0f, 0.0f}, std::array{1.0f, 1.0f}}) {
        float const y = t.net(x)[0];
        bool const one = y >= 0.5f;
        p.dot({x[0], x[1]}, one, one ? "#1f5fbf" : "#444444");
        std::array<char, 32> value{};
        std::snprintf(value.data(), value.size(), "y = %.3f", static_cast<double>(y));
        p.label_at({x[0], x[1]}, 9, 16, value.data(), "start");
    }
    p.label_at({1.5, 1.5}, -8, 18, "shaded: y \u2265 0.5 (XOR = 1)", "end");
    return p.write(dir + "/xor_boundary.svg");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: plots <output directory>\n");
        return 2;
    }
    std::string const dir = argv[1];
    xor_training const t = train_xor();
    bool const ok = step_plot(dir) && sigmoid_plot(dir) && example1_plot(dir) &&
                    xor_loss_plot(dir, t) && xor_boundary_plot(dir, t);
    return ok ? 0 : 1;
}
