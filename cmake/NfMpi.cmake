# The MPI companion library switch (NF_MPI: AUTO, ON, OFF), as NF_CUDA is the
# CUDA backend's. Sets NF_WITH_MPI and, when it is on, finds MPI's C bindings
# (FindMPI: MPI::MPI_C, MPIEXEC_EXECUTABLE, MPIEXEC_NUMPROC_FLAG). AUTO builds
# neurofuse_mpi when an MPI is found (Debian: libopenmpi-dev), ON requires one,
# OFF never looks. The core library never links MPI either way.
set(NF_MPI AUTO CACHE STRING "Build the MPI companion library neurofuse_mpi: AUTO, ON or OFF")
set_property(CACHE NF_MPI PROPERTY STRINGS AUTO ON OFF)
string(TOUPPER "${NF_MPI}" NF_MPI)
if(NOT NF_MPI MATCHES "^(AUTO|ON|OFF)$")
    message(FATAL_ERROR "NF_MPI must be AUTO, ON or OFF, got '${NF_MPI}'")
endif()

set(NF_WITH_MPI OFF)
if(NOT NF_MPI STREQUAL "OFF")
    if(NF_MPI STREQUAL "ON")
        find_package(MPI REQUIRED COMPONENTS C)
    else()
        find_package(MPI QUIET COMPONENTS C)
    endif()
    if(MPI_C_FOUND)
        set(NF_WITH_MPI ON)
    endif()
endif()
if(NF_WITH_MPI)
    message(STATUS "neurofuse: MPI companion library on (MPI ${MPI_C_VERSION}, "
                   "${MPIEXEC_EXECUTABLE})")
else()
    message(STATUS "neurofuse: MPI companion library off (NF_MPI=${NF_MPI})")
endif()
