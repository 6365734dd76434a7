// soma/soma.hpp - everything soma offers, in one include.
//
// The artificial neuron of the textbook: weighted input z = w·x + b (b = -θ), the unit
// step, the sigmoid, tanh and ReLU as activations, softmax over an output vector, the bias
// folded into an inner product, neurons, layers and networks, how they learn, and the SIMD
// kernels behind them.
#ifndef SOMA_SOMA_HPP
#define SOMA_SOMA_HPP

#include "soma/activation.hpp"
#include "soma/backprop.hpp"
#include "soma/bias.hpp"
#include "soma/concepts.hpp"
#include "soma/data.hpp"
#include "soma/dense_layer.hpp"
#include "soma/errors.hpp"
#include "soma/layer.hpp"
#include "soma/loss.hpp"
#include "soma/network.hpp"
#include "soma/network_io.hpp"
#include "soma/neuron.hpp"
#include "soma/optimizer.hpp"
#include "soma/perceptron.hpp"
#include "soma/random.hpp"
#include "soma/sigmoid.hpp"
#include "soma/softmax.hpp"
#include "soma/step.hpp"
#include "soma/tanh.hpp"
#include "soma/version.hpp"
#include "soma/weighted_input.hpp"

#endif  // SOMA_SOMA_HPP
