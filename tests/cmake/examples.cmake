# The tutorial example prints Example 1's table as the tutorial gives it:
# (x1, x2) -> w.x = w1 x1 + w2 x2 = 0, 3, 5, 8 and y = 0, 0, 1, 1 (column "w.x", no bias
# yet); in bias form z = w.x + b = -4, -1, 1, 4 (column "z").
if(TARGET tutorial)
  add_test(NAME example_tutorial_table COMMAND tutorial)
  set_tests_properties(example_tutorial_table PROPERTIES
    LABELS "examples"
    PASS_REGULAR_EXPRESSION
    "w\\.x = w1\\*x1 \\+ w2\\*x2  y = \\(w\\.x >= 4\\)\n 0   0 +0  0\n 0   1 +3  0\n 1   0 +5  1\n 1   1 +8  1\n.*z = w1\\*x1 \\+ w2\\*x2 \\+ b  y = u\\(z\\)\n 0   0 +-4  0\n 0   1 +-1  0\n 1   0 +1  1\n 1   1 +4  1\n")
endif()
if(TARGET quick_start)
  add_test(NAME example_quick_start COMMAND quick_start)
  set_tests_properties(example_quick_start PROPERTIES
    LABELS "examples" PASS_REGULAR_EXPRESSION "= 0\\.731059")
endif()
# logic_gates prints the truth tables of AND, OR, NAND and of XOR = AND(OR, NAND).
if(TARGET logic_gates)
  add_test(NAME example_logic_gates COMMAND logic_gates)
  set_tests_properties(example_logic_gates PROPERTIES
    LABELS "examples"
    PASS_REGULAR_EXPRESSION
    "AND.*\n 0  0  0\n 0  1  0\n 1  0  0\n 1  1  1\nOR.*\n 0  0  0\n 0  1  1\n 1  0  1\n 1  1  1\nNAND.*\n 0  0  1\n 0  1  1\n 1  0  1\n 1  1  0\nXOR.*\n 0  0   0    1  0\n 0  1   1    1  1\n 1  0   1    1  1\n 1  1   1    0  0\n")
endif()
# logic_gates also learns AND, OR and NAND by the perceptron rule (their truth tables again)
# and reports XOR as not linearly separable: from the state after epoch 2 on, every epoch
# ends where it started (traced by hand in tests/perceptron_test.cpp), which Brent's
# comparison sees after epoch 4.
if(TARGET logic_gates)
  add_test(NAME example_logic_gates_learned COMMAND logic_gates)
  set_tests_properties(example_logic_gates_learned PROPERTIES
    LABELS "examples"
    PASS_REGULAR_EXPRESSION
    "perceptron rule.*\nAND: w = \\(2, 1\\), b = -3, learned in 6 epochs\nx1 x2  y\n 0  0  0\n 0  1  0\n 1  0  0\n 1  1  1\nOR: .*\n 0  0  0\n 0  1  1\n 1  0  1\n 1  1  1\nNAND: .*\n 0  0  1\n 0  1  1\n 1  0  1\n 1  1  0\nXOR: not linearly separable after 4 epochs")
endif()
# network: y = σ(W2 σ(W1 x + b1) + b2) at the four corners, as evaluated in double by
# hand: 0.153304, 0.755161, 0.795335, 0.205832; compile time and run time agree.
if(TARGET network)
  add_test(NAME example_network COMMAND network)
  set_tests_properties(example_network PROPERTIES
    LABELS "examples"
    PASS_REGULAR_EXPRESSION
    " 0  0  0\\.153304\n 0  1  0\\.755161\n 1  0  0\\.795335\n 1  1  0\\.205832\ncompile time and run time agree for \\(0, 1\\): yes, bit for bit")
endif()
# logic_gates learns XOR with a 2-2-1 sigmoid network: its outputs at the four corners are
# on XOR's side of 0.5, within 0.1 of the truth table.
if(TARGET logic_gates)
  add_test(NAME example_logic_gates_backprop COMMAND logic_gates)
  set_tests_properties(example_logic_gates_backprop PROPERTIES
    LABELS "examples"
    PASS_REGULAR_EXPRESSION
    "backpropagation.*\nx1 x2  y      t\n 0  0  0\\.0[0-9]+ 0\n 0  1  0\\.9[0-9]+ 1\n 1  0  0\\.9[0-9]+ 1\n 1  1  0\\.0[0-9]+ 0\n")
endif()
# train learns XOR from a FANN-format file (tests/data/xor.data) without a mistake and
# prints its summary line; a malformed file is rejected naming its line.
if(TARGET train)
  add_test(NAME example_train_xor
    COMMAND train --train "${PROJECT_SOURCE_DIR}/tests/data/xor.data"
                  --test "${PROJECT_SOURCE_DIR}/tests/data/xor.data"
                  --hidden 4 --epochs 300 --batch 0 --lr 0.1)
  set_tests_properties(example_train_xor PROPERTIES
    LABELS "examples"
    PASS_REGULAR_EXPRESSION
    "test_mse 0\\.0[0-9]+ class_error 0\\.000000 train_s [0-9.]+ weights_hash [0-9a-f]+\n$")
  add_test(NAME example_train_malformed
    COMMAND train --train "${PROJECT_SOURCE_DIR}/tests/data/malformed.data"
                  --test "${PROJECT_SOURCE_DIR}/tests/data/xor.data" --hidden 2)
  set_tests_properties(example_train_malformed PROPERTIES
    LABELS "examples" PASS_REGULAR_EXPRESSION "line 3: .*not a number")
endif()
