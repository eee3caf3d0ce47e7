"""neurofuse: batched simulation of neuron populations and synaptic filters, with FORCE.

The C library (CPU backend, and CUDA where the package was built with it) through
cffi, with numpy arrays in and out::

    import numpy as np
    import neurofuse as nf

    with nf.Network(dt=0.001, batch=8, seed=1) as net:
        pop = net.add_population("lif", 100, filter=nf.Lowpass(0.005))
        drive = net.add_input(100)
        drive.set(np.linspace(0, 3, 100))          # one row, held every step
        net.connect(drive, pop, kind="identity")
        probe = net.probe(pop, "filtered", every=10)
        net.run(1000)
        rates = probe.read()                        # (100, 8, 100) float32

Errors raise NeurofuseError subclasses with the library's message.
``neurofuse.layers`` has keras-spiking's layers for numpy sequences.
"""
from . import _build_info
from .errors import (BackendError, FileIOError, InvalidArgumentError, NeurofuseError,
                     NoDeviceError, NumericError, OutOfMemoryError, StateError,
                     UnsupportedError)
from .library import (backend_available, device_info, energy_estimate, energy_source_rates,
                      energy_summary, read_npy, status_string, version, version_number,
                      write_npy)
from .network import Network
from .objects import (Alpha, Connection, DoubleExp, Input, Learner, Lowpass, Population, Probe,
                      RateStats, Readout, rate_stats_from_sums)
from . import layers

__version__ = version()

#: Whether this build of the library has the CUDA backend (a GPU is still needed to use it).
BUILT_WITH_CUDA = _build_info.CUDA

__all__ = [
    "Network", "Population", "Input", "Connection", "Readout", "Learner", "Probe",
    "Lowpass", "Alpha", "DoubleExp", "RateStats", "layers",
    "energy_estimate", "energy_source_rates", "energy_summary", "rate_stats_from_sums", "backend_available", "device_info", "version",
    "version_number", "status_string", "read_npy", "write_npy", "BUILT_WITH_CUDA",
    "NeurofuseError", "InvalidArgumentError", "OutOfMemoryError", "NoDeviceError",
    "BackendError", "StateError", "NumericError", "FileIOError", "UnsupportedError",
]
