# The tutorial example prints Example 1's table as the tutorial gives it:
# (x1, x2) -> w1 x1 + w2 x2 = 0, 3, 5, 8 and y = 0, 0, 1, 1; in bias form z = -4, -1, 1, 4.
if(TARGET tutorial)
  add_test(NAME example_tutorial_table COMMAND tutorial)
  set_tests_properties(example_tutorial_table PROPERTIES
    LABELS "examples"
    PASS_REGULAR_EXPRESSION
    " 0   0 +0  0\n 0   1 +3  0\n 1   0 +5  1\n 1   1 +8  1\n.* 0   0 +-4  0\n 0   1 +-1  0\n 1   0 +1  1\n 1   1 +4  1\n")
endif()
if(TARGET quick_start)
  add_test(NAME example_quick_start COMMAND quick_start)
  set_tests_properties(example_quick_start PROPERTIES
    LABELS "examples" PASS_REGULAR_EXPRESSION "= 0\\.731059")
endif()
