# tests/: GoogleTest unit tests, one file per module, mirroring the sources.
# The same tests are built twice: optimised and under ASan+UBSan.
TEST_SRCS := $(wildcard tests/*/*_test.cc)
TEST_LIBS := -lgtest_main -lgtest
$(BUILD)/bin/unit_tests: $(call obj-of,$(TEST_SRCS)) $(SIM_DATA_LIB) $(SIM_CONFIG_LIB) $(PBIT_MODEL_LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $^ -o $@ $(TEST_LIBS) $(LDLIBS)
$(BUILD)/asan/bin/unit_tests: $(call asan-obj-of,$(TEST_SRCS)) $(SIM_DATA_ASAN_LIB) $(SIM_CONFIG_ASAN_LIB) $(PBIT_MODEL_ASAN_LIB)
	@mkdir -p $(@D)
	$(CXX) $(ASAN_CXXFLAGS) $^ -o $@ $(TEST_LIBS) $(LDLIBS)
TEST_TARGETS += $(BUILD)/bin/unit_tests $(BUILD)/asan/bin/unit_tests
