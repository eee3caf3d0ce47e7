"""The binding against the header: every public C function has a Python twin, the
generated module knows every function and constant, and the versions agree."""
import pathlib
import re

import neurofuse as nf
from neurofuse import _lib

from conftest import REPO

PACKAGE = pathlib.Path(nf.__file__).resolve().parent

# C functions whose work a richer twin does: name -> the function that covers it.
COVERED_BY = {
    "nf_network_create": "nf_network_create_ex",  # the same, plus the failure's message
    "nf_layer_create": "nf_layer_create_ex",
}


def header_functions(path):
    """The NF_API function names of a header (as tests/abi/run.sh reads them)."""
    text = pathlib.Path(path).read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return sorted(set(re.findall(r"\bNF_API\b[^;{(#]*?\b(nf_[A-Za-z0-9_]+)\s*\(", text)))


def package_source():
    return "\n".join(p.read_text() for p in PACKAGE.glob("*.py") if p.name != "_ffi.py")


def test_header_shipped_with_the_package_is_the_repository_one():
    shipped = PACKAGE / "include" / "neurofuse.h"
    assert shipped.read_text() == (REPO / "include" / "neurofuse.h").read_text(), \
        "the package was built from another header: rebuild it"


def test_every_public_function_has_a_python_twin():
    functions = header_functions(REPO / "include" / "neurofuse.h")
    assert len(functions) > 50
    source = package_source()
    used = set(re.findall(r"\blib\.(nf_[A-Za-z0-9_]+)\b", source))
    missing = [f for f in functions if f not in used and f not in COVERED_BY]
    assert not missing, f"C functions without a Python twin in python/neurofuse: {missing}"
    for f, twin in COVERED_BY.items():
        assert twin in used, f"{f}: its covering function {twin} is not used"


def test_generated_module_has_every_function_and_constant():
    functions = header_functions(PACKAGE / "include" / "neurofuse.h")
    for f in functions:
        assert hasattr(_lib.lib, f), f
    text = (PACKAGE / "include" / "neurofuse.h").read_text()
    for name, value in re.findall(r"^#define (NF_[A-Z0-9_]+) (\d+)\s*$", text, re.M):
        assert getattr(_lib.lib, name) == int(value), name


def test_versions_agree():
    assert nf.version_number() == _lib.lib.NF_VERSION_NUMBER
    assert nf.__version__ == nf.version()
    m = re.search(r'#define NF_VERSION_STRING "([^"]+)"',
                  (REPO / "include" / "neurofuse.h").read_text())
    assert nf.version() == m.group(1)


def test_enum_names_come_from_the_header():
    assert set(_lib.MODELS) == {"relu", "sigmoid", "tanh", "lif_rate", "softlif_rate", "lif",
                                "leaky_rate", "izhikevich", "theta", "adaptive_lif"}
    assert set(_lib.STATES) == {"voltage", "refractory", "recovery", "x",
                                "spike_accumulator", "output", "filter", "filter_aux",
                                "adaptation"}
    assert set(_lib.BACKENDS) == {"auto", "cpu", "cuda"}


def struct_fields(type_name, prefix=""):
    """Every field of a descriptor struct, nested ones as "outer.inner"."""
    ctype = _lib.ffi.typeof(type_name) if isinstance(type_name, str) else type_name
    out = []
    for name, field in ctype.fields:
        if field.type.kind == "struct":
            out += struct_fields(field.type, f"{prefix}{name}.")
        else:
            out.append(prefix + name)
    return out


def test_every_descriptor_field_is_reachable_from_python():
    """A field added to a descriptor (nf_*_desc, the rate statistics, the device
    information) fails here until the package sets or reads it."""
    source = package_source()
    structs = ("nf_network_desc", "nf_population_desc", "nf_filter_desc", "nf_connection_desc",
               "nf_readout_desc", "nf_learner_desc", "nf_layer_desc", "nf_rate_stats",
               "nf_device_info")
    set_by_a_function = {"nf_population_desc.lif_form"}  # nf_lif_form_apply (form=...)
    missing = []
    for struct in structs:
        for path in struct_fields(struct):
            leaf = path.rsplit(".", 1)[-1]
            if f"{struct}.{path}" in set_by_a_function:
                continue
            if not re.search(rf"(\.{leaf}\b|[\"']{re.escape(leaf)}[\"'])", source):
                missing.append(f"{struct}.{path}")
    assert not missing, f"descriptor fields the Python package never touches: {missing}"
