# The CUDA backend switch (NF_CUDA: AUTO, ON, OFF). Sets NF_WITH_CUDA and, when
# it is on, enables the CUDA language, finds the toolkit and chooses the
# architectures: unless CMAKE_CUDA_ARCHITECTURES is given, machine code for
# each of Volta 70, Turing 75, Ampere 80 and 86, Ada 89 and Hopper 90 that the
# compiler still supports (CUDA 13 dropped Volta), plus Hopper's PTX, which the
# driver compiles for newer GPUs. NF_CUDA_ARCHITECTURES_TEXT names them for
# messages ("75 80 86 89 90 +PTX 90").
string(TOUPPER "${NF_CUDA}" NF_CUDA)
if(NOT NF_CUDA MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "NF_CUDA must be AUTO, ON or OFF, got '${NF_CUDA}'")
endif()

set(NF_WITH_CUDA OFF)
if(NOT NF_CUDA STREQUAL "OFF")
    include(CheckLanguage)
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
        set(NF_WITH_CUDA ON)
    elseif(NF_CUDA STREQUAL "ON")
        message(FATAL_ERROR "NF_CUDA=ON but no CUDA compiler was found: put nvcc on PATH "
                            "(e.g. /usr/local/cuda/bin) or set CMAKE_CUDA_COMPILER")
    endif()
endif()

set(NF_CUDA_ARCHITECTURES_TEXT "")
if(NF_WITH_CUDA)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
        execute_process(COMMAND ${CMAKE_CUDA_COMPILER} --list-gpu-arch
                        OUTPUT_VARIABLE nf_supported RESULT_VARIABLE nf_list_result
                        ERROR_QUIET)
        set(nf_archs)
        foreach(arch 70 75 80 86 89)
            if(nf_list_result OR nf_supported MATCHES "compute_${arch}")
                list(APPEND nf_archs ${arch}-real)
            endif()
        endforeach()
        list(APPEND nf_archs 90) # machine code and PTX
        set(CMAKE_CUDA_ARCHITECTURES ${nf_archs} CACHE STRING "CUDA architectures to build for")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    foreach(arch ${CMAKE_CUDA_ARCHITECTURES})
        string(REGEX REPLACE "-(real|virtual)$" "" number "${arch}")
        if(arch MATCHES "-virtual$")
            string(APPEND NF_CUDA_ARCHITECTURES_TEXT " PTX ${number}")
        elseif(arch MATCHES "-real$")
            string(APPEND NF_CUDA_ARCHITECTURES_TEXT " sm_${number}")
        else()
            string(APPEND NF_CUDA_ARCHITECTURES_TEXT " sm_${number} PTX ${number}")
        endif()
    endforeach()
    string(STRIP "${NF_CUDA_ARCHITECTURES_TEXT}" NF_CUDA_ARCHITECTURES_TEXT)
    message(STATUS "neurofuse: CUDA backend on (${CMAKE_CUDA_COMPILER_VERSION}), "
                   "code for ${NF_CUDA_ARCHITECTURES_TEXT}")
else()
    message(STATUS "neurofuse: CUDA backend off (NF_CUDA=${NF_CUDA}): CPU backend only")
endif()
