# libzip, which writes and reads checkpoints (nf_network_save, nf_network_load;
# engine/checkpoint_*.c). Included once the library's targets exist.
#   NF_LIBZIP  AUTO (default: with libzip when found), ON (required), OFF
#              (without: save and load return NF_ERR_UNSUPPORTED, saying so)
# Found through pkg-config (libzip.pc), else libzip's CMake package (target
# libzip::zip; Debian 12's refers to the zipcmp tool of libzip-tools, and
# fails without it). Sets NF_WITH_LIBZIP, NF_LIBZIP_FROM_PACKAGE
# (the installed package config then finds libzip for its users) and
# NF_PC_LIBZIP (for neurofuse.pc's Libs.private).
set(NF_LIBZIP AUTO CACHE STRING "Checkpoints through libzip: AUTO, ON or OFF")
set_property(CACHE NF_LIBZIP PROPERTY STRINGS AUTO ON OFF)

set(NF_WITH_LIBZIP OFF)
set(NF_LIBZIP_FROM_PACKAGE OFF)
set(NF_PC_LIBZIP "")
set(NF_LIBZIP_LIBS)
if(NOT NF_LIBZIP STREQUAL "OFF")
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
        pkg_check_modules(NF_LIBZIP_PC QUIET libzip)
    endif()
    if(NF_LIBZIP_PC_FOUND)
        set(NF_WITH_LIBZIP ON)
        set(NF_LIBZIP_LIBS ${NF_LIBZIP_PC_LINK_LIBRARIES})
        target_include_directories(neurofuse_objects SYSTEM PRIVATE ${NF_LIBZIP_PC_INCLUDE_DIRS})
    else()
        find_package(libzip CONFIG QUIET)
        if(TARGET libzip::zip)
            set(NF_WITH_LIBZIP ON)
            set(NF_LIBZIP_FROM_PACKAGE ON)
            set(NF_LIBZIP_LIBS libzip::zip)
        endif()
    endif()
    if(NF_LIBZIP STREQUAL "ON" AND NOT NF_WITH_LIBZIP)
        message(FATAL_ERROR "NF_LIBZIP=ON but libzip was not found (Debian: apt-get install libzip-dev)")
    endif()
endif()

if(NF_WITH_LIBZIP)
    set(NF_PC_LIBZIP "-lzip")
    target_compile_definitions(neurofuse_objects PRIVATE NF_HAVE_LIBZIP)
    foreach(lib neurofuse_objects neurofuse neurofuse_static)
        target_link_libraries(${lib} PUBLIC ${NF_LIBZIP_LIBS})
    endforeach()
    message(STATUS "neurofuse: checkpoints with libzip")
else()
    message(STATUS "neurofuse: without libzip: nf_network_save and nf_network_load return "
                   "NF_ERR_UNSUPPORTED (install libzip-dev for checkpoints)")
endif()
