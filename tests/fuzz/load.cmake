# The checkpoint loader's libFuzzer target (load_fuzz.c, scripts/fuzz_load.sh)
# and the program that writes its seed corpus (load_corpus.c), beside the API
# target: included by tests/fuzz/CMakeLists.txt, after neurofuse_objects has
# been given the fuzzer's coverage flags.
add_executable(nft_fuzz_load load_fuzz.c $<TARGET_OBJECTS:neurofuse_objects>)
target_include_directories(nft_fuzz_load PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
target_compile_options(nft_fuzz_load PRIVATE ${NF_C_WARNINGS} -fsanitize=fuzzer)
target_link_options(nft_fuzz_load PRIVATE -fsanitize=fuzzer)
target_link_libraries(nft_fuzz_load PRIVATE OpenMP::OpenMP_C Threads::Threads BLAS::BLAS
    ${NF_LIBZIP_LIBS} m)
add_executable(nft_fuzz_load_corpus load_corpus.c)
target_compile_options(nft_fuzz_load_corpus PRIVATE ${NF_C_WARNINGS})
target_link_libraries(nft_fuzz_load_corpus PRIVATE neurofuse)
